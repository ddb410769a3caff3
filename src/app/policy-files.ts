/**
 * Reads the config set of a pull request through the API with as few calls as possible: one tree
 * listing per commit, filtered by the project config's paths/ignore; then each blob once, by id,
 * through a content-addressed cache shared by all events (the base and head of a pull request, and
 * successive pushes, share almost all their blobs).
 *
 * The base side is the head tree with the pull request's own changes taken back (their versions at the
 * base commit), so the diff shows what this pull request changes — like GitHub's "Files changed" —
 * and not, reversed, whatever landed on the base branch since it was opened.
 */
import { createHash } from 'node:crypto';
import type { SourceFile } from '../load/load.js';
import type { FileSelector } from '../io/selection.js';
import { gitBlobSha, type LoadingCache } from './cache.js';
import { ReportableError } from './failures.js';
import type { ChangedFile, GitHubApi, TreeFile } from './github.js';

export interface PolicyFileCaches {
  /** Blob id -> content. */
  blobs: LoadingCache<string, Uint8Array>;
  /** `owner/repo@commit|selection` -> the selected files of that commit's tree. */
  trees: LoadingCache<string, TreeFile[]>;
}

export interface PolicyFileRequest {
  headSha: string;
  baseSha: string;
  selector: FileSelector;
  /** Identifies the selection in cache keys (the config's paths and ignore). */
  selectionKey: string;
  /** The pull request's changed files, or undefined when GitHub's list was cut short. */
  changes: readonly ChangedFile[] | undefined;
  maxFileBytes: number;
}

export interface PolicyFiles {
  head: SourceFile[];
  base: SourceFile[];
  /** Digests of each side's file set (paths and blob ids): equal digests, equal content. */
  headKey: string;
  baseKey: string;
  /** Selected paths the pull request adds, changes, renames or removes. */
  changed: string[];
  blobsFetched: number;
  blobsFromCache: number;
}

/**
 * Directory listings the truncated trees of one check (head and base together) may cost before we
 * give up and ask for narrower `paths`: a few seconds of calls, a small share of the hourly limit.
 */
export const MAX_TREE_WALK_CALLS = 100;
const BLOB_CONCURRENCY = 8;

export class TreeTooLargeError extends ReportableError {
  override name = 'TreeTooLargeError';
}

/** Listings left for this check's tree walks (shared by head and base). */
interface WalkBudget {
  calls: number;
}

const tooLarge = (folders: string): TreeTooLargeError =>
  new TreeTooLargeError(
    `the repository tree is too large for one listing, and \`paths\` can match ${folders} folders (the app lists at most ${MAX_TREE_WALK_CALLS} one by one); narrow \`paths\` in the egress-lint config`,
  );

