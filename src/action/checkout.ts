/**
 * The workflow's checkout as a source of commits. The Action reads trees and blobs from it rather
 * than through the API (one git process instead of a request per blob: a workflow's GITHUB_TOKEN may
 * make 1,000 requests an hour). A commit the checkout lacks (actions/checkout fetches one commit, the
 * pull request's merge commit, by default) is fetched from `origin` once; if that fails too, the
 * caller falls back to the API.
 */
import { listTree, openRepository, readBlobs, runGit, type GitRepository } from '../io/git.js';
import type { TreeFile } from '../app/github.js';

const SHA = /^[0-9a-f]{40}$/;

export class Checkout {
  readonly #repo: GitRepository;
  readonly #present = new Map<string, Promise<boolean>>();
  #pending = new Map<string, ((blob: Uint8Array | undefined) => void)[]>();
  /** Trees and blobs read from the checkout (for the log line). */
  reads = 0;

  private constructor(repo: GitRepository) {
    this.#repo = repo;
  }

  /** The git repository at `dir`, or undefined when there is none (no checkout step). */
  static async open(dir: string): Promise<Checkout | undefined> {
    try {
      return new Checkout(await openRepository(dir, dir));
    } catch {
      return undefined;
    }
  }

  /** Whether the commit is here, fetching it from origin first if needed (once per commit). */
  hasCommit(sha: string): Promise<boolean> {
    if (!SHA.test(sha)) return Promise.resolve(false);
    let known = this.#present.get(sha);
    if (!known) {
      known = this.#exists(sha).then(
        async (here) => here || ((await this.#fetch(sha)) && this.#exists(sha)),
      );
      this.#present.set(sha, known);
    }
    return known;
  }

  /** Every regular file of the commit (paths from the top of the repository). */
  async files(commit: string): Promise<TreeFile[]> {
    this.reads++;
    const files = await listTree(this.#repo, commit, ['']);
    return files.map((f) => ({ path: f.path, sha: f.oid, size: f.size }));
  }

  /** A file's text at a commit the checkout has, or undefined when the commit has no such file. */
  async fileText(path: string, commit: string): Promise<{ text: string; sha: string } | undefined> {
    const [file] = await listTree(this.#repo, commit, [path]);
    if (!file || file.path !== path) return undefined;
    const blob = await this.blob(file.oid);
    return blob ? { text: Buffer.from(blob).toString('utf8'), sha: file.oid } : undefined;
  }

  /** A blob by id, or undefined when the checkout lacks it. Requests in one tick share a git process. */
  blob(sha: string): Promise<Uint8Array | undefined> {
    return new Promise((resolve) => {
      if (this.#pending.size === 0) setImmediate(() => void this.#flush());
      const waiting = this.#pending.get(sha) ?? [];
      waiting.push(resolve);
      this.#pending.set(sha, waiting);
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = new Map();
    let blobs = new Map<string, Buffer>();
    try {
      blobs = await readBlobs(
        this.#repo,
        [...batch.keys()].filter((s) => SHA.test(s)),
      );
    } catch {
      // Unreadable here: every waiter falls back to the API.
    }
    for (const [sha, waiters] of batch) {
      const blob = blobs.get(sha);
      if (blob) this.reads++;
      for (const resolve of waiters) resolve(blob ? new Uint8Array(blob) : undefined);
    }
  }

  async #exists(sha: string): Promise<boolean> {
    const r = await runGit(['cat-file', '-e', `${sha}^{commit}`], this.#repo.dir);
    return r.code === 0;
  }

  async #fetch(sha: string): Promise<boolean> {
    const shallow = await runGit(['rev-parse', '--is-shallow-repository'], this.#repo.dir);
    // A shallow checkout stays shallow; a full one is not made shallow by us.
    const depth = shallow.stdout.toString('utf8').trim() === 'true' ? ['--depth=1'] : [];
    const r = await runGit(
      ['fetch', '--quiet', '--no-tags', ...depth, 'origin', sha],
      this.#repo.dir,
    );
    return r.code === 0;
  }
}
