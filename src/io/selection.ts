/**
 * Which repository files are mesh config, decided from paths alone: the CLI applies these rules while
 * walking the file system, the app while filtering git trees, so both check the same files.
 */
import { globToRegExp, matchesAny } from './glob.js';

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
  const include = selection.paths.map(globToRegExp);
  const ignore = selection.ignore.map(globToRegExp);
  // Every path a pattern matches starts with the pattern's text up to its first wildcard.
  const prefixes = selection.paths.map((p) => normalize(p).split(/[*?]/, 1)[0]!);
  const named = (dir: string): boolean =>
    prefixes.some((p) => p === dir || p.startsWith(`${dir}/`));

  const ignored = (path: string): boolean => ancestors(path).some((p) => matchesAny(p, ignore));
  // A skipped directory (e.g. .github) counts only when `paths` names it.
  const skipped = (dirs: readonly string[]): boolean =>
    dirs.some((d, i) => SKIP_DIRS.has(d) && !named(dirs.slice(0, i + 1).join('/')));

  return {
    includes(path) {
      return (
        YAML_FILE.test(path) &&
        (include.length === 0 || matchesAny(path, include)) &&
        !ignored(path) &&
        !skipped(path.split('/').slice(0, -1))
      );
    },
    mayContain(dir) {
      const d = normalize(dir);
      if (d === '') return true;
      if (ignored(d) || skipped(d.split('/'))) return false;
      return (
        prefixes.length === 0 ||
        prefixes.some((p) => p.startsWith(`${d}/`) || `${d}/`.startsWith(p))
      );
    },
  };
}

function normalize(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
}

/** `a/b/c.yaml` -> `a`, `a/b`, `a/b/c.yaml`: ignore globs may name any of them. */
function ancestors(path: string): string[] {
  const parts = path.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}