export async function loadPolicyFiles(
  gh: GitHubApi,
  caches: PolicyFileCaches,
  req: PolicyFileRequest,
): Promise<PolicyFiles> {
  const budget: WalkBudget = { calls: MAX_TREE_WALK_CALLS };
  const [headTree, baseTree] = await Promise.all([
    selectedTree(gh, caches, req.headSha, req, budget),
    selectedTree(gh, caches, req.baseSha, req, budget),
  ]);
  const head = new Map(headTree.map((f) => [f.path, f]));
  const baseAll = new Map(baseTree.map((f) => [f.path, f]));

  let base: Map<string, TreeFile>;
  let changed: string[];
  if (req.changes) {
    const touched = changedPaths(req.changes, req.selector);
    base = new Map([...head].filter(([p]) => !touched.has(p)));
    for (const p of touched) {
      const before = baseAll.get(p);
      if (before) base.set(p, before);
    }
    changed = [...touched].sort();
  } else {
    // Without the full change list, compare the two trees (base-branch drift then shows too).
    base = baseAll;
    changed = [...new Set([...head.keys(), ...baseAll.keys()])]
      .filter((p) => head.get(p)?.sha !== baseAll.get(p)?.sha)
      .sort();
  }

  const wanted = new Map<string, TreeFile>();
  for (const f of [...head.values(), ...base.values()])
    if (f.size <= req.maxFileBytes) wanted.set(f.sha, f);
  const contents = new Map<string, Uint8Array>();
  let fetched = 0;
  let fromCache = 0;
  await mapLimit([...wanted.keys()], BLOB_CONCURRENCY, async (sha) => {
    const { value, cached } = await caches.blobs.get(sha, async () => {
      const bytes = await gh.getBlob(sha);
      // Content-addressed means trusted only if the content really hashes to the key.
      if (gitBlobSha(bytes) !== sha) throw new Error(`blob ${sha} does not match its id`);
      return bytes;
    });
    if (cached) fromCache++;
    else fetched++;
    contents.set(sha, value);
  });

  const toSource = (files: Map<string, TreeFile>): SourceFile[] =>
    [...files.values()]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((f) =>
        f.size > req.maxFileBytes
          ? { path: f.path, content: new Uint8Array(0), size: f.size }
          : { path: f.path, content: contents.get(f.sha)! },
      );
  return {
    head: toSource(head),
    base: toSource(base),
    headKey: fileSetKey(head),
    baseKey: fileSetKey(base),
    changed,
    blobsFetched: fetched,
    blobsFromCache: fromCache,
  };
}

function fileSetKey(files: Map<string, TreeFile>): string {
  const hash = createHash('sha256');
  for (const path of [...files.keys()].sort()) hash.update(`${path}\0${files.get(path)!.sha}\n`);
  return hash.digest('hex');
}

async function selectedTree(
  gh: GitHubApi,
  caches: PolicyFileCaches,
  sha: string,
  req: PolicyFileRequest,
  budget: WalkBudget,
): Promise<TreeFile[]> {
  const key = `${gh.repo.owner}/${gh.repo.repo}@${sha}|${req.selectionKey}`;
  const { value } = await caches.trees.get(key, async () => {
    const listing = await gh.listTree(sha, true);
    if (!listing.truncated) return listing.files.filter((f) => req.selector.includes(f.path));
    // Even cut short, the listing shows folders the walk would have to open: if those alone are over
    // budget, say so now rather than after spending it.
    const folders = listing.dirs.filter((d) => req.selector.mayContain(d.path)).length;
    if (folders > budget.calls) throw tooLarge(`at least ${folders}`);
    return walkTree(gh, sha, req.selector, budget);
  });
  return value;
}

/** GitHub truncates recursive listings of very large trees; then read only the directories that can match. */
async function walkTree(
  gh: GitHubApi,
  rootSha: string,
  selector: FileSelector,
  budget: WalkBudget,
): Promise<TreeFile[]> {
  const out: TreeFile[] = [];
  const queue: { prefix: string; sha: string }[] = [{ prefix: '', sha: rootSha }];
  while (queue.length > 0) {
    const { prefix, sha } = queue.shift()!;
    if (--budget.calls < 0) throw tooLarge(`more than ${MAX_TREE_WALK_CALLS}`);
    const level = await gh.listTree(sha, false);
    for (const f of level.files) {
      const path = prefix + f.path;
      if (selector.includes(path)) out.push({ ...f, path });
    }
    for (const d of level.dirs)
      if (selector.mayContain(prefix + d.path))
        queue.push({ prefix: `${prefix}${d.path}/`, sha: d.sha });
  }
  return out;
}

async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The selected paths a pull request's changes touch: new names, and old names of renamed files. */
export function changedPaths(
  changes: readonly ChangedFile[],
  selector: Pick<FileSelector, 'includes'>,
): Set<string> {
  const touched = new Set<string>();
  for (const c of changes) {
    for (const p of [c.filename, c.previousFilename]) if (p && selector.includes(p)) touched.add(p);
  }
  return touched;
}
