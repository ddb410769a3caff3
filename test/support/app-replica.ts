/**
 * The app as production runs it: `node dist/src/app/main.js` in its own process, configured by
 * environment variables, its JSON log lines collected (across restarts) for the test to read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ALREADY_HANDLED, ATTEMPT_FAILED, EVENT_HANDLED } from '../../src/app/handlers.js';
import { APP_ID, appKeys } from './app-harness.js';
import { FakeGitHub, type FakeRepo } from './fake-github.js';
import { until } from './net.js';
import { startRedisServer, type RedisServer } from './redis-server.js';
import { signature256 } from './webhooks.js';

const MAIN = fileURLToPath(new URL('../../dist/src/app/main.js', import.meta.url));
const KILL_HOOK = fileURLToPath(
  new URL('../../dist/test/support/redis-kill-hook.js', import.meta.url),
);

export class AppReplica {
  readonly logs: Record<string, unknown>[] = [];
  /** Lines on stderr and stdout lines that are not JSON (crashes, warnings). */
  readonly otherOutput: string[] = [];
  #child: ChildProcess | undefined;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get alive(): boolean {
    const child = this.#child;
    return (
      child !== undefined && child.exitCode === null && child.signalCode === null && !child.killed
    );
  }

  /** Resolves when the process has exited (as one that killed itself does). */
  exited(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get webhookUrl(): string {
    return `http://127.0.0.1:${this.port}/api/github/webhooks`;
  }

  /**
   * Starts the process and waits until it answers /ping. `killBeforeRedis`: the process kills itself
   * (SIGKILL) when about to send a Redis command matching this pattern (redis-kill-hook.ts).
   */
  async start(options: { killBeforeRedis?: string } = {}): Promise<void> {
    const hook = options.killBeforeRedis
      ? {
          NODE_OPTIONS: `--import=${KILL_HOOK}`,
          EGRESS_TEST_KILL_BEFORE_REDIS: options.killBeforeRedis,
        }
      : {};
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', ...this.env, ...hook, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    let rest = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) this.#collect(line);
    });
    child.stderr!.on('data', (chunk: Buffer) => this.otherOutput.push(chunk.toString('utf8')));
    await until(
      `${this.name} to answer /ping`,
      async () => {
        if (child.exitCode !== null)
          throw new Error(`${this.name} exited: ${this.otherOutput.join('')}`);
        const ok = await fetch(`http://127.0.0.1:${this.port}/ping`).then(
          (r) => r.ok,
          () => false,
        );
        return ok || undefined;
      },
      // Loading the app takes a second or two, many more on a machine busy with the other replicas.
      90_000,
      100,
    );
  }

  /** `kill -9`: no chance to finish anything. */
  async kill(): Promise<void> {
    await this.#signal('SIGKILL');
  }

  /** SIGTERM: stop taking jobs, finish the running ones, exit. */
  async stop(): Promise<void> {
    await this.#signal('SIGTERM');
  }

  async #signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  #collect(line: string): void {
    if (!line.trim()) return;
    try {
      this.logs.push({ replica: this.name, ...(JSON.parse(line) as Record<string, unknown>) });
    } catch {
      this.otherOutput.push(line);
    }
  }
}

/** What replicas on Redis run against: a Redis, the API double with one repository, their environment. */
export interface ReplicaWorld {
  redis: RedisServer;
  github: FakeGitHub;
  repo: FakeRepo;
  /** For every replica: the app's key and secret, Redis, the double, short locks. */
  env: Record<string, string>;
}

export async function startReplicaWorld(settings: {
  secret: string;
  /** After a kill, the replica's jobs and locks are taken over this soon. */
  lockMs: number;
  jobBackoffMs: number;
}): Promise<ReplicaWorld> {
  const redis = await startRedisServer();
  const { privateKey, publicKey } = appKeys();
  const github = new FakeGitHub({ appId: APP_ID, publicKey });
  await github.start();
  const repo = github.repo('mesh-team', 'egress-config');
  const env = {
    APP_ID: String(APP_ID),
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: settings.secret,
    HOST: '127.0.0.1',
    GHE_HOST: github.host,
    GHE_PROTOCOL: 'http',
    REDIS_URL: redis.url,
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    // The API double has no secondary rate limits; GitHub's 1 write/s pacing would only slow tests.
    EGRESS_LINT_PACE_WRITES: 'false',
    EGRESS_LINT_LOCK_MS: String(settings.lockMs),
    EGRESS_LINT_JOB_BACKOFF_MS: String(settings.jobBackoffMs),
  };
  return { redis, github, repo, env };
}

/** Posts a signed webhook delivery as GitHub does; undefined when the replica did not answer. */
export function postDelivery(
  replica: AppReplica,
  secret: string,
  delivery: { id: string; event: string; body: string },
): Promise<Response | undefined> {
  return fetch(replica.webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': delivery.event,
      'x-github-delivery': delivery.id,
      'x-hub-signature-256': signature256(secret, delivery.body),
    },
    body: delivery.body,
  }).catch(() => undefined);
}

/**
 * The deliveries among `ids` that were not handled to completion exactly once, with every replica's
 * summary lines for each. Handled once: one "event handled" line; or none, and a later attempt's line
 * saying an earlier attempt had handled it (that attempt's replica died after recording its work,
 * before its own line got out). Failed attempts (retried) and attempts taken up after the work was
 * done are legal; two "event handled" lines are a delivery handled twice.
 */
export function notHandledOnce(
  replicas: readonly AppReplica[],
  ids: readonly string[],
): Map<string, string[]> {
  const summaries = new Set([EVENT_HANDLED, ALREADY_HANDLED, ATTEMPT_FAILED]);
  const lines = replicas.flatMap((r) => r.logs.filter((l) => summaries.has(String(l.msg))));
  const wrong = new Map<string, string[]>();
  for (const id of ids) {
    const mine = lines.filter((l) => String(l.delivery) === id);
    const handled = mine.filter((l) => l.msg === EVENT_HANDLED).length;
    const handledBefore = mine.some((l) => l.msg === ALREADY_HANDLED);
    if (handled === 1 || (handled === 0 && handledBefore)) continue;
    wrong.set(
      id,
      mine.map((l) => JSON.stringify(l)),
    );
  }
  return wrong;
}
