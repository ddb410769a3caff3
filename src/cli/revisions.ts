/**
 * The two sides of `egress-lint diff`: two folders (`diff <old> <new>`), or a git commit and the
 * working tree (`diff --base <ref> [paths]`).
 *
 * Which config applies: the base's. Both sides are read and analysed with the base revision's
 * `.github/egress-lint.yml` (paths, ignore, mesh defaults, rule severities, failOn), as the GitHub
 * App does, so a change cannot switch its own checks off or hide files from them; `--config FILE`
 * overrides it for both sides. When the head's config differs, a note says so: it applies once the
 * change is merged.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CONFIG_FILE,
  DEFAULT_CONFIG,
  parseProjectConfig,
  type ProjectConfig,
} from '../config/project-config.js';
import { stableStringify } from '../diff/canonical.js';
import {
  collectFiles,
  displayPath,
  readProjectConfig,
  scanRoot,
  UsageError,
  type ReadResult,
} from '../io/files.js';
import {
  collectFilesAtCommit,
  openRepository,
  readFileAtCommit,
  resolveCommit,
} from '../io/git.js';
import type { CliIO } from './io.js';
import {
  collectOptions,
  readFindingsOf,
  readStdinSource,
  STDIN_ARG,
  type Workspace,
} from './workspace.js';

export interface Revisions {
  config: ProjectConfig;
  base: Workspace;
  head: Workspace;
  notes: string[];
}

function workspace(root: string, config: ProjectConfig, read: ReadResult): Workspace {
  return { root, config, files: read.files, readFindings: readFindingsOf(read) };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Config file text, or undefined when there is none (an unreadable file is a usage error). */
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(
      `cannot read config ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
}

/** A note when the head's config file says something else than the one in force. */
function configNote(
  base: ProjectConfig,
  headText: string | undefined,
  headFile: string,
): string | undefined {
  if (headText === undefined) {
    return base.file
      ? `${CONFIG_FILE} is deleted in the head; the base's still applies to this change.`
      : undefined;
  }
  let head: ProjectConfig;
  try {
    head = parseProjectConfig(headText, headFile);
  } catch (e) {
    return `${CONFIG_FILE} in the head is not valid (${(e as Error).message}); the base's config applies to this change.`;
  }
  const comparable = (c: ProjectConfig): string => stableStringify({ ...c, file: undefined });
  if (comparable(head) === comparable(base)) return undefined;
  return `${CONFIG_FILE} changes in the head; checks use the base's config (as the GitHub App does) until the change is merged. Pass --config to try the new one.`;
}

/** `diff <old> <new>`: file paths are shown relative to each side's folder, so they match up. */
export async function openFolderRevisions(
  oldPath: string,
  newPath: string,
  configPath: string | undefined,
  io: CliIO,
): Promise<Revisions> {
  const oldAbs = resolve(io.cwd, oldPath);
  const newAbs = resolve(io.cwd, newPath);
  const oldRoot = await scanRoot([oldPath], io.cwd);
  const newRoot = await scanRoot([newPath], io.cwd);
  const config = await readProjectConfig(configPath, oldRoot, io.cwd);
  if (oldPath === STDIN_ARG && newPath === STDIN_ARG)
    throw new UsageError('only one side of diff can be read from standard input (-)');
  const side = async (abs: string, root: string): Promise<Workspace> => {
    if (abs === oldAbs ? oldPath === STDIN_ARG : newPath === STDIN_ARG) {
      const stdin = await readStdinSource(io, config.limits.maxFileBytes);
      return workspace(root, config, { files: [stdin], unreadable: [] });
    }
    // Both sides show paths relative to their own folder, so the same file has the same name in each.
    const shown = isDirectory(abs) ? root : io.cwd;
    return workspace(root, config, await collectFiles([abs], collectOptions(config, root, shown)));
  };
  const [base, head] = [await side(oldAbs, oldRoot), await side(newAbs, newRoot)];
  const note = configPath
    ? undefined
    : configNote(
        config,
        readText(join(newRoot, CONFIG_FILE)),
        displayPath(join(newRoot, CONFIG_FILE), io.cwd),
      );
  return { config, base, head, notes: note ? [note] : [] };
}

/** `diff --base <ref> [paths]`: the commit's files read with git, the working tree's from disk. */
export async function openGitRevisions(
  ref: string,
  paths: readonly string[],
  configPath: string | undefined,
  io: CliIO,
): Promise<Revisions> {
  if (paths.includes(STDIN_ARG))
    throw new UsageError(
      'diff --base compares files in git; standard input (-) has no base revision',
    );
  const root = await scanRoot(paths.length ? paths : ['.'], io.cwd);
  const repo = await openRepository(root, io.cwd);
  const commit = await resolveCommit(repo, ref);
  const configAbs = join(root, CONFIG_FILE);
  let config: ProjectConfig;
  if (configPath) config = await readProjectConfig(configPath, root, io.cwd);
  else {
    const text = await readFileAtCommit(repo, commit, configAbs);
    config =
      text === undefined
        ? DEFAULT_CONFIG
        : parseProjectConfig(text.toString('utf8'), `${ref}:${displayPath(configAbs, io.cwd)}`);
  }
  const targets = paths.length ? paths.map((p) => resolve(io.cwd, p)) : [root];
  const options = collectOptions(config, root, io.cwd);
  const head = workspace(root, config, await collectFiles(targets, options));
  const base = workspace(root, config, await collectFilesAtCommit(repo, commit, targets, options));
  const note = configPath
    ? undefined
    : configNote(config, readText(configAbs), displayPath(configAbs, io.cwd));
  return { config, base, head, notes: note ? [note] : [] };
}
