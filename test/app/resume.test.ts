/**
 * Jobs resumed after their replica died, through the real app: `node dist/src/app/main.js` on a real
 * Redis, over HTTP against the GitHub API double. The replica is killed with SIGKILL the moment GitHub
 * has performed a check run's completion but before the reply arrives (so before the job could be
 * recorded as done), then started again; the job is resumed once its lock expires.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_PREFIX } from '../../src/app/durable.js';
import { ALREADY_HANDLED, ATTEMPT_FAILED, EVENT_HANDLED } from '../../src/app/handlers.js';
import {
  AppReplica,
  notHandledOnce,
  postDelivery,
  startReplicaWorld,
} from '../support/app-replica.js';
import { BASE_FILES, CONFIG, POLICY, withBadProtocol, withHost } from '../support/app-repo.js';
import type { FakeGitHub, Fault, FakeRepo } from '../support/fake-github.js';
import { freePort, until } from '../support/net.js';
import type { RedisServer } from '../support/redis-server.js';
import {
  checkRunRerequestedEvent,
  issueCommentEvent,
  pullRequestEvent,
} from '../support/webhooks.js';

const SECRET = 'resume-webhook-secret';

let redis: RedisServer;
let github: FakeGitHub;
let repo: FakeRepo;
let replica: AppReplica;

beforeAll(async () => {
  // A killed replica's job is resumed 3 s after.
  const world = await startReplicaWorld({ secret: SECRET, lockMs: 3000, jobBackoffMs: 200 });
  ({ redis, github, repo } = world);
  replica = new AppReplica('replica', await freePort(), world.env);
  await replica.start();
}, 120_000);

afterEach(() => {
  github.faults = [];
  expect(github.violations).toEqual([]);
});

afterAll(async () => {
  await replica?.stop();
  await github?.stop();
  await redis?.stop();
}, 60_000);

async function post(event: string, payload: object, id = randomUUID()): Promise<string> {
  const response = await postDelivery(replica, SECRET, {
    id,
    event,
    body: JSON.stringify(payload),
  });
  expect(response?.ok).toBe(true);
  return id;
}

/** The run ids the app remembers as open on the repository (open-runs.ts), read from Redis. */
async function openRuns(): Promise<string[]> {
  const client = new Redis(redis.url);
  try {
    return await client.zrange(`${REDIS_PREFIX}:open-runs:${repo.fullName}`, 0, -1);
  } finally {
    client.disconnect();
  }
}

/**
 * Kills the replica as soon as GitHub has performed the first completion of a check run on `headSha`:
 * the run is completed, the reply never arrives. Resolves once the replica is dead.
 */
function dieAfterCompleting(headSha: string): Promise<void> {
  let died: Promise<void> | undefined;
  const fault: Fault = (req) => {
    if (died || req.operationId !== 'checks/update') return undefined;
    const body = req.body as { conclusion?: string };
    const id = Number(req.path.split('/').pop());
    if (!body.conclusion || repo.checkRuns.find((r) => r.id === id)?.headSha !== headSha)
      return undefined;
    died = replica.kill();
    return { performFirst: true, delayMs: 60_000 };
  };
  github.faults.push(fault);
  const dead = (): Promise<boolean> | undefined => died?.then(() => true);
  return until('the replica to die after completing a run', dead, 60_000, 20).then(() => undefined);
}

/**
 * A pull request opened on a new base with `headFiles`, whose check's replica dies the moment GitHub
 * has completed its run (see dieAfterCompleting): the run carries the verdict `conclusion`.
 */
async function openedAndDied(
  number: number,
  headFiles: Record<string, string>,
  conclusion: string,
) {
  const base = repo.commit(BASE_FILES);
  const head = repo.commit(headFiles);
  const pull = repo.openPull(number, base, head);
  const died = dieAfterCompleting(head);
  const delivery = await post('pull_request', pullRequestEvent('opened', repo, pull));
  await died;
  const [run] = repo.checkRunsFor(head);
  expect(run).toMatchObject({ status: 'completed', conclusion });
  return { pull, head, delivery, run: run! };
}

/** Waits until the delivery's event is logged as handled after the restart, and returns that line. */
/** Waits until an attempt at the delivery says an earlier one had handled it. */
async function alreadyHandled(delivery: string): Promise<Record<string, unknown>> {
  return until(
    `delivery ${delivery} to be found handled`,
    () =>
      Promise.resolve(
        replica.logs.find((l) => l.msg === ALREADY_HANDLED && l.delivery === delivery),
      ),
    120_000,
    100,
  );
}

async function handledAfterRestart(delivery: string): Promise<Record<string, unknown>> {
  return until(
    `delivery ${delivery} to be handled`,
    () =>
      Promise.resolve(
        replica.logs.find((l) => l.msg === 'egress-lint: event handled' && l.delivery === delivery),
      ),
    120_000,
    100,
  );
}

