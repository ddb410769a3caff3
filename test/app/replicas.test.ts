/**
 * The app as a durable service on a real Redis: three `node dist/src/app/main.js` processes share a
 * Redis (Debian's redis-server, started here) and one GitHub API double. 300 deliveries across 100
 * pull requests go to random replicas: opened, synchronize, `/egress render`, and redeliveries of the
 * same delivery id. One replica is killed with SIGKILL in the middle and started again. In the end
 * every pull request has exactly one completed check run on its latest head, with the right
 * conclusion, none in progress anywhere, exactly one sticky comment showing the latest result, and no
 * delivery was handled twice to completion (see notHandledOnce).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_PREFIX } from '../../src/app/durable.js';
import { STICKY_COMMENT_MARKER } from '../../src/report/markdown.js';
import { EVENT_HANDLED } from '../../src/app/handlers.js';
import {
  AppReplica,
  notHandledOnce,
  postDelivery,
  startReplicaWorld,
} from '../support/app-replica.js';
import type { FakeGitHub } from '../support/fake-github.js';
import { type FakeCheckRun, type FakePull, type FakeRepo } from '../support/fake-github.js';
import { freePort, until } from '../support/net.js';
import type { RedisServer } from '../support/redis-server.js';
import { issueCommentEvent, pullRequestEvent } from '../support/webhooks.js';

const SECRET = 'replicas-webhook-secret';
const PULLS = 100;
const SEED = new URL('../../fixtures/seeds/asm-http/', import.meta.url);
const seed = (f: string): string => readFileSync(new URL(f, SEED), 'utf8');
const BASE_FILES = {
  '.github/egress-lint.yml': seed('.github/egress-lint.yml'),
  // The seed's gateway is named for another seed's policy; this one's policy names `egressgateway`.
  'mesh/egress-gateway.yaml': seed('egress-gateway.yaml').replace(
    'name: egressgateway-a',
    'name: egressgateway',
  ),
  'mesh/workloads.yaml': seed('workloads.yaml'),
  'mesh/egress-by-egressgateway.yaml': seed('egress-by-egressgateway.yaml'),
};

/** A deterministic shuffle source (mulberry32), so a failure can be replayed. */
function random(seedValue: number): () => number {
  let a = seedValue;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pull request n's head number k: its own destination name; broken (port 99999) or not. */
function headFiles(n: number, k: number, broken: boolean): Record<string, string> {
  let policy = BASE_FILES['mesh/egress-by-egressgateway.yaml'].replace(
    'name: httpbin-service-http',
    `name: h${k}-pr${n}`,
  );
  if (broken) policy = policy.replace('number: 80', 'number: 99999');
  return { ...BASE_FILES, 'mesh/egress-by-egressgateway.yaml': policy };
}

interface Delivery {
  id: string;
  event: string;
  body: string;
}

interface PullPlan {
  pull?: FakePull;
  heads: [string, string];
  /** The latest head breaks the policy: the check must fail. */
  latestFails: boolean;
  steps: ('opened' | 'synchronize' | 'render')[];
}

let redis: RedisServer;
let github: FakeGitHub;
let repo: FakeRepo;
let replicas: AppReplica[];

beforeAll(async () => {
  const world = await startReplicaWorld({ secret: SECRET, lockMs: 8000, jobBackoffMs: 500 });
  ({ redis, github, repo } = world);
  github.grantPermission(repo, 'maintainer', 'write');
  replicas = [];
  for (const name of ['replica-a', 'replica-b', 'replica-c'])
    replicas.push(new AppReplica(name, await freePort(), world.env));
  await Promise.all(replicas.map((r) => r.start()));
}, 120_000);

afterAll(async () => {
  await Promise.all((replicas ?? []).map((r) => r.stop()));
  await github?.stop();
  await redis?.stop();
}, 60_000);

/** Posts a delivery to a live replica; a replica that dies mid-request means a redelivery elsewhere. */
async function post(delivery: Delivery, pick: () => number): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const live = replicas.filter((r) => r.alive);
    const replica = live[pick() % live.length]!;
    const response = await postDelivery(replica, SECRET, delivery);
    if (response?.ok) return;
  }
  throw new Error(`no replica accepted delivery ${delivery.id}`);
}

