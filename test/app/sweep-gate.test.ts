/**
 * The sweep's gate against a real redis-server: replicas whose timers fire together sweep once per
 * period, a sweep that did not finish is not counted as complete, and a holder that dies mid-sweep
 * blocks nobody for longer than its lock lasts.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  inProcessSweepGate,
  RedisSweepGate,
  type SweepGate,
  type SweepRun,
} from '../../src/app/sweep-gate.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

let server: RedisServer;
let clients: Redis[];

beforeAll(async () => {
  server = await startRedisServer();
  clients = [new Redis(server.url), new Redis(server.url), new Redis(server.url)];
});

afterAll(async () => {
  for (const c of clients ?? []) c.disconnect();
  await server?.stop();
});

beforeEach(async () => {
  await clients[0]!.flushall();
});

const gate = (redis: Redis, periodMs = 60_000, lockMs = 2_000): RedisSweepGate =>
  new RedisSweepGate(redis, { prefix: 'egress-lint-test', periodMs, lockMs });

/** A sweep that takes a while and records what it was told. */
function sweeper(ms = 200, complete = true) {
  const told: (number | undefined)[] = [];
  const sweep = async (lastComplete: number | undefined): Promise<SweepRun> => {
    told.push(lastComplete);
    await new Promise((r) => setTimeout(r, ms));
    return { complete };
  };
  return { told, sweep };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('RedisSweepGate', () => {
  it('three replicas firing at once: one sweeps, the others skip, for the whole period', async () => {
    const gates = clients.map((c) => gate(c));
    const s = sweeper();
    const ran = await Promise.all(gates.map((g) => g.run(s.sweep)));
    expect(ran.filter(Boolean)).toHaveLength(1);
    expect(s.told).toEqual([undefined]);
    // Later in the same period, every replica skips.
    expect(await Promise.all(gates.map((g) => g.run(s.sweep)))).toEqual([false, false, false]);
    expect(s.told).toHaveLength(1);
  });

  it('the next period sweeps again, told when the last complete sweep began', async () => {
    const [a, b] = clients.map((c) => gate(c, 300));
    const s = sweeper(10);
    const before = Date.now();
    expect(await a!.run(s.sweep)).toBe(true);
    await sleep(350);
    expect(await b!.run(s.sweep)).toBe(true);
    expect(s.told[1]).toBeGreaterThanOrEqual(before);
    expect(s.told[1]).toBeLessThanOrEqual(before + 300);
  });

  it('an incomplete sweep is not recorded as complete', async () => {
    const [a, b] = clients.map((c) => gate(c, 300));
    expect(await a!.run(sweeper(10, false).sweep)).toBe(true);
    await sleep(350);
    const s = sweeper(10);
    expect(await b!.run(s.sweep)).toBe(true);
    expect(s.told).toEqual([undefined]);
  });

  it('a holder that dies mid-sweep: its lock expires and the next period is swept by another', async () => {
    const dying = new Redis(server.url);
    const holder = gate(dying, 500, 600);
    const hung = holder.run(async () => {
      await new Promise(() => undefined); // never finishes: the process is gone
      return { complete: true };
    });
    void hung.catch(() => undefined);
    await sleep(100);
    dying.disconnect(); // no more lock renewals
    const other = gate(clients[1]!, 500, 600);
    const s = sweeper(10);
    // While the dead holder's lock lasts, the others skip; then the period is over and one sweeps.
    expect(await other.run(s.sweep)).toBe(false);
    await sleep(900);
    expect(await other.run(s.sweep)).toBe(true);
    expect(s.told).toEqual([undefined]);
  });

  it('a failing sweep reaches the caller, and releases the lock', async () => {
    const [a, b] = clients.map((c) => gate(c, 50));
    await expect(a!.run(() => Promise.reject(new Error('GitHub is down')))).rejects.toThrow(
      'GitHub is down',
    );
    await sleep(60);
    expect(await b!.run(sweeper(10).sweep)).toBe(true);
  });
});

describe('inProcessSweepGate', () => {
  it('skips while a sweep runs, and tells the next when the last complete one began', async () => {
    const g: SweepGate = inProcessSweepGate();
    const s = sweeper(100);
    const before = Date.now();
    const [first, second] = await Promise.all([g.run(s.sweep), g.run(s.sweep)]);
    expect([first, second]).toEqual([true, false]);
    expect(await g.run(s.sweep)).toBe(true);
    expect(s.told[0]).toBeUndefined();
    expect(s.told[1]).toBeGreaterThanOrEqual(before);
  });
});
