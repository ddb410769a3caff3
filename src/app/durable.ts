/**
 * The app as a durable service on Redis (when `REDIS_URL` is set): the webhook handler only dedupes
 * the delivery and enqueues it as a BullMQ job; workers in every replica take jobs and run the same
 * handlers as the in-process app. A job outlives the replica that took it: if that replica dies, BullMQ
 * sees the job's lock expire and hands the job to another worker; a failed job is retried with
 * backoff. Pull requests take turns across replicas through Redis locks (redis-turns.ts).
 */
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { Context, type Probot } from 'probot';
import type { EventContext, Handled } from './handlers.js';
import { ALREADY_HANDLED, dispatchEvent, type AppState } from './handlers.js';

export interface DurableSettings {
  redisUrl: string;
  /**
   * How long a job's and a pull request's locks last without renewal: after a crash, how long until
   * another replica takes over. Renewed while the holder runs, so it must only exceed the longest
   * stretch in which one check keeps the process busy without a pause (default 60 s).
   */
  lockMs: number;
  /** Jobs one replica works on at once (most wait on GitHub or on a pull request's turn; default 16). */
  concurrency: number;
  /** Attempts per job, and the first retry's delay, doubled each time (defaults 5 and 10 s). */
  attempts: number;
  backoffMs: number;
}

/** Keys and queue names in Redis all start with this. */
export const REDIS_PREFIX = 'egress-lint';
const QUEUE_NAME = 'events';
/** GitHub lets people redeliver a delivery of the last 3 days; a handled one is remembered that long. */
export const DELIVERY_MEMORY_SECONDS = 3 * 24 * 3600;
const SHUTDOWN_GRACE_MS = 20_000;

