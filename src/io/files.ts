/**
 * File system side of the CLI: find the YAML files under the given paths and read them. The core never
 * calls this; the app reads the same files through the GitHub API instead.
 *
 * Synchronous calls: the CLI waits for each one anyway, and a promise-based read costs several
 * times the CPU of a synchronous one (a thread-pool round trip per open, stat, read and close), which
 * on a small repository was a tenth of a command's work. The functions stay async for their callers.
 */
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import {
  CONFIG_FILE,
  DEFAULT_CONFIG,
  isNearMissConfigPath,
  parseProjectConfig,
  type ProjectConfig,
} from '../config/project-config.js';
import type { SourceFile } from '../load/load.js';
import { createFileSelector, type FileSelector } from './selection.js';

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
  /** The config's `paths` (files, folders or globs): what to check when the root itself is scanned. */
  paths?: readonly string[];
  ignore?: readonly string[];
  maxFileBytes: number;
}

/**
 * Which files under one scanned target are checked: the config's `paths` when the target is the root,
 * otherwise everything YAML under it; never what `ignore` names. Decided on root-relative paths by
 * the same selector the app uses on git trees, so the CLI (disk or git) and the app agree.
 */
export function targetSelector(
  targetAbs: string,
  options: CollectOptions,
): { rel: (abs: string) => string; selector: FileSelector } {
  const rel = (abs: string): string => relative(options.root, abs).split(sep).join('/');
  const target = rel(targetAbs);
  const paths = target === '' ? (options.paths ?? []) : [target];
  return { rel, selector: createFileSelector({ paths, ignore: options.ignore ?? [] }) };
}

/** The YAML files under `targets` (files named directly are always read), in a stable order. */
export async function collectFiles(
  targets: readonly string[],
  options: CollectOptions,
): Promise<ReadResult> {
  const found = new Set<string>();
  const ordered: string[] = [];
  const add = (abs: string): void => {
    if (!found.has(abs)) {
      found.add(abs);
      ordered.push(abs);
    }
  };
  const result: ReadResult = { files: [], unreadable: [] };

  for (const p of targets) {
    const abs = resolve(options.cwd, p);
    let info;
    try {
      info = statSync(abs);
    } catch {
      throw new UsageError(`path not found: ${p}`);
    }
    if (!info.isDirectory()) add(abs);
    else {
      const { rel, selector } = targetSelector(abs, options);
      walk(abs, rel, selector);
    }
  }

  function walk(dir: string, rel: (abs: string) => string, selector: FileSelector): void {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      result.unreadable.push({
        path: displayPath(dir, options.cwd),
        reason: (e as NodeJS.ErrnoException).code ?? String(e),
      });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) {
        if (selector.mayContain(rel(abs))) walk(abs, rel, selector);
      } else if (e.isFile() && selector.includes(rel(abs))) add(abs);
    }
  }

  for (const abs of ordered) {
    const path = displayPath(abs, options.cwd);
    try {
      const info = lstatSync(abs);
      if (info.size > options.maxFileBytes) {
        result.files.push({ path, content: new Uint8Array(0), size: info.size });
        continue;
      }
      result.files.push({ path, content: readFileSync(abs) });
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
export async function readProjectConfig(
  explicit: string | undefined,
  root: string,
  cwd: string,
): Promise<ProjectConfig> {
  const file = explicit ? resolve(cwd, explicit) : join(root, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (!explicit && (e as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_CONFIG;
    throw new UsageError(
      `cannot read config ${explicit ?? file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  return parseProjectConfig(text, displayPath(file, cwd));
}

/** Files under `root` (top level and `.github/`) that look meant as the config but are not read. */
export async function nearMissConfigFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const dir of ['', '.github']) {
    let names: string[];
    try {
      names = readdirSync(join(root, dir));
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const rel = dir ? `${dir}/${name}` : name;
      if (isNearMissConfigPath(rel)) out.push(rel);
    }
  }
  return out;
}

/** The scanned root: the only directory given, else the working directory. */
export async function scanRoot(paths: readonly string[], cwd: string): Promise<string> {
  if (paths.length === 1) {
    const abs = resolve(cwd, paths[0]!);
    try {
      if (statSync(abs).isDirectory()) return abs;
    } catch {
      // reported by collectFiles
    }
  }
  return cwd;
}
