/**
 * The Redis parts of the durable app, against a real redis-server: pull requests' turns (one holder
 * across processes, newest head only, commits checked once, a dead holder's lock expiring), the
 * delivery records, and the settings read from the environment.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryRecords, durableSettings, REDIS_PREFIX } from '../../src/app/durable.js';
import type { CheckRunCreated, GitHubApi, PullRequestInfo } from '../../src/app/github.js';
import { tuningFromEnv } from '../../src/app/main.js';
import { RedisOpenRuns } from '../../src/app/open-runs.js';
import { RedisTurns } from '../../src/app/redis-turns.js';
import type { RefreshOutcome } from '../../src/app/refresh.js';
import type { PullRequestTurn, TurnGrant } from '../../src/app/serial.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

let server: RedisServer;
let clients: Redis[];

beforeAll(async () => {
  server = await startRedisServer();
  clients = [new Redis(server.url), new Redis(server.url)];
});

afterAll(async () => {
  for (const c of clients ?? []) c.disconnect();
  await server?.stop();
});

beforeEach(async () => {
  await clients[0]!.flushall();
});

const PR = { number: 7, headSha: 'a'.repeat(40), baseSha: 'b'.repeat(40) };
const RUN: CheckRunCreated = { id: 42, htmlUrl: 'https://github.test/runs/42' };

/** What GitHub says about the pull request now. */
function github(now: Partial<PullRequestInfo> = {}): GitHubApi {
  const info: PullRequestInfo = { ...PR, state: 'open', htmlUrl: '', ...now };
  return { getPullRequest: () => Promise.resolve(info) } as unknown as GitHubApi;
}

/** A turn for a delivery of its own, unless `delivery` names one. */
function turn(gh: GitHubApi, recheck = false, delivery: string = randomUUID()): PullRequestTurn {
  return { key: 'o/r#7', gh, pullRequest: PR, recheck, delivery };
}

function outcome(result: RefreshOutcome['result']): RefreshOutcome {
  return {
    result,
    checkRun: 'completed',
    comment: 'none',
    filesRead: 0,
    blobsFetched: 0,
    blobsFromCache: 0,
    reportedTo: RUN,
  };
}

const turns = (redis: Redis, lockMs = 2000): RedisTurns =>
  new RedisTurns(redis, { prefix: REDIS_PREFIX, lockMs, maxWaitMs: 20_000 });

describe('RedisTurns', () => {
  it('lets one holder at a time work on a pull request, across processes', async () => {
    const spans: [number, number][] = [];
    const work = async (): Promise<RefreshOutcome> => {
      const start = performance.now();
      await new Promise((r) => setTimeout(r, 150));
      spans.push([start, performance.now()]);
      return outcome('passed');
    };
    const replicas = [turns(clients[0]!), turns(clients[1]!)];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => replicas[i % 2]!.run(turn(github(), true), work)),
    );
    spans.sort((a, b) => a[0] - b[0]);
    expect(spans).toHaveLength(6);
    for (let i = 1; i < spans.length; i++)
      expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });

  it('supersedes an event for a head that is no longer the head, and skips closed pull requests', async () => {
    let ran = 0;
    const work = (): Promise<RefreshOutcome> => {
      ran++;
      return Promise.resolve(outcome('passed'));
    };
    const newer = await turns(clients[0]!).run(turn(github({ headSha: 'c'.repeat(40) })), work);
    expect(newer.result).toBe('superseded');
    const closed = await turns(clients[0]!).run(turn(github({ state: 'closed' })), work);
    expect(closed.result).toBe('closed');
    expect(ran).toBe(0);
  });

  it('checks commits once; asked again, it completes the same run again', async () => {
    const grants: unknown[] = [];
    const work = (grant: { checkRun?: CheckRunCreated }): Promise<RefreshOutcome> => {
      grants.push(grant.checkRun);
      return Promise.resolve(outcome('failed'));
    };
    const a = turns(clients[0]!);
    const b = turns(clients[1]!);
    expect((await a.run(turn(github()), work)).result).toBe('failed');
    expect((await b.run(turn(github()), work)).result).toBe('already-checked');
    expect((await b.run(turn(github(), true), work)).result).toBe('failed');
    expect(grants).toEqual([undefined, RUN]);
  });

  it('a turn an attempt at the same delivery finished is not run again, by any replica, asked or not', async () => {
    let ran = 0;
    const work = (): Promise<RefreshOutcome> => {
      ran++;
      return Promise.resolve(outcome('passed'));
    };
    const [a, b] = [turns(clients[0]!), turns(clients[1]!)];
    // A `/egress render` (a re-check) whose first attempt finished and whose job ran again.
    expect((await a.run(turn(github(), true, 'delivery-1'), work)).result).toBe('passed');
    expect((await b.run(turn(github(), true, 'delivery-1'), work)).result).toBe('already-handled');
    // Another delivery asking for the same is checked again; a merge group's turn is recorded too.
    expect((await b.run(turn(github(), true, 'delivery-2'), work)).result).toBe('passed');
    const group = { key: 'o/r@gh-readonly-queue/main/pr-7', gh: github(), recheck: true };
    expect((await a.run({ ...group, delivery: 'delivery-3' }, work)).result).toBe('passed');
    expect((await b.run({ ...group, delivery: 'delivery-3' }, work)).result).toBe(
      'already-handled',
    );
    expect(ran).toBe(3);
    // A turn that failed is not recorded: the retry runs it.
    const failing = (): Promise<RefreshOutcome> =>
      Promise.resolve({ ...outcome('error'), error: new Error('GitHub down') });
    await a.run(turn(github(), true, 'delivery-4'), failing);
    expect((await b.run(turn(github(), true, 'delivery-4'), work)).result).toBe('passed');
    expect(ran).toBe(4);
  });

  it('a check that opened its run and did not settle it: the next check takes that run up', async () => {
    const grants: TurnGrant[] = [];
    // Opens its run, then dies (or fails) before the turn records the verdict.
    const dies = async (grant: TurnGrant): Promise<RefreshOutcome> => {
      grants.push(grant);
      await grant.runOpened!(RUN);
      return { ...outcome('error'), error: new Error('killed') };
    };
    const work = (grant: TurnGrant): Promise<RefreshOutcome> => {
      grants.push(grant);
      return Promise.resolve(outcome('failed'));
    };
    const [a, b] = [turns(clients[0]!), turns(clients[1]!)];
    await a.run(turn(github()), dies);
    // Under a key of its own: a replica of an earlier version (a rolling deploy) reads only the
    // settled record, and must not take the unfinished check for a finished one.
    const keys = async (): Promise<string[]> =>
      (await clients[0]!.keys(`${REDIS_PREFIX}:check*`)).sort();
    expect(await keys()).toEqual([`${REDIS_PREFIX}:checking:o/r#7`]);
    expect((await b.run(turn(github()), work)).result).toBe('failed');
    expect(await keys()).toEqual([`${REDIS_PREFIX}:checked:o/r#7`]);
    expect((await a.run(turn(github()), work)).result).toBe('already-checked');
    expect(grants.map((g) => [g.checkRun, g.unsettledRun])).toEqual([
      [undefined, undefined],
      [undefined, RUN],
    ]);
    // Asked again: the settled run is reported into again.
    expect((await a.run(turn(github(), true), work)).result).toBe('failed');
    expect(grants[2]).toMatchObject({ checkRun: RUN });
    expect(grants[2]!.unsettledRun).toBeUndefined();
  });

  it('does not record a check that failed to finish: the next event checks again', async () => {
    let ran = 0;
    const work = (): Promise<RefreshOutcome> => {
      ran++;
      return Promise.resolve({ ...outcome('error'), error: new Error('GitHub down') });
    };
    await turns(clients[0]!).run(turn(github()), work);
    await turns(clients[0]!).run(turn(github()), work);
    expect(ran).toBe(2);
  });

  it('goes on once a dead holder’s lock expires', async () => {
    // A replica killed while holding the lock: its key stays until it expires.
    await clients[0]!.set(`${REDIS_PREFIX}:pr-lock:o/r#7`, 'dead-replica', 'PX', 600);
    const started = performance.now();
    const result = await turns(clients[1]!).run(turn(github()), () =>
      Promise.resolve(outcome('passed')),
    );
    expect(result.result).toBe('passed');
    expect(performance.now() - started).toBeGreaterThanOrEqual(500);
  });
});

