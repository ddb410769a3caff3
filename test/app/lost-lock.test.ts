/**
 * Work whose lock is lost stops writing, against a real redis-server: a BullMQ job whose lock another
 * worker took gets its processor's signal aborted, and a pull request's turn whose Redis lock is taken
 * fences its GitHub client, which then sends no write, retries none, and cancels one in flight.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { ProbotOctokit } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelJobsOnLostLock, REDIS_PREFIX } from '../../src/app/durable.js';
import { GitHubApi, WorkTakenAwayError } from '../../src/app/github.js';
import { RedisTurns } from '../../src/app/redis-turns.js';
import type { RefreshOutcome } from '../../src/app/refresh.js';
import { DEFAULT_RETRY_POLICY } from '../../src/app/retry.js';
import { updateCheckRunReliably } from '../../src/app/writes.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

const until = async (done: () => boolean, ms: number): Promise<void> => {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
};

describe('a BullMQ job whose lock is lost', () => {
  it('has its processor signal aborted; a job keeping its lock does not', async () => {
    const queue = new Queue('lost', { connection: redis, prefix: REDIS_PREFIX });
    const signals = new Map<string, AbortSignal>();
    const release = new AbortController();
    const worker = new Worker(
      'lost',
      async (job, _token, signal) => {
        signals.set(job.id!, signal!);
        // Runs on until the test ends it, as a long check would.
        await new Promise((resolve) => release.signal.addEventListener('abort', resolve));
      },
      { connection: redis.duplicate(), prefix: REDIS_PREFIX, concurrency: 2, lockDuration: 600 },
    );
    const reported: string[] = [];
    cancelJobsOnLostLock(worker, (ids) => reported.push(...ids));
    worker.on('error', () => undefined); // BullMQ also reports the failed renewal as an error
    try {
      await queue.add('check', {}, { jobId: 'taken' });
      await queue.add('check', {}, { jobId: 'kept' });
      await until(() => signals.size === 2, 10_000);
      expect([...signals.keys()].sort()).toEqual(['kept', 'taken']);
      // Another worker that took the job over holds its lock with its own token.
      await redis.set(`${REDIS_PREFIX}:lost:taken:lock`, randomUUID(), 'PX', 60_000);
      await until(() => signals.get('taken')!.aborted, 5_000);
      expect(signals.get('taken')!.aborted).toBe(true);
      expect(reported).toEqual(['taken']);
      // Several renewals later the other job still holds its lock and runs on.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(signals.get('kept')!.aborted).toBe(false);
    } finally {
      release.abort();
      await worker.close(true);
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});

/** A GitHub client whose check-run updates are recorded; `hang` holds them until cancelled. */
function recordingOctokit(hang = false) {
  const sent: unknown[] = [];
  const octokit = {
    hook: { wrap: () => undefined },
    rest: {
      checks: {
        update: (params: { request?: { signal?: AbortSignal } }) => {
          sent.push(params);
          const signal = params.request?.signal;
          if (!hang) return Promise.resolve({ data: {} });
          return new Promise((_, reject) =>
            signal?.addEventListener('abort', () => reject(new Error('request aborted'))),
          );
        },
      },
    },
  } as unknown as ProbotOctokit;
  return { octokit, sent };
}

describe('a pull request turn whose lock is lost', () => {
  const repo = { owner: 'o', repo: 'r' };
  const done: RefreshOutcome = {
    result: 'passed',
    checkRun: 'completed',
    comment: 'none',
    filesRead: 0,
    blobsFetched: 0,
    blobsFromCache: 0,
  };

  it('fences its writes: none is sent or retried after the loss, one in flight is cancelled', async () => {
    // Waiting for a turn may take long (production: twice the check deadline); knowing it lost may not.
    const turns = new RedisTurns(redis, { prefix: REDIS_PREFIX, lockMs: 600, maxWaitMs: 60_000 });
    const idle = recordingOctokit();
    const busy = recordingOctokit(true);
    const merge = { key: `o/r@queue-${randomUUID()}`, recheck: true, delivery: randomUUID() };
    let inFlight: Promise<void> | undefined;
    let after: unknown;
    await turns
      .run({ ...merge, gh: new GitHubApi(idle.octokit, repo) }, async ({ lost }) => {
        const gh = new GitHubApi(idle.octokit, repo).withDeadline(
          new AbortController().signal,
          lost,
        );
        const hanging = new GitHubApi(busy.octokit, repo).withDeadline(
          new AbortController().signal,
          lost,
        );
        await updateCheckRunReliably(gh, DEFAULT_RETRY_POLICY, 1, { status: 'in_progress' });
        expect(idle.sent).toHaveLength(1);
        inFlight = updateCheckRunReliably(hanging, DEFAULT_RETRY_POLICY, 1, {
          conclusion: 'success',
        });
        inFlight.catch(() => undefined);
        // Another replica takes the pull request's lock (this one's renewal came too late).
        await redis.set(`${REDIS_PREFIX}:pr-lock:${merge.key}`, randomUUID(), 'PX', 60_000);
        await until(() => lost!.aborted, 5_000);
        const started = Date.now();
        after = await updateCheckRunReliably(gh, DEFAULT_RETRY_POLICY, 1, {
          conclusion: 'failure',
        }).catch((e: unknown) => e);
        // Not retried for minutes: taken-away work is not a transient failure.
        expect(Date.now() - started).toBeLessThan(1_000);
        return done;
      })
      .catch(() => undefined); // the lock's release fails: it is someone else's now
    expect(after).toBeInstanceOf(WorkTakenAwayError);
    expect(idle.sent).toHaveLength(1);
    await expect(inFlight).rejects.toBeInstanceOf(WorkTakenAwayError);
    expect(busy.sent).toHaveLength(1);
  });
});
