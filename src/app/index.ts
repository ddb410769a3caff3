/**
 * The Probot app: wiring only. Each event goes to a plain function in handlers.ts; everything they do
 * is testable without HTTP. `createEgressLintApp` takes where the sticky comment's content comes from.
 * With `REDIS_URL` set, the webhook handler only enqueues the event, and queue workers (durable.ts)
 * hand it to the same functions, in whichever replica takes it.
 */
import type { ApplicationFunction, Probot } from 'probot';
import { pullRequestComment } from './comment.js';
import { DurableEvents, durableSettings, REDIS_PREFIX } from './durable.js';
import { DEFAULT_SWEEP, scheduleSweeps } from './sweep.js';
import {
  createAppState,
  dispatchEvent,
  HANDLED_EVENTS,
  type AppOptions,
  type EventContext,
} from './handlers.js';
import { RedisOpenRuns } from './open-runs.js';
import { RedisTurns } from './redis-turns.js';
import { RedisSweepGate } from './sweep-gate.js';

export interface EgressLintAppOptions<D> extends AppOptions<D> {
  /** Read when the app loads (after Probot has read `.env`): `REDIS_URL` and the queue settings. */
  env?: NodeJS.ProcessEnv;
}

/** An app function that can also stop what it started (the queue worker and its connections). */
export type EgressLintApp = ApplicationFunction & { close(): Promise<void> };

export function createEgressLintApp<D>(options: EgressLintAppOptions<D>): EgressLintApp {
  const started: DurableEvents[] = [];
  const appFn = (app: Probot): void => {
    const settings = options.env && durableSettings(options.env);
    if (!settings) {
      const state = createAppState(options);
      if (options.sweep) scheduleSweeps(app, options.sweep, state);
      app.on([...HANDLED_EVENTS], (ctx) => dispatchEvent(state, ctx as EventContext<unknown>));
      return;
    }
    const durable = new DurableEvents(app, settings, (redis) =>
      createAppState({
        ...options,
        turns: new RedisTurns(redis, {
          prefix: REDIS_PREFIX,
          lockMs: settings.lockMs,
          maxWaitMs: 2 * (options.deadlineMs ?? 5 * 60 * 1000),
        }),
        // Shared, so the replica that sweeps finds runs any replica opened.
        openRuns: new RedisOpenRuns(redis, REDIS_PREFIX),
      }),
    );
    started.push(durable);
    // Runs only older than any live check are swept, so a sweep never races a running job; one
    // replica sweeps per period.
    if (options.sweep) {
      const gate = new RedisSweepGate(durable.redis, {
        prefix: REDIS_PREFIX,
        periodMs: options.sweep.intervalMs,
        lockMs: settings.lockMs,
      });
      scheduleSweeps(app, options.sweep, durable.state, gate);
    }
    app.on([...HANDLED_EVENTS], async (ctx) => {
      await durable.enqueue(ctx);
    });
  };
  return Object.assign(appFn, {
    close: async () => {
      await Promise.all(started.splice(0).map((d) => d.close()));
    },
  });
}

export default createEgressLintApp({
  reporter: pullRequestComment,
  sweep: DEFAULT_SWEEP,
  env: process.env,
});