describe('DeliveryRecords', () => {
  it('accepts a delivery once, remembers it handled, and forgets a failed one', async () => {
    const records = new DeliveryRecords(clients[0]!);
    const other = new DeliveryRecords(clients[1]!);
    expect(await records.accept('d1')).toBe(true);
    expect(await other.accept('d1')).toBe(false);
    expect(await other.state('d1')).toBe('queued');
    await records.markDone('d1');
    expect(await other.state('d1')).toBe('done');
    expect(await clients[0]!.ttl(`${REDIS_PREFIX}:delivery:d1`)).toBeGreaterThan(2 * 24 * 3600);
    await records.forget('d1');
    expect(await other.accept('d1')).toBe(true);
  });
});

describe('open check runs remembered in Redis', () => {
  it('a run one replica opened is found by another, per repository, until it is completed', async () => {
    const [one, other] = clients.map((c) => new RedisOpenRuns(c, REDIS_PREFIX));
    const repo = { owner: 'o', repo: 'r' };
    await one!.opened(repo, 11, 1_000);
    await one!.opened(repo, 12, 5_000);
    await one!.opened({ owner: 'o', repo: 'elsewhere' }, 13, 1_000);
    expect(await other!.openedBefore(repo, 5_000)).toEqual([11]);
    expect((await other!.openedBefore(repo, 5_001)).sort()).toEqual([11, 12]);
    await other!.completed(repo, 11);
    expect(await one!.openedBefore(repo, Number.MAX_SAFE_INTEGER)).toEqual([12]);
    expect(await clients[0]!.ttl(`${REDIS_PREFIX}:open-runs:o/r`)).toBeGreaterThan(7 * 24 * 3600);
  });
});

describe('settings from the environment', () => {
  it('runs in one process without REDIS_URL, and reads the queue settings with it', () => {
    expect(durableSettings({})).toBeUndefined();
    expect(durableSettings({ REDIS_URL: '  ' })).toBeUndefined();
    expect(durableSettings({ REDIS_URL: 'redis://r:6379', EGRESS_LINT_LOCK_MS: '9000' })).toEqual({
      redisUrl: 'redis://r:6379',
      lockMs: 9000,
      concurrency: 16,
      attempts: 5,
      backoffMs: 10_000,
    });
  });

  it('says which variable is wrong', () => {
    expect(() => durableSettings({ REDIS_URL: 'redis://r', EGRESS_LINT_CONCURRENCY: '0' })).toThrow(
      'EGRESS_LINT_CONCURRENCY must be a positive whole number, not "0"',
    );
    expect(() => tuningFromEnv({ EGRESS_LINT_PACE_WRITES: 'no' })).toThrow(
      'EGRESS_LINT_PACE_WRITES must be true or false, not "no"',
    );
    expect(tuningFromEnv({ EGRESS_LINT_PACE_WRITES: 'false' })).toEqual({ pacedWrites: false });
    expect(tuningFromEnv({})).toEqual({});
  });
});