/** The settings from the environment; undefined without `REDIS_URL` (the app then runs in-process). */
export function durableSettings(env: NodeJS.ProcessEnv): DurableSettings | undefined {
  const redisUrl = env.REDIS_URL?.trim();
  if (!redisUrl) return undefined;
  return {
    redisUrl,
    lockMs: positiveInt(env, 'EGRESS_LINT_LOCK_MS', 60_000),
    concurrency: positiveInt(env, 'EGRESS_LINT_CONCURRENCY', 16),
    attempts: positiveInt(env, 'EGRESS_LINT_JOB_ATTEMPTS', 5),
    backoffMs: positiveInt(env, 'EGRESS_LINT_JOB_BACKOFF_MS', 10_000),
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive whole number, not "${text}"`);
  return value;
}

/** What a job carries: the delivery as GitHub sent it, and the installation to act as. */
export interface EventJob {
  id: string;
  name: string;
  installationId: number;
  payload: unknown;
}

type DeliveryState = 'queued' | 'done';

/**
 * Whether a delivery was seen, in Redis: `queued` from the moment it is accepted, `done` once handled.
 * A delivery whose job failed for good is forgotten, so a redelivery gets another chance.
 */
export class DeliveryRecords {
  constructor(private readonly redis: Redis) {}

  #key(id: string): string {
    return `${REDIS_PREFIX}:delivery:${id}`;
  }

  /** True when this call accepted the delivery; false when it was seen before. */
  accept(id: string): Promise<boolean> {
    return this.redis
      .set(this.#key(id), 'queued', 'EX', DELIVERY_MEMORY_SECONDS, 'NX')
      .then((r) => r === 'OK');
  }

  async state(id: string): Promise<DeliveryState | undefined> {
    return ((await this.redis.get(this.#key(id))) ?? undefined) as DeliveryState | undefined;
  }

  async markDone(id: string): Promise<void> {
    await this.redis.set(this.#key(id), 'done', 'EX', DELIVERY_MEMORY_SECONDS);
  }

  async forget(id: string): Promise<void> {
    await this.redis.del(this.#key(id));
  }
}

/** Thrown by a job whose event failed, so BullMQ retries it (the handler already logged why). */
class EventFailed extends Error {
  constructor(id: string) {
    super(`delivery ${id} failed; it is retried with backoff`);
  }
}

/**
 * BullMQ renews each running job's lock; when a renewal fails, the lock is gone (it expired while the
 * process was busy, and BullMQ may have handed the job to another worker), yet the job's processor
 * runs on. BullMQ only reports it ('lockRenewalFailed'): cancelling the job aborts the signal its
 * processor was given, which fences the job's GitHub writes (GitHubApi's fence).
 */
export function cancelJobsOnLostLock(worker: Worker, report: (jobIds: string[]) => void): void {
  worker.on('lockRenewalFailed', (jobIds) => {
    report(jobIds);
    for (const id of jobIds) worker.cancelJob(id, 'its lock was lost');
  });
}

export class DurableEvents {
  /** The connection for locks and records (the worker has its own). */
  readonly redis: Redis;
  readonly #workerRedis: Redis;
  readonly #queue: Queue<EventJob>;
  readonly #worker: Worker<EventJob>;
  readonly deliveries: DeliveryRecords;
  readonly state: AppState<unknown>;

  /** `createState` builds the handlers' state on this instance's Redis connection (for the locks). */
  constructor(
    private readonly app: Probot,
    settings: DurableSettings,
    createState: (redis: Redis) => AppState<unknown>,
  ) {
    this.redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 3 });
    this.state = createState(this.redis);
    this.deliveries = new DeliveryRecords(this.redis);
    this.#queue = new Queue<EventJob>(QUEUE_NAME, {
      connection: this.redis,
      prefix: REDIS_PREFIX,
      defaultJobOptions: {
        attempts: settings.attempts,
        backoff: { type: 'exponential', delay: settings.backoffMs },
        // The delivery record remembers what was handled; the jobs (whole payloads) need not stay.
        removeOnComplete: true,
        removeOnFail: true,
      },
    });
    this.#workerRedis = new Redis(settings.redisUrl, { maxRetriesPerRequest: null });
    // The processor takes BullMQ's signal (its third parameter), aborted by cancelJob below.
    this.#worker = new Worker<EventJob>(
      QUEUE_NAME,
      (job, _token, signal) => this.#process(job, signal),
      {
        connection: this.#workerRedis,
        prefix: REDIS_PREFIX,
        concurrency: settings.concurrency,
        lockDuration: settings.lockMs,
        stalledInterval: Math.max(1000, Math.round(settings.lockMs / 2)),
        // A replica killed twice in the middle of the same job is bad luck, not a poison job.
        maxStalledCount: 3,
      },
    );
    this.#worker.on('failed', (job, err) => {
      if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
      app.log.error({ err, delivery: job.data.id }, 'egress-lint: delivery failed for good');
      void this.deliveries.forget(job.data.id).catch(() => undefined);
    });
    this.#worker.on('error', (err) => app.log.error({ err }, 'egress-lint: queue worker error'));
    cancelJobsOnLostLock(this.#worker, (ids) =>
      app.log.warn({ jobs: ids }, 'egress-lint: job lock lost; the job stops writing'),
    );
  }

  /**
   * The webhook path: remember the delivery and enqueue it, or say it was seen. A delivery accepted
   * earlier whose job is gone without being handled (the replica died between the two steps) is
   * enqueued again.
   */
  async enqueue(ctx: {
    id: string;
    name: string;
    payload: unknown;
  }): Promise<'queued' | 'duplicate' | 'ignored'> {
    const installationId = (ctx.payload as { installation?: { id?: number } }).installation?.id;
    if (installationId === undefined) return 'ignored';
    if (!(await this.deliveries.accept(ctx.id))) {
      const seen = await this.deliveries.state(ctx.id);
      if (seen !== 'queued' || (await this.#queue.getJob(ctx.id))) {
        this.app.log.info(
          { delivery: ctx.id, event: ctx.name },
          'egress-lint: delivery already queued or handled; ignored',
        );
        return 'duplicate';
      }
    }
    try {
      // The job id is the delivery id: BullMQ adds nothing when that job exists already.
      await this.#queue.add(
        ctx.name,
        { id: ctx.id, name: ctx.name, installationId, payload: ctx.payload },
        { jobId: ctx.id },
      );
    } catch (e) {
      await this.deliveries.forget(ctx.id).catch(() => undefined);
      throw e;
    }
    return 'queued';
  }

  async #process(job: Job<EventJob>, jobLost?: AbortSignal): Promise<Handled> {
    const { id, name, installationId, payload } = job.data;
    const attempt = Math.max(job.attemptsStarted, job.attemptsMade + 1);
    // A job can run again after it was handled: its replica died between recording the delivery as
    // handled and telling BullMQ, or BullMQ handed it on while it still ran (its lock expired).
    if ((await this.deliveries.state(id)) === 'done') {
      this.app.log.info({ delivery: id, event: name, attempt }, ALREADY_HANDLED);
      return 'duplicate';
    }
    const octokit = await this.app.auth(installationId);
    const log = this.app.log.child({ name: 'event', id });
    const ctx = Object.assign(new Context({ id, name, payload } as never, octokit, log), {
      resumed: attempt > 1,
      attempt,
      recordHandled: () => this.deliveries.markDone(id),
      ...(jobLost ? { jobLost } : {}),
    } satisfies Partial<EventContext<unknown>>);
    const handled = await dispatchEvent(this.state, ctx as unknown as EventContext<unknown>);
    if (handled === 'failed') throw new EventFailed(id);
    // Not ours to handle: nothing recorded it yet, and a redelivery need not be queued again.
    if (handled === 'ignored') await this.deliveries.markDone(id);
    return handled;
  }

  /**
   * Stops taking jobs and gives the running ones a grace period to finish (orchestrators kill a
   * process some 30 s after SIGTERM); the ones still running then are handed back, and another
   * replica retries them once their locks expire.
   */
  async close(graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), graceMs);
    });
    const finished = await Promise.race([this.#worker.close(), graceOver]);
    clearTimeout(timer);
    if (finished === 'late') await this.#worker.close(true);
    await this.#queue.close();
    this.#workerRedis.disconnect();
    this.redis.disconnect();
  }
}
