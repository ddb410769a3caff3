/**
 * Who sweeps, and when (sweep.ts). In one process: never two sweeps at once. With replicas on Redis,
 * every replica's timer fires, but one replica sweeps per period: a Redlock lock (held and renewed
 * while it sweeps, expiring soon after its holder dies) keeps sweeps apart, and a record in Redis of
 * when the last sweep began lets the others skip the rest of the period. A holder that dies leaves
 * the lock to expire and the period's sweep to the next replica whose timer fires after the period;
 * handling webhooks never waits on any of this.
 */
import { ExecutionError, Redlock } from '@sesamecare-oss/redlock';
import type { Redis } from 'ioredis';
import type { RedisLockSettings } from './redis-turns.js';

/** What a sweep reports: complete when every repository was swept. */
export interface SweepRun {
  complete: boolean;
}

export interface SweepGate {
  /**
   * Runs `sweep` if it is this process's turn; false when skipped. `sweep` is told when the last
   * complete sweep began (undefined: none known), so it can look back that far.
   */
  run(sweep: (lastComplete: number | undefined) => Promise<SweepRun>): Promise<boolean>;
}

/** One process: its own timer sets the period; a sweep still running makes the next one skip. */
export function inProcessSweepGate(): SweepGate {
  let running = false;
  let lastComplete: number | undefined;
  return {
    async run(sweep) {
      if (running) return false;
      running = true;
      const started = Date.now();
      try {
        if ((await sweep(lastComplete)).complete) lastComplete = started;
      } finally {
        running = false;
      }
      return true;
    },
  };
}

export interface RedisSweepGateSettings extends RedisLockSettings {
  /** Time between sweeps (SweepOptions.intervalMs). */
  periodMs: number;
}

/** Timers of different replicas drift: a sweep due within this share of the period counts as due. */
const PERIOD_SLACK = 0.1;
/** The record outlives any period by far; it only says when sweeps last began. */
const RECORD_SECONDS = 30 * 24 * 3600;

export class RedisSweepGate implements SweepGate {
  readonly #redlock: Redlock;

  constructor(
    private readonly redis: Redis,
    private readonly settings: RedisSweepGateSettings,
  ) {
    // No retries: a replica that finds the lock taken skips this tick instead of queueing behind it.
    this.#redlock = new Redlock([redis], {
      retryCount: 0,
      automaticExtensionThreshold: Math.round(settings.lockMs / 3),
    });
  }

  async run(sweep: (lastComplete: number | undefined) => Promise<SweepRun>): Promise<boolean> {
    const { prefix, lockMs } = this.settings;
    let acquired = false;
    try {
      return await this.#redlock.using([`${prefix}:sweep:lock`], lockMs, async () => {
        acquired = true;
        return this.#sweepIfDue(sweep);
      });
    } catch (e) {
      // Held by another replica (or Redis did not answer): that replica sweeps, or the next tick does.
      if (!acquired && e instanceof ExecutionError) return false;
      throw e;
    }
  }

  async #sweepIfDue(
    sweep: (lastComplete: number | undefined) => Promise<SweepRun>,
  ): Promise<boolean> {
    const key = `${this.settings.prefix}:sweep`;
    const [started, complete] = await this.redis.hmget(key, 'started', 'complete');
    const now = Date.now();
    if (started && now - Number(started) < this.settings.periodMs * (1 - PERIOD_SLACK))
      return false;
    await this.redis.multi().hset(key, 'started', now).expire(key, RECORD_SECONDS).exec();
    const result = await sweep(complete ? Number(complete) : undefined);
    if (result.complete) await this.redis.hset(key, 'complete', now);
    return true;
  }
}
