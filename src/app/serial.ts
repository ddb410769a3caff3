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
  /** The delivery the check is for: a turn that an attempt at it has finished is not run again. */
  delivery: string;
}

/** What the turn hands the refresh. */
export interface TurnGrant {
  /** Aborts when the turn is taken away before the refresh ends. */
  lost?: AbortSignal;
  /** This app's completed run for the same head and base, to report into again. */
  checkRun?: CheckRunCreated;
  /**
   * This app's run for the same head and base that an earlier check opened but did not see through
   * (its replica died, or it failed after opening the run): the check takes it up, completed or not,
   * so the commit keeps one run.
   */
  unsettledRun?: CheckRunCreated;
  /** Told which run the check reports into, as soon as it is open (before any verdict is written). */
  runOpened?: (run: CheckRunCreated) => Promise<void>;
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

/**
 * A check's deadline that can be stopped. It bounds how long the check waits for GitHub; the time the
 * process's one JavaScript thread spends analysing (this check or another) is the app's own and does
 * not count: an answer that arrived meanwhile waited for the thread, not for GitHub. Counting it
 * failed checks on a busy machine as "GitHub did not answer in time" while every answer had come.
 */
export class CheckDeadline {
  readonly #controller = new AbortController();
  readonly #limitMs: number;
  #remainingMs: number;
  #startedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #holds = 0;

  constructor(ms: number) {
    this.#limitMs = ms;
    this.#remainingMs = ms;
    this.#start();
  }

  /** Aborts when the deadline passes. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Time counted so far against the deadline. */
  get usedMs(): number {
    const running = this.#timer ? performance.now() - this.#startedAt : 0;
    return this.#limitMs - this.#remainingMs + running;
  }

  /** Stops the clock until as many `release` calls as `hold` calls have come. */
  hold(): void {
    if (this.#holds++ === 0) this.#stop();
  }

  release(): void {
    if (this.#holds > 0 && --this.#holds === 0) this.#start();
  }

  /** Runs `work` with the clock stopped. */
  async paused<T>(work: () => Promise<T>): Promise<T> {
    this.hold();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  /** Stops the clock for good (the check is over). */
  dispose(): void {
    this.#holds = Infinity;
    this.#stop();
  }

  #start(): void {
    if (this.#controller.signal.aborted || this.#timer) return;
    this.#startedAt = performance.now();
    this.#timer = setTimeout(
      () => this.#controller.abort(new DOMException('The check took too long', 'TimeoutError')),
      this.#remainingMs,
    );
    // Like AbortSignal.timeout: a pending deadline does not keep the process alive.
    this.#timer.unref();
  }

  #stop(): void {
    if (!this.#timer) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#remainingMs = Math.max(0, this.#remainingMs - (performance.now() - this.#startedAt));
  }
}

/**
 * The process's JavaScript thread, for CPU-bound work (analysing a pull request): one piece at a
 * time, first come first served. Before each piece the event loop first handles what has arrived
 * (other checks' GitHub answers); during it, the deadlines of all tracked checks stand still.
 */
export class CpuTurns {
  readonly #one = new Semaphore(1);
  readonly #clocks = new Set<CheckDeadline>();

  /** Stops `clock` whenever the thread is analysing; returns how to stop doing so. */
  track(clock: CheckDeadline): () => void {
    this.#clocks.add(clock);
    return () => this.#clocks.delete(clock);
  }

  run<T>(work: () => T): Promise<T> {
    return this.#one.run(async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const held = [...this.#clocks];
      held.forEach((c) => c.hold());
      try {
        return work();
      } finally {
        held.forEach((c) => c.release());
      }
    });
  }
}
