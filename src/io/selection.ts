/**
 * Which repository files are mesh config, decided from paths alone: the CLI applies these rules while
 * walking the file system, the app while filtering git trees, so both check the same files.
 */
import { compileGlobs, normalize } from './glob.js';

export const YAML_FILE = /\.ya?ml$/i;
// .github holds CI workflows and our own config, not mesh config; name files there explicitly to check them.
export const SKIP_DIRS: ReadonlySet<string> = new Set([
  '.git',
  '.github',
  'node_modules',
  '.hg',
  '.svn',
]);

export interface FileSelection {
  /** `paths` from the project config: files, folders or globs; empty means the whole repository. */
  paths: readonly string[];
  ignore: readonly string[];
}

export interface FileSelector {
  /** True for a repository-relative file path (forward slashes) that should be checked. */
  includes(path: string): boolean;
  /** False when no file under this directory can be included, so a tree walk may skip it. */
  mayContain(dir: string): boolean;
}

export function createFileSelector(selection: FileSelection): FileSelector {
  const include = compileGlobs(selection.paths);
  const ignore = compileGlobs(selection.ignore, { anyDepthWithoutSlash: true });
  // Every path a positive pattern matches starts with its literal base.
  const prefixes = include.bases;
  const named = (dir: string): boolean =>
    prefixes.some((p) => p === dir || p.startsWith(`${dir}/`));
  const ignored = (path: string): boolean => ignore.decide(path) === true;
  // A skipped directory (e.g. .github) counts only when `paths` names it.
  const skipped = (dirs: readonly string[]): boolean =>
    dirs.some((d, i) => SKIP_DIRS.has(d) && !named(dirs.slice(0, i + 1).join('/')));

  return {
    includes(path) {
      return (
        YAML_FILE.test(path) &&
        (selection.paths.length === 0 || include.decide(path) === true) &&
        !ignored(path) &&
        !skipped(path.split('/').slice(0, -1))
      );
    },
    mayContain(dir) {
      const d = normalize(dir);
      if (d === '') return true;
      // A `!` pattern may take back a file under an ignored folder, so only prune without one.
      if ((!ignore.hasNegation && ignored(d)) || skipped(d.split('/'))) return false;
      return (
        selection.paths.length === 0 ||
        prefixes.some(
          (p) => p === '' || p.startsWith(`${d}/`) || `${d}/`.startsWith(`${p}/`) || p === d,
        )
      );
    },
  };
}
