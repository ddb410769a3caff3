/**
 * Git side of the CLI: the files of a commit, read without a checkout (`git ls-tree` for the list,
 * one `git cat-file --batch` for the contents), selected exactly as the directory walk in files.ts
 * selects files in the working tree, and shown under the same paths, so a file that did not change
 * yields the same resources at the same places on both sides.
 */
import { spawn } from 'node:child_process';
import { posix, relative, resolve, sep } from 'node:path';
import type { SourceFile } from '../load/load.js';
import {
  displayPath,
  targetSelector,
  UsageError,
  type CollectOptions,
  type ReadResult,
} from './files.js';

export interface GitRepository {
  /** The directory git runs in. */
  dir: string;
  /** `dir` relative to the top of the work tree, with a trailing slash ('' at the top). */
  prefix: string;
}

export interface GitOutput {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export function runGit(args: readonly string[], cwd: string, input?: string): Promise<GitOutput> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', args, {
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined); // git may exit before reading all of its input
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        new UsageError(
          e.code === 'ENOENT'
            ? 'git is not installed (or not on PATH); --base needs it'
            : `cannot run git: ${e.message}`,
        ),
      ),
    );
    child.on('close', (code) =>
      resolvePromise({
        code: code ?? 1,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.end(input ?? '');
  });
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((l) => l.trim())
      ?.replace(/^fatal:\s*/, '')
      .trim() ?? 'git failed'
  );
}

export async function openRepository(dir: string, cwd: string): Promise<GitRepository> {
  const r = await runGit(['rev-parse', '--show-prefix'], dir);
  if (r.code !== 0) {
    const why = firstLine(r.stderr);
    throw new UsageError(
      /not a git repository/i.test(why)
        ? `not a git repository: ${displayPath(dir, cwd) || '.'}`
        : `git: ${why}`,
    );
  }
  return { dir, prefix: r.stdout.toString('utf8').replace(/\n$/, '') };
}

