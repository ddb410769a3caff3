/**
 * Pull requests take turns across replicas: a Redis lock per pull request (Redlock), held while one
 * event checks it and renewed as long as that lasts, so two replicas never write the same pull
 * request's check run or comment at once. If the holder dies, the lock expires and the next waiting
 * event goes on.
 *
 * Events reach the replicas in any order, so the turn starts by asking GitHub for the pull request's
 * head: an event for an older head is superseded and makes no check run (the newer head's event
 * checks it). Commits already checked are not checked again unless someone asks (`/egress render`,
 * Re-run), and then the same run is completed again: one run per head and base.
 */
import { ExecutionError, Redlock } from '@sesamecare-oss/redlock';
import type { Redis } from 'ioredis';
import { DELIVERY_MEMORY_SECONDS } from './durable.js';
import type { CheckRunCreated } from './github.js';
import type { RefreshOutcome, RefreshResult } from './refresh.js';
import type { PullRequestTurn, PullRequestTurns, TurnGrant } from './serial.js';

/** Where a Redis lock lives and how long it lasts unrenewed (the turns' and the sweep's). */
export interface RedisLockSettings {
  /** Key prefix in Redis. */
  prefix: string;
  /** Lock lifetime without renewal (see DurableSettings.lockMs): how soon a dead holder's lock expires. */
  lockMs: number;
}

export interface RedisTurnsSettings extends RedisLockSettings {
  /** How long an event waits for its pull request's turn before its job fails and is retried. */
  maxWaitMs: number;
}

const RETRY_DELAY_MS = 250;
/** Attempts at each acquisition and extension (Redlock's retryCount). */
const EXTEND_RETRIES = 3;
/** A record of checked commits is useful while the pull request is being worked on. */
const CHECKED_MEMORY_SECONDS = 30 * 24 * 3600;

/** Results that leave a complete, current check run behind. */
const CHECKED: ReadonlySet<RefreshResult> = new Set([
  'passed',
  'failed',
  'no-policy-changes',
  'invalid-config',
]);

/**
 * A check of the pull request: head, base and run. Two keys hold one each: `checked:<pull request>`
 * the last check that saw its verdict and comment through (as replicas of every version read it),
 * `checking:<pull request>` the run a check opened, written at once. A check that dies in between
 * (after completing its run, before the turn records it) leaves only the second, so the next check of
 * that head and base takes up its run instead of adding one. Replicas of an earlier version (a rolling
 * deploy) never read the second key, so they never take an unfinished check for a finished one.
 */
interface CheckedRecord {
  headSha: string;
  baseSha: string;
  checkRun: CheckRunCreated;
}

export class RedisTurns implements PullRequestTurns {
  readonly #redlock: Redlock;

  constructor(
    private readonly redis: Redis,
    private readonly settings: RedisTurnsSettings,
  ) {
    // Redlock retries a failed extension as often as an acquisition, and signals `lost` only after:
    // few retries, so a lost turn is known soon after the lock's expiry (once the extension attempt
    // then in flight returns; with Redis unreachable, when the client gives up). Waiting for a turn
    // is #acquiring's loop.
    this.#redlock = new Redlock([redis], {
      retryCount: EXTEND_RETRIES,
      retryDelay: RETRY_DELAY_MS,
      retryJitter: RETRY_DELAY_MS,
      automaticExtensionThreshold: Math.round(settings.lockMs / 3),
    });
  }

  run(
    turn: PullRequestTurn,
    refresh: (grant: TurnGrant) => Promise<RefreshOutcome>,
  ): Promise<RefreshOutcome> {
    const { prefix, lockMs } = this.settings;
    return this.#acquiring((held) =>
      this.#redlock.using([`${prefix}:pr-lock:${turn.key}`], lockMs, async (lost) => {
        held();
        return this.#held(turn, lost, refresh);
      }),
    );
  }

  /**
   * Runs `attempt` until it gets the lock (it calls `held` then), for up to `maxWaitMs`. Only a
   * failure to acquire is retried: once held, what happens is the attempt's outcome.
   */
  async #acquiring<T>(attempt: (held: () => void) => Promise<T>): Promise<T> {
    const giveUp = Date.now() + this.settings.maxWaitMs;
    for (;;) {
      let wasHeld = false;
      try {
        return await attempt(() => (wasHeld = true));
      } catch (e) {
        if (wasHeld || !(e instanceof ExecutionError) || Date.now() > giveUp) throw e;
      }
    }
  }

  async #held(
    turn: PullRequestTurn,
    lost: AbortSignal,
    refresh: (grant: TurnGrant) => Promise<RefreshOutcome>,
  ): Promise<RefreshOutcome> {
    // An attempt at a delivery can finish its turn and then die before the delivery is recorded as
    // handled, or lose its job to another replica while it runs: the next attempt at the same
    // delivery finds this record, under the same lock, and does not check a second time.
    const doneKey = `${this.settings.prefix}:turn-done:${turn.key}:${turn.delivery}`;
    if (await this.redis.exists(doneKey)) return decided('already-handled');
    const outcome = await this.#turn(turn, lost, refresh);
    if (outcome.error === undefined)
      await this.redis.set(doneKey, '1', 'EX', DELIVERY_MEMORY_SECONDS);
    return outcome;
  }

  async #turn(
    turn: PullRequestTurn,
    lost: AbortSignal,
    refresh: (grant: TurnGrant) => Promise<RefreshOutcome>,
  ): Promise<RefreshOutcome> {
    if (!turn.pullRequest) return refresh({ lost });
    const { number, headSha, baseSha } = turn.pullRequest;
    const current = await turn.gh.getPullRequest(number);
    if (current.state !== 'open') return decided('closed');
    if (current.headSha !== headSha) return decided('superseded');
    const checkedKey = `${this.settings.prefix}:checked:${turn.key}`;
    const checkingKey = `${this.settings.prefix}:checking:${turn.key}`;
    const [checked, checking] = (await this.redis.mget(checkedKey, checkingKey)).map(parseRecord);
    const ofThisCommit = (r: CheckedRecord | undefined): r is CheckedRecord =>
      r?.headSha === headSha && r.baseSha === baseSha;
    if (ofThisCommit(checked) && !turn.recheck) return decided('already-checked');
    const record = (checkRun: CheckRunCreated): string =>
      JSON.stringify({ headSha, baseSha, checkRun } satisfies CheckedRecord);
    const grant: TurnGrant = {
      lost,
      runOpened: async (run) =>
        void (await this.redis.set(checkingKey, record(run), 'EX', CHECKED_MEMORY_SECONDS)),
    };
    if (ofThisCommit(checked)) grant.checkRun = checked.checkRun;
    else if (ofThisCommit(checking)) grant.unsettledRun = checking.checkRun;
    const outcome = await refresh(grant);
    if (outcome.error === undefined && outcome.reportedTo && CHECKED.has(outcome.result)) {
      await this.redis
        .multi()
        .set(checkedKey, record(outcome.reportedTo), 'EX', CHECKED_MEMORY_SECONDS)
        .del(checkingKey)
        .exec();
    }
    return outcome;
  }
}

/** An outcome decided before any check run was made. */
function decided(result: RefreshResult): RefreshOutcome {
  return {
    result,
    checkRun: 'not-created',
    comment: 'none',
    filesRead: 0,
    blobsFetched: 0,
    blobsFromCache: 0,
  };
}

function parseRecord(text: string | null | undefined): CheckedRecord | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as CheckedRecord;
  } catch {
    return undefined; // not ours to trust: check again
  }
}
