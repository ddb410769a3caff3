/**
 * File system side of the CLI: find the YAML files under the given paths and read them. The core never
 * calls this; the app reads the same files through the GitHub API instead.
 */
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { CONFIG_FILE, DEFAULT_CONFIG, parseProjectConfig, type ProjectConfig } from '../config/project-config.js';
import type { SourceFile } from '../load/load.js';
import { globToRegExp, matchesAny } from './glob.js';

export const YAML_FILE = /\.ya?ml$/i;
// .github holds CI workflows and our own config, not mesh config; name files there explicitly to check them.
export const SKIP_DIRS = new Set(['.git', '.github', 'node_modules', '.hg', '.svn']);

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ReadResult {
  files: SourceFile[];
  /** Files that exist but could not be read, as path + reason (reported as findings by the caller). */
  unreadable: { path: string; reason: string }[];
}

/** Paths are shown relative to `cwd` when inside it, with forward slashes, like other linters do. */
export function displayPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  return (rel && !rel.startsWith('..') ? rel : abs).split(sep).join('/');
}

export interface CollectOptions {
  cwd: string;
  /** Root that config globs are relative to. */
  root: string;
  ignore?: readonly string[];
  maxFileBytes: number;
}

export async function collectFiles(paths: readonly string[], options: CollectOptions): Promise<ReadResult> {
  const ignore = (options.ignore ?? []).map(globToRegExp);
  const found = new Set<string>();
  const ordered: string[] = [];
  const add = (abs: string): void => {
    if (!found.has(abs)) {
      found.add(abs);
      ordered.push(abs);
    }
  };
  const result: ReadResult = { files: [], unreadable: [] };
  const rootRel = (abs: string): string => relative(options.root, abs).split(sep).join('/');

  for (const p of paths) {
    const abs = resolve(options.cwd, p);
    let info;
    try {
      info = await stat(abs);
    } catch {
      throw new UsageError(`path not found: ${p}`);
    }
    if (info.isDirectory()) await walk(abs);
    else add(abs);
  }

  async function walk(dir: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      result.unreadable.push({ path: displayPath(dir, options.cwd), reason: (e as NodeJS.ErrnoException).code ?? String(e) });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const abs = join(dir, e.name);
      if (matchesAny(rootRel(abs), ignore)) continue;
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await walk(abs);
      } else if (e.isFile() && YAML_FILE.test(e.name)) add(abs);
    }
  }

  for (const abs of ordered) {
    const path = displayPath(abs, options.cwd);
    try {
      const info = await lstat(abs);
      if (info.size > options.maxFileBytes) {
        result.files.push({ path, content: new Uint8Array(0), size: info.size });
        continue;
      }
      result.files.push({ path, content: await readFile(abs) });
    } catch (e) {
      result.unreadable.push({ path, reason: (e as NodeJS.ErrnoException).code ?? String(e) });
    }
  }
  return result;
}

/**
 * The project config: `--config FILE` if given (it must exist), else `.github/egress-lint.yml` under the
 * scanned root when present, else the defaults.
 */
export async function readProjectConfig(explicit: string | undefined, root: string, cwd: string): Promise<ProjectConfig> {
  const file = explicit ? resolve(cwd, explicit) : join(root, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (!explicit && (e as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_CONFIG;
    throw new UsageError(`cannot read config ${explicit ?? file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseProjectConfig(text, displayPath(file, cwd));
}

/** The scanned root: the only directory given, else the working directory. */
export async function scanRoot(paths: readonly string[], cwd: string): Promise<string> {
  if (paths.length === 1) {
    const abs = resolve(cwd, paths[0]!);
    try {
      if ((await stat(abs)).isDirectory()) return abs;
    } catch {
      // reported by collectFiles
    }
  }
  return cwd;
}