function planPulls(rand: () => number): PullPlan[] {
  const base = repo.commit(BASE_FILES);
  return Array.from({ length: PULLS }, (_, i) => {
    const n = i + 1;
    const latestFails = n % 2 === 0;
    const heads: [string, string] = [
      repo.commit(headFiles(n, 1, !latestFails)),
      repo.commit(headFiles(n, 2, latestFails)),
    ];
    // Every other pull request gets a `/egress render`, before or after its push.
    const steps: PullPlan['steps'] =
      n % 2 === 1
        ? ['opened', 'synchronize']
        : rand() < 0.5
          ? ['opened', 'render', 'synchronize']
          : ['opened', 'synchronize', 'render'];
    const plan: PullPlan = { heads, latestFails, steps };
    plan.pull = repo.openPull(n, base, heads[0]);
    return plan;
  });
}

/** Makes the step happen on "GitHub" (the double) and returns the webhook GitHub would send. */
function deliveryFor(plan: PullPlan, step: PullPlan['steps'][number]): Delivery {
  const pull = plan.pull!;
  if (step === 'synchronize') pull.headSha = plan.heads[1];
  const payload =
    step === 'render'
      ? issueCommentEvent(repo, pull.number, '/egress render', { login: 'maintainer' })
      : pullRequestEvent(step, repo, pull);
  return {
    id: randomUUID(),
    event: step === 'render' ? 'issue_comment' : 'pull_request',
    body: JSON.stringify(payload),
  };
}