/** The commit a ref names (branch, tag, sha, `HEAD~2`...), or a usage error saying it is unknown. */
export async function resolveCommit(repo: GitRepository, ref: string): Promise<string> {
  if (!ref || ref.startsWith('-') || /[\s\0]/.test(ref))
    throw new UsageError(`invalid git ref: ${JSON.stringify(ref)}`);
  const r = await runGit(
    ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`],
    repo.dir,
  );
  if (r.code !== 0) throw new UsageError(`unknown git ref: ${ref}`);
  return r.stdout.toString('utf8').trim();
}

export interface TreeFile {
  /** Path from the top of the repository. */
  path: string;
  oid: string;
  size: number;
}

/** Regular files of the commit under the given repository paths ('' for everything). */
export async function listTree(
  repo: GitRepository,
  commit: string,
  paths: readonly string[],
): Promise<TreeFile[]> {
  const pathspecs = paths.includes('') ? [] : paths;
  const r = await runGit(
    ['--literal-pathspecs', 'ls-tree', '-r', '-z', '-l', '--full-tree', commit, '--', ...pathspecs],
    repo.dir,
  );
  if (r.code !== 0) throw new UsageError(`git ls-tree failed: ${firstLine(r.stderr)}`);
  const files: TreeFile[] = [];
  for (const record of r.stdout.toString('utf8').split('\0')) {
    // <mode> SP <type> SP <oid> SP+ <size> TAB <path>
    const m = /^(\d+) (\w+) ([0-9a-f]+) +(\d+|-)\t([\s\S]+)$/.exec(record);
    if (!m || m[2] !== 'blob' || m[1] === '120000') continue; // symlinks and submodules are not files to read
    files.push({ path: m[5]!, oid: m[3]!, size: Number(m[4]) });
  }
  return files;
}

/** Object contents by id, all in one `git cat-file --batch` run. */
export async function readBlobs(
  repo: GitRepository,
  oids: readonly string[],
): Promise<Map<string, Buffer>> {
  const blobs = new Map<string, Buffer>();
  const unique = [...new Set(oids)];
  if (unique.length === 0) return blobs;
  const r = await runGit(['cat-file', '--batch'], repo.dir, `${unique.join('\n')}\n`);
  if (r.code !== 0) throw new UsageError(`git cat-file failed: ${firstLine(r.stderr)}`);
  const out = r.stdout;
  let at = 0;
  while (at < out.length) {
    const eol = out.indexOf(0x0a, at);
    if (eol === -1) break;
    const header = out.subarray(at, eol).toString('utf8');
    at = eol + 1;
    const m = /^([0-9a-f]+) \w+ (\d+)$/.exec(header);
    if (!m) continue; // "<oid> missing"
    const size = Number(m[2]);
    blobs.set(m[1]!, out.subarray(at, at + size));
    at += size + 1;
  }
  return blobs;
}

/** Where a working-tree path is in the repository (forward slashes, no leading `./`). */
export function repositoryPath(repo: GitRepository, abs: string): string {
  const rel = relative(repo.dir, abs).split(sep).join('/');
  const path = posix.normalize(`${repo.prefix}${rel}`).replace(/\/$/, '');
  if (path === '..' || path.startsWith('../'))
    throw new UsageError(`path is outside the git repository: ${abs}`);
  return path === '.' ? '' : path;
}

function workingTreePath(repo: GitRepository, path: string): string {
  return resolve(repo.dir, posix.relative(repo.prefix.replace(/\/$/, '') || '.', path || '.'));
}

/** Directory walk order: segment by segment, by name (a folder's files right after its name). */
function compareWalkOrder(a: string, b: string): number {
  const sa = a.split('/');
  const sb = b.split('/');
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    if (sa[i] !== sb[i]) return sa[i]! < sb[i]! ? -1 : 1;
  }
  return sa.length - sb.length;
}

/**
 * The files under `targets` (working-tree paths) as they are at `commit`, chosen exactly as
 * collectFiles chooses them on disk (same selector; a file named directly is always read). A target
 * missing at the commit contributes nothing: it is new on the other side.
 */
export async function collectFilesAtCommit(
  repo: GitRepository,
  commit: string,
  targets: readonly string[],
  options: CollectOptions,
): Promise<ReadResult> {
  const targetAbs = targets.map((t) => resolve(options.cwd, t));
  const targetPaths = targetAbs.map((t) => repositoryPath(repo, t));
  const tree = (await listTree(repo, commit, targetPaths)).sort((a, b) =>
    compareWalkOrder(a.path, b.path),
  );

  const picked: TreeFile[] = [];
  const seen = new Set<string>();
  for (const [i, abs] of targetAbs.entries()) {
    const target = targetPaths[i]!;
    const { rel, selector } = targetSelector(abs, options);
    for (const f of tree) {
      if (seen.has(f.path)) continue;
      const under = target === '' || f.path.startsWith(`${target}/`);
      if (f.path !== target && !(under && selector.includes(rel(workingTreePath(repo, f.path)))))
        continue;
      seen.add(f.path);
      picked.push(f);
    }
  }

  const small = picked.filter((f) => f.size <= options.maxFileBytes);
  const blobs = await readBlobs(
    repo,
    small.map((f) => f.oid),
  );
  const result: ReadResult = { files: [], unreadable: [] };
  for (const f of picked) {
    const path = displayPath(workingTreePath(repo, f.path), options.cwd);
    if (f.size > options.maxFileBytes) {
      result.files.push({ path, content: new Uint8Array(0), size: f.size });
      continue;
    }
    const content = blobs.get(f.oid);
    if (content) result.files.push({ path, content } satisfies SourceFile);
    else result.unreadable.push({ path, reason: 'missing from the git object store' });
  }
  return result;
}

/** One file of the commit (e.g. the project config), or undefined when it does not exist there. */
export async function readFileAtCommit(
  repo: GitRepository,
  commit: string,
  abs: string,
): Promise<Buffer | undefined> {
  const path = repositoryPath(repo, abs);
  const entry = (await listTree(repo, commit, [path])).find((f) => f.path === path);
  if (!entry) return undefined;
  return (await readBlobs(repo, [entry.oid])).get(entry.oid);
}