describe('a job resumed after its replica died', () => {
  it('keeps the verdict its dead attempt completed when the pull request moves on during the resumed check', async () => {
    const base = repo.commit(BASE_FILES);
    const broken = repo.commit(withBadProtocol(BASE_FILES));
    const fixed = repo.commit(withHost(BASE_FILES));
    const pull = repo.openPull(1, base, broken);

    const died = dieAfterCompleting(broken);
    const first = await post('pull_request', pullRequestEvent('opened', repo, pull));
    await died;
    const [verdict] = repo.checkRunsFor(broken);
    expect(verdict).toMatchObject({ status: 'completed', conclusion: 'failure' });
    // Opened, and not yet known to be completed: remembered in Redis for any replica's sweep.
    expect(await openRuns()).toEqual([String(verdict!.id)]);

    // The fixing push lands while the resumed job checks the old head again (after its turn began).
    let pushed: Promise<string> | undefined;
    github.faults = [
      (req) => {
        if (
          pushed ||
          req.operationId !== 'pulls/list-files' ||
          req.headers['x-github-delivery'] !== first
        )
          return;
        pull.headSha = fixed;
        pushed = post('pull_request', pullRequestEvent('synchronize', repo, pull));
        return undefined;
      },
    ];
    await replica.start();
    const resumed = await handledAfterRestart(first);
    expect(pushed).toBeDefined();
    expect(resumed.result).toBe('superseded');
    await handledAfterRestart(await pushed!);

    // The verdict on the old head stands: one run, as the dead attempt completed it.
    const runs = repo.checkRunsFor(broken);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id: verdict!.id, status: 'completed', conclusion: 'failure' });
    expect(runs[0]!.output.title).toBe('1 error: merge blocked');
    expect(repo.checkRunsFor(fixed).map((r) => r.conclusion)).toEqual(['success']);
    expect(repo.checkRuns.filter((r) => r.status !== 'completed')).toEqual([]);
    expect(await openRuns()).toEqual([]);
  }, 240_000);

  it('keeps the verdict its dead attempt completed when the resumed check then fails', async () => {
    const opened = await openedAndDied(4, withHost(BASE_FILES), 'success');
    const { head: clean, delivery, run: verdict } = opened;
    const calls = verdict.calls.length;

    // GitHub fails the resumed attempt's reads.
    github.faults = [
      (req) =>
        req.operationId === 'pulls/list-files' && req.headers['x-github-delivery'] === delivery
          ? { status: 500, body: { message: 'Server Error' } }
          : undefined,
    ];
    await replica.start();
    const failed = await until(
      'the resumed attempt to fail',
      () =>
        replica.logs.find(
          (l) => l.delivery === delivery && String(l.msg).startsWith('egress-lint: check failed'),
        ),
      120_000,
      100,
    );
    expect(failed.msg).toBe(
      'egress-lint: check failed; its check run keeps the verdict it already had',
    );
    expect(verdict).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(verdict.calls).toHaveLength(calls);

    // Once GitHub answers, a retry of the job completes the same run again.
    github.faults = [];
    await until(
      'a retry to pass',
      () => replica.logs.find((l) => l.delivery === delivery && l.result === 'passed'),
      120_000,
      100,
    );
    expect(repo.checkRunsFor(clean)).toEqual([verdict]);
    expect(verdict).toMatchObject({ status: 'completed', conclusion: 'success' });
    // The failed attempt is logged as one, and the retry that completes as a retry: handled once.
    const summaries = replica.logs.filter(
      (l) => l.delivery === delivery && (l.msg === EVENT_HANDLED || l.msg === ATTEMPT_FAILED),
    );
    expect(summaries.map((l) => l.msg)).toEqual([ATTEMPT_FAILED, EVENT_HANDLED]);
    const [failedAttempt, retry] = summaries.map((l) => Number(l.attempt));
    expect(failedAttempt).toBeGreaterThan(1);
    expect(retry).toBeGreaterThan(failedAttempt!);
    expect(notHandledOnce([replica], [delivery])).toEqual(new Map());
  }, 240_000);

  it('a job taken up after its work was done (killed before recording the delivery) does not do it again', async () => {
    github.grantPermission(repo, 'maintainer', 'write');
    const base = repo.commit(BASE_FILES);
    const pull = repo.openPull(5, base, repo.commit(withBadProtocol(BASE_FILES)));
    /** The replica dies the moment it would record the delivery as handled: its work is done. */
    const dieBeforeRecording = async (event: string, payload: object): Promise<string> => {
      const delivery = randomUUID();
      await replica.stop();
      await replica.start({ killBeforeRedis: `^set ${REDIS_PREFIX}:delivery:${delivery} done` });
      await post(event, payload, delivery);
      await replica.exited();
      return delivery;
    };
    const bot = (): string[] =>
      repo
        .commentsOn(pull.number)
        .filter((c) => c.user.type === 'Bot')
        .map((c) => c.body);

    const opened = await dieBeforeRecording('pull_request', pullRequestEvent('opened', repo, pull));
    const [run] = repo.checkRunsFor(pull.headSha);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    let calls = run!.calls.length;
    const comments = bot();
    expect(comments).toHaveLength(1);
    await replica.start();
    await alreadyHandled(opened);
    expect(run!.calls).toHaveLength(calls);

    // Asked for a re-check: an attempt taken up again would check and complete the run once more.
    const command = issueCommentEvent(repo, pull.number, '/egress render', { login: 'maintainer' });
    const render = await dieBeforeRecording('issue_comment', command);
    expect(run!.calls.length).toBeGreaterThan(calls);
    calls = run!.calls.length;
    await replica.start();
    await alreadyHandled(render);
    expect(run!.calls).toHaveLength(calls);

    // Each delivery completed once, by the attempt that died: one run, one comment, no second line.
    expect(repo.checkRunsFor(pull.headSha)).toEqual([run]);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(bot()).toEqual(comments);
    const handled = replica.logs.filter(
      (l) => l.msg === EVENT_HANDLED && (l.delivery === opened || l.delivery === render),
    );
    expect(handled).toEqual([]);
    expect(notHandledOnce([replica], [opened, render])).toEqual(new Map());
  }, 240_000);

  it('the next check takes up the run a dead check completed, when its own turn comes first', async () => {
    github.grantPermission(repo, 'maintainer', 'write');
    const {
      pull,
      head,
      delivery: opened,
      run,
    } = await openedAndDied(6, withBadProtocol(BASE_FILES), 'failure');
    // The dead attempt's job is not taken up before the next event (with several replicas, which of
    // the two gets the pull request's turn first is chance): here it is gone once its lock expired.
    const queue = new Queue('events', { connection: { url: redis.url }, prefix: REDIS_PREFIX });
    try {
      await until(
        'the dead job to be removable',
        async () => (await queue.remove(opened)) === 1 || undefined,
        30_000,
        200,
      );
    } finally {
      await queue.close();
    }
    github.faults = [];
    await replica.start();
    const command = issueCommentEvent(repo, pull.number, '/egress render', { login: 'maintainer' });
    await handledAfterRestart(await post('issue_comment', command));

    // One run on the commit: the render completed the dead check's run again.
    expect(repo.checkRunsFor(head)).toEqual([run]);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run.calls.filter((c) => 'conclusion' in c)).toHaveLength(2);
    expect(await openRuns()).toEqual([]);
  }, 240_000);

  it('a Re-run on a commit two pull requests share: each keeps its own verdict, none takes over the other’s run', async () => {
    // One commit, two bases: against the first it breaks a policy; the second's config ignores that file.
    const strictBase = repo.commit({ ...BASE_FILES, 'README.md': 'strict\n' });
    const lenientBase = repo.commit({ ...BASE_FILES, [CONFIG]: `ignore:\n  - ${POLICY}\n` });
    const shared = repo.commit(withBadProtocol(BASE_FILES));
    const strict = repo.openPull(2, strictBase, shared);
    const lenient = repo.openPull(3, lenientBase, shared);

    // The first attempt completes the strict pull request's run and dies before going on.
    const died = dieAfterCompleting(shared);
    const rerun = await post(
      'check_run',
      checkRunRerequestedEvent(repo, shared, 'egress-lint', [strict, lenient]),
    );
    await died;
    const [strictRun] = repo.checkRunsFor(shared);
    expect(strictRun).toMatchObject({ status: 'completed', conclusion: 'failure' });

    github.faults = [];
    await replica.start();
    const resumed = await handledAfterRestart(rerun);
    expect(resumed.pr).toEqual([strict.number, lenient.number]);

    // The strict pull request's failure still stands on its run; the lenient one got its own run.
    const runs = repo.checkRunsFor(shared);
    expect(runs.find((r) => r.id === strictRun!.id)).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
    });
    const lenientRuns = runs.filter((r) => r.output.summary?.includes(lenientBase.slice(0, 7)));
    expect(lenientRuns.map((r) => r.conclusion)).toEqual(['success']);
    expect(lenientRuns[0]!.output.title).toBe('No egress policy files changed');
    for (const run of runs.filter((r) => r.output.summary?.includes(strictBase.slice(0, 7))))
      expect(run.conclusion).toBe('failure');
    expect(repo.checkRuns.filter((r) => r.status !== 'completed')).toEqual([]);
  }, 240_000);
});
