/**
 * Ordering guarantees for webhook handling within one process: jobs for the same pull request run one
 * at a time (so two quick pushes cannot interleave their writes or both create the sticky comment),
 * and a delivery GitHub sends twice is handled once.
 */
import { LruCache } from './cache.js';
import type { CheckRunCreated, GitHubApi, PullRequestInfo } from './github.js';
import type { RefreshOutcome } from './refresh.js';

export class KeyedSerialQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `job` after every job queued earlier under the same key has settled. */
  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(job, job);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  get activeKeys(): number {
    return this.#tails.size;
  }
}

/**
 * A check waiting for its turn: on which pull request (or merge group), at which head, and whether
 * someone asked for it.
 */
export interface PullRequestTurn {
  /** `owner/repo#number` (`owner/repo@ref` for a merge group). */
  key: string;
  gh: GitHubApi;
  /** Absent for a merge group: then the turn is only a lock. */
  pullRequest?: Pick<PullRequestInfo, 'number' | 'headSha' | 'baseSha'>;
  /** Someone asked (`/egress render`, Re-run): check again what was checked already. */
  recheck: boolean;
}

/** What the turn hands the refresh. */
export interface TurnGrant {
  /** Aborts when the turn is taken away before the refresh ends. */
  lost?: AbortSignal;
  /** This app's completed run for the same head and base, to report into again. */
  checkRun?: CheckRunCreated;
}

/**
 * Where the refreshes of one pull request take turns. `refresh` runs when it is the pull request's
 * turn, unless the turn shows it is not needed (a newer head, a closed pull request, commits already
 * checked).
 */
export interface PullRequestTurns {
  run(
    turn: PullRequestTurn,
    refresh: (grant: TurnGrant) => Promise<RefreshOutcome>,
  ): Promise<RefreshOutcome>;
}

/** Turns within this process: in arrival order, per pull request; every event checks again. */
export function inProcessTurns(queue = new KeyedSerialQueue()): PullRequestTurns {
  return { run: (turn, refresh) => queue.run(turn.key, () => refresh({})) };
}

/**
 * At most `limit` jobs at once, first come first served. Checks are CPU-bound once their files are in:
 * with everything admitted at once, a burst of events advances in lockstep and all finish together,
 * late; bounded, the first ones finish first, and fewer analyses are in memory at a time.
 */
export class Semaphore {
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit)
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#active++;
    try {
      return await job();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}

/**
 * Delivery ids being handled or handled successfully. A delivery that failed is forgotten, so GitHub's
 * (or an operator's) redelivery of it gets a second chance.
 */
export class DeliveryLog {
  readonly #seen: LruCache<string, 'running' | 'done'>;

  constructor(capacity = 10_000) {
    this.#seen = new LruCache(capacity);
  }

  /** False when this delivery is already running or was handled. */
  begin(id: string): boolean {
    if (this.#seen.get(id) !== undefined) return false;
    this.#seen.set(id, 'running');
    return true;
  }

  finish(id: string, ok: boolean): void {
    if (ok) this.#seen.set(id, 'done');
    else this.#seen.delete(id);
  }
}