describe('three replicas on one Redis', () => {
  it('handles 300 deliveries across 100 pull requests, through a kill -9 and a restart', async () => {
    const rand = random(15);
    const plans = planPulls(rand);
    const sent: Delivery[] = [];
    const schedule: (() => Delivery)[] = [];
    // Interleave the pull requests' steps (each pull request's own in order), with 50 redeliveries
    // of deliveries already sent.
    const pending = plans.map((p) => [...p.steps]);
    let redeliveries = 0;
    while (pending.some((s) => s.length > 0) || redeliveries < 50) {
      const open = pending.map((s, i) => (s.length > 0 ? i : -1)).filter((i) => i >= 0);
      if (open.length === 0 || (schedule.length > 20 && redeliveries < 50 && rand() < 0.25)) {
        schedule.push(() => sent[Math.floor(rand() * sent.length)]!);
        redeliveries++;
        continue;
      }
      const i = open[Math.floor(rand() * open.length)]!;
      const step = pending[i]!.shift()!;
      schedule.push(() => {
        const delivery = deliveryFor(plans[i]!, step);
        sent.push(delivery);
        return delivery;
      });
    }
    expect(schedule).toHaveLength(300);

    const victim = replicas[0]!;
    let next = 0;
    let victimLogsBeforeRestart = 0;
    const sender = async (): Promise<void> => {
      while (next < schedule.length) {
        const index = next++;
        if (index === 120) await victim.kill();
        if (index === 200) {
          victimLogsBeforeRestart = victim.logs.length;
          await victim.start();
        }
        await post(schedule[index]!(), () => Math.floor(rand() * 1000));
      }
    };
    await Promise.all(Array.from({ length: 6 }, sender));
    expect(victim.alive).toBe(true);

    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue('events', { connection, prefix: REDIS_PREFIX });
    try {
      await until(
        'every job to finish and every pull request to be checked',
        async () => {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
          if (Object.values(counts).some((c) => c > 0)) return undefined;
          const settled = plans.every((p) =>
            repo.checkRunsFor(p.pull!.headSha).some((r) => r.status === 'completed'),
          );
          const running = repo.checkRuns.some((r) => r.status !== 'completed');
          return settled && !running ? true : undefined;
        },
        180_000,
        250,
      ).catch(async (e: Error) => {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        const unsettled = plans
          .filter((p) => !repo.checkRunsFor(p.pull!.headSha).some((r) => r.status === 'completed'))
          .map((p) => p.pull!.number);
        const running = repo.checkRuns.filter((r) => r.status !== 'completed').map((r) => r.id);
        throw new Error(
          `${e.message}: jobs ${JSON.stringify(counts)}, unchecked pull requests ${unsettled.join(' ')}, runs in progress ${running.join(' ')}`,
        );
      });
    } finally {
      await queue.close();
      connection.disconnect();
    }

    for (const plan of plans) {
      const pull = plan.pull!;
      const runs = repo.checkRunsFor(pull.headSha);
      expect(runs, `pull request ${pull.number}: ${describeRuns(runs, replicas)}`).toHaveLength(1);
      expect(runs[0]!.status).toBe('completed');
      expect(runs[0]!.conclusion, `pull request ${pull.number}`).toBe(
        plan.latestFails ? 'failure' : 'success',
      );
      const sticky = repo
        .commentsOn(pull.number)
        .filter((c) => c.user.type === 'Bot' && c.body.includes(STICKY_COMMENT_MARKER));
      expect(sticky, `pull request ${pull.number}`).toHaveLength(1);
      const body = sticky[0]!.body;
      if (plan.latestFails) {
        expect(body).toContain('egress-lint: blocked');
        expect(body).toContain(pull.headSha); // findings link to lines at the latest head
      } else {
        expect(body).toContain('egress-lint: passes');
        expect(body).toContain(`h2-pr${pull.number}`);
      }
      expect(body).not.toContain(`h1-pr${pull.number}`);
    }
    expect(repo.checkRuns.filter((r) => r.status !== 'completed')).toEqual([]);

    // Each delivery handled to completion exactly once, across all replicas and the restart: failed
    // attempts (retried) and attempts that find an earlier one finished the work are no completions.
    expect(sent).toHaveLength(250);
    const notOnce = notHandledOnce(
      replicas,
      sent.map((d) => d.id),
    );
    const named = [...notOnce].map(([id, lines]) => `${id}:\n${lines.join('\n')}`);
    expect(named.join('\n---\n')).toBe('');
    const handled = replicas.flatMap((r) => r.logs).filter((l) => l.msg === EVENT_HANDLED);
    const ids = new Set(sent.map((d) => d.id));
    expect(handled.filter((l) => !ids.has(String(l.delivery)))).toEqual([]);
    expect(handled.map((l) => l.result)).not.toContain('error');
    // Every replica worked, the restarted one too.
    for (const replica of replicas)
      expect(replica.logs.some((l) => l.msg === EVENT_HANDLED)).toBe(true);
    expect(victim.logs.slice(victimLogsBeforeRestart).some((l) => l.msg === EVENT_HANDLED)).toBe(
      true,
    );
    // Four start-ups (three replicas and the restart), at most one sweep per 5-minute period among
    // them (none may finish in the test: the sweeping replica may be the one killed mid-sweep).
    const sweepLogs = replicas.flatMap((r) => r.logs).filter((l) => /sweep/.test(String(l.msg)));
    const sweeps = sweepLogs
      .filter((l) => l.msg === 'egress-lint: sweep of abandoned check runs done')
      .map((l) => Number(l.time));
    const periods = (Date.now() - Math.min(Date.now(), ...sweeps)) / (0.9 * 5 * 60_000);
    expect(sweeps.length, JSON.stringify(sweepLogs)).toBeLessThanOrEqual(1 + Math.floor(periods));
    expect(github.violations).toEqual([]);
  }, 300_000);
});

/** What each run of a head went through and which replica logs name it, for a failure message. */
function describeRuns(
  runs: readonly FakeCheckRun[],
  replicas: readonly { logs: Record<string, unknown>[] }[],
): string {
  return JSON.stringify(
    runs.map((r) => ({
      id: r.id,
      status: r.status,
      conclusion: r.conclusion,
      externalId: r.externalId,
      calls: r.calls.map((c) => Object.keys(c).join(',')),
      logs: replicas.flatMap((replica, i) =>
        replica.logs
          .filter(
            (l) =>
              JSON.stringify(l).includes(String(r.id)) ||
              l.headSha === r.headSha ||
              l.head === r.headSha,
          )
          .map(
            (l) =>
              `replica ${i}: ${String(l.msg)} ${String(l.delivery ?? '')} ${String(l.result ?? l.err ?? '')}`,
          ),
      ),
    })),
  );
}
