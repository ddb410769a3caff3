/**
 * Issue 13's App failures, each reproduced against the API double and shown fixed: a config that
 * cannot be read fails closed; a POST whose reply is lost makes one object, not two; creation and
 * completion are retried for longer than the plugins do, and what stays in progress is swept; every
 * failure names its real cause; Retry-After is honoured; commands answer; a huge truncated tree gives
 * up early; merge queues get their check. Retry waits are shrunk to milliseconds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GitHubApi } from '../../src/app/github.js';
import { inProcessOpenRuns, type OpenRuns } from '../../src/app/open-runs.js';
import type { RetryPolicy } from '../../src/app/retry.js';
import { closedSince, sweepRepository, type RepositorySweep } from '../../src/app/sweep.js';
import { APP_ID, createHarness, resetNock, type Harness } from '../support/app-harness.js';
import {
  failTimes,
  loseReplies,
  type FakeRepo,
  type FaultResponse,
} from '../support/fake-github.js';
import { BASE_FILES, CONFIG, POLICY, withBadProtocol, withHost } from '../support/app-repo.js';
import { testReporter } from '../support/test-reporter.js';
import { issueCommentEvent, mergeGroupEvent, pullRequestEvent } from '../support/webhooks.js';

/** Minutes become milliseconds: the same retry logic, fast (with room for a loaded machine). */
const FAST: RetryPolicy = {
  initialDelayMs: 5,
  maxDelayMs: 40,
  giveUpAfterMs: 15_000,
  attemptTimeoutMs: 1_000,
  retryAfterUnitMs: 1,
};
/** For the faults that never end: give up soon. */
const GIVE_UP_SOON: RetryPolicy = { ...FAST, giveUpAfterMs: 1_000 };

const SECONDARY: FaultResponse = {
  status: 403,
  headers: { 'retry-after': '1' },
  body: {
    message:
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
  },
};
const SERVER_ERROR: FaultResponse = { status: 500, body: { message: 'Server Error' } };

/** `count` more copies of the policy, each with a schema error: well over 50 annotations. */
function manyErrors(files: Record<string, string>, count: number): Record<string, string> {
  const bad = withBadProtocol(files)[POLICY]!;
  const out = { ...files };
  for (let i = 0; i < count; i++) out[`mesh/copy-${i}.yaml`] = bad;
  return out;
}

let h: Harness;
let repo: FakeRepo;
let base: string;

async function setup(
  files: Record<string, string> = BASE_FILES,
  retry = FAST,
  openRuns?: OpenRuns,
): Promise<void> {
  h = await createHarness({ reporter: testReporter, retry, ...(openRuns ? { openRuns } : {}) });
  repo = h.github.repo('mesh-team', 'egress-config');
  base = repo.commit(files);
}

function openPull(number: number, head: Record<string, string>): ReturnType<FakeRepo['openPull']> {
  return repo.openPull(number, base, repo.commit(head));
}

/** A check-run summary as read on GitHub: markdown escapes dropped. */
const summaryOf = (run: { output: { summary?: string } } | undefined): string =>
  (run?.output.summary ?? '').replace(/\\(.)/g, '$1');

const calls = (delivery: string, op: string): number =>
  h.github.requestsFor(delivery).filter((r) => r.operationId === op).length;

afterEach(() => {
  expect(h.github.violations).toEqual([]);
  resetNock();
});

describe('the config fails closed', () => {
  it('a 404 for a config the base tree has fails the check, and is not cached', async () => {
    await setup({ ...BASE_FILES, [CONFIG]: 'failOn: warning\ncomment: always\n' });
    h.github.faults.push(
      failTimes('repos/get-content', 1, { status: 404, body: { message: 'Not Found' } }),
    );
    const pull = openPull(1, withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const [failed] = repo.checkRunsFor(pull.headSha);
    expect(failed!.conclusion).toBe('failure');
    expect(failed!.output.title).toBe('egress-lint could not finish this check');
    expect(summaryOf(failed)).toContain('GitHub answered 404');
    expect(summaryOf(failed)).toContain('does not fall back to the defaults');

    // The next push on the same base reads the config again, and applies it.
    pull.headSha = repo.commit(withBadProtocol(withHost(BASE_FILES)));
    const delivery = await h.receive('pull_request', pullRequestEvent('synchronize', repo, pull));
    expect(calls(delivery, 'repos/get-content')).toBe(1);
    const [run] = repo.checkRunsFor(pull.headSha);
    expect(run!.output.summary).toContain(`\`${CONFIG}\` at base`);
    expect(run!.conclusion).toBe('failure');
  });

  it('a config that keeps failing to load is an error naming it, never the defaults', async () => {
    await setup();
    h.github.faults.push((req) =>
      req.operationId === 'repos/get-content' ? SERVER_ERROR : undefined,
    );
    const pull = openPull(2, withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const [run] = repo.checkRunsFor(pull.headSha);
    expect(run!.conclusion).toBe('failure');
    expect(summaryOf(run)).toContain(`could not read \`${CONFIG}\``);
    expect(summaryOf(run)).toContain('HTTP 500');
    expect(run!.output.summary).not.toContain('defaults (no');
  });

  it('a config over 1 MB is reported as too large, not as a rate limit', async () => {
    await setup();
    h.github.faults.push((req) =>
      req.operationId === 'repos/get-content'
        ? {
            status: 403,
            body: {
              message:
                'This API returns blobs up to 1 MB in size. The requested blob is too large to fetch via the API.',
              errors: [{ resource: 'Blob', field: 'data', code: 'too_large' }],
            },
          }
        : undefined,
    );
    const pull = openPull(3, withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const summary = summaryOf(repo.checkRunsFor(pull.headSha)[0]);
    expect(summary).toContain(`could not read \`${CONFIG}\``);
    expect(summary).toContain('too large');
    expect(summary).not.toMatch(/rate limit/i);
  });

  it('a base without the file (the tree says so) still means the defaults', async () => {
    const { [CONFIG]: _, ...withoutConfig } = BASE_FILES;
    await setup(withoutConfig);
    const pull = openPull(4, withHost(withoutConfig));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const [run] = repo.checkRunsFor(pull.headSha);
    expect(run!.conclusion).toBe('success');
    expect(run!.output.summary).toContain('defaults (no');
  });
});

describe('writes happen once', () => {
  it('a check run whose create reply was lost is found, not created twice, and completes', async () => {
    await setup();
    h.github.faults.push(loseReplies('checks/create'));
    const pull = openPull(10, withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const runs = repo.checkRunsFor(pull.headSha);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status).toBe('completed');
    expect(runs[0]!.conclusion).toBe('success');
  });

  it('a comment whose create reply was lost is found; after a fixing push the one comment is current', async () => {
    await setup();
    h.github.faults.push(loseReplies('issues/create-comment'));
    const pull = openPull(11, withBadProtocol(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    expect(repo.commentsOn(11)).toHaveLength(1);
    expect(repo.commentsOn(11)[0]!.body).toContain('verdict: failure');

    pull.headSha = repo.commit(withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('synchronize', repo, pull));
    const comments = repo.commentsOn(11);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('verdict: success');
  });

  it('annotation batches whose reply was lost are not appended twice', async () => {
    const many = manyErrors(BASE_FILES, 60);
    await setup();
    const clean = openPull(13, many);
    await h.receive('pull_request', pullRequestEvent('opened', repo, clean));
    const expected = repo.checkRunsFor(clean.headSha)[0]!.annotations;
    expect(expected.length).toBeGreaterThan(100); // three batches: two updates, then the completion

    h.github.faults.push(loseReplies('checks/update', 3));
    const lossy = openPull(14, many);
    await h.receive('pull_request', pullRequestEvent('opened', repo, lossy));
    const [run] = repo.checkRunsFor(lossy.headSha);
    expect(run!.conclusion).toBe('failure');
    expect(run!.annotations).toEqual(expected);
  });

  it('a run taken over from an attempt that died gets only the annotations it lacks', async () => {
    const many = manyErrors(BASE_FILES, 60);
    await setup(BASE_FILES, GIVE_UP_SOON);
    const pull = openPull(15, many);
    // The first attempt sent one batch of 50, then its process died (the run stays in progress).
    h.github.faults.push((req) =>
      req.operationId === 'checks/update' &&
      (req.body as { status?: string }).status === 'completed'
        ? { status: 500, body: { message: 'killed' } }
        : undefined,
    );
    const first = await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const [run] = repo.checkRunsFor(pull.headSha);
    const sentBefore = run!.annotations.length;
    expect(sentBefore).toBeGreaterThan(0);
    expect(run!.status).toBe('in_progress');
    expect(calls(first, 'checks/update')).toBeGreaterThan(1);

    h.github.faults = [];
    await h.receive('pull_request', pullRequestEvent('synchronize', repo, pull));
    expect(repo.checkRunsFor(pull.headSha)).toHaveLength(1);
    const counts = new Map<string, number>();
    for (const a of run!.annotations) {
      const key = JSON.stringify(a);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(run!.status).toBe('completed');
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(run!.annotations.length).toBeGreaterThan(sentBefore);
  });

  it('a create answered too slowly is not repeated: the late run is found and used', async () => {
    await setup();
    h.github.faults.push(failTimes('checks/create', 1, { performFirst: true, delayMs: 2_500 }));
    const pull = openPull(12, withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const runs = repo.checkRunsFor(pull.headSha);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.conclusion).toBe('success');
  });
});

describe('one-off command replies happen once', () => {
  const command = async (number: number, body: string, login: string): Promise<number> => {
    const payload = issueCommentEvent(repo, number, body, { login });
    await h.receive('issue_comment', payload);
    return payload.comment.id;
  };
  const replies = (number: number): string[] =>
    repo
      .commentsOn(number)
      .filter((c) => c.appId === APP_ID)
      .map((c) => c.body);

  it('/egress help whose reply was lost: one reply, one reaction', async () => {
    await setup();
    openPull(60, withHost(BASE_FILES));
    h.github.grantPermission(repo, 'writer', 'write');
    h.github.faults.push(loseReplies('issues/create-comment'));
    h.github.faults.push(loseReplies('reactions/create-for-issue-comment'));
    const id = await command(60, '/egress help', 'writer');
    expect(replies(60)).toHaveLength(1);
    expect(replies(60)[0]).toContain('`/egress render`');
    expect(repo.reactions).toEqual([{ commentId: id, content: 'eyes', user: 'egress-lint[bot]' }]);
    expect(h.eventLogs()[0]).toMatchObject({ result: 'help' });
  });

  it('not allowed, and the permission lookup failing: one reply each despite lost replies', async () => {
    await setup();
    openPull(61, withHost(BASE_FILES));
    h.github.faults.push(loseReplies('issues/create-comment', 2));
    await command(61, '/egress render', 'stranger');
    expect(replies(61)).toHaveLength(1);
    expect(replies(61)[0]).toContain('only people with write access');

    h.github.faults.push((req) =>
      req.operationId === 'repos/get-collaborator-permission-level' ? SERVER_ERROR : undefined,
    );
    h.github.faults.push(loseReplies('issues/create-comment'));
    await command(61, '/egress render', 'dev');
    expect(replies(61)).toHaveLength(2);
    expect(replies(61)[1]).toContain('could not check whether you may run commands');
  });

  it('the same command handled again (another delivery of it) is not answered twice', async () => {
    await setup();
    openPull(62, withHost(BASE_FILES));
    h.github.grantPermission(repo, 'writer', 'write');
    const payload = issueCommentEvent(repo, 62, '/egress nonsense', { login: 'writer' });
    await h.receive('issue_comment', payload);
    await h.receive('issue_comment', payload); // a new delivery id, the same command comment
    expect(replies(62)).toHaveLength(1);
    expect(replies(62)[0]).toContain('does not know `/egress nonsense`');
    // Another command comment gets its own reply.
    await command(62, '/egress help', 'writer');
    expect(replies(62)).toHaveLength(2);
  });
});

describe('every check completes', () => {
  it('creation that fails four times (500) is retried until the check run exists and completes', async () => {
    await setup();
    h.github.faults.push(failTimes('checks/create', 4, SERVER_ERROR));
    const pull = openPull(20, withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const runs = repo.checkRunsFor(pull.headSha);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.conclusion).toBe('success');
  });

  it('a secondary rate limit that outlasts the plugin’s two retries still ends in a check run', async () => {
    await setup();
    h.github.faults.push(failTimes('checks/create', 5, SECONDARY));
    const pull = openPull(21, withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    expect(repo.checkRunsFor(pull.headSha).map((r) => r.conclusion)).toEqual(['success']);
  });

  it('when every completion fails the log says so truthfully, and the sweep completes the run', async () => {
    await setup(BASE_FILES, GIVE_UP_SOON);
    h.github.faults.push((req) => (req.operationId === 'checks/update' ? SERVER_ERROR : undefined));
    const pull = openPull(22, withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const [stuck] = repo.checkRunsFor(pull.headSha);
    expect(stuck!.status).toBe('in_progress');
    expect(h.eventLogs()[0]).toMatchObject({
      msg: 'egress-lint: event attempt failed',
      result: 'error',
      checkRun: 'in-progress',
    });
    const messages = h.logs.map((l) => l.msg);
    expect(messages).toContain(
      'egress-lint: check failed and its check run could not be completed; the sweep will complete it',
    );
    expect(messages).not.toContain('egress-lint: check failed; its check run says so');

    h.github.faults = [];
    const gh = new GitHubApi(await h.probot.auth(1), { owner: repo.owner, repo: repo.name });
    // Young runs are left alone (a live check may own them)...
    const sweep = { appId: APP_ID, staleAfterMs: 60_000, retry: FAST, closedSince: Date.now() };
    expect(await sweepRepository(gh, sweep)).toEqual([]);
    // ...old ones are completed, saying why; a run started just now is not.
    const later = Date.now() + 2 * 60_000;
    const young = { ...stuck!, id: 1, calls: [], startedAt: new Date(later).toISOString() };
    repo.checkRuns.push(young);
    // A store that fails to forget a run is logged, and does not stop the sweep.
    const warned: unknown[] = [];
    const failingStore: OpenRuns = {
      ...inProcessOpenRuns(),
      completed: () => Promise.reject(new Error('redis down')),
    };
    const log = { warn: (fields: unknown) => void warned.push(fields) } as RepositorySweep['log'];
    const done = await sweepRepository(gh, { ...sweep, now: later, openRuns: failingStore, log });
    expect(done).toEqual([stuck!.id]);
    expect(warned).toMatchObject([{ checkRun: stuck!.id, err: { message: 'redis down' } }]);
    expect(young.status).toBe('in_progress');
    expect(stuck!.status).toBe('completed');
    expect(stuck!.conclusion).toBe('failure');
    expect(summaryOf(stuck)).toContain('the app stopped working on it');
  });

  it('a record of open runs that fails (Redis away) is logged with repository and run, and the check completes', async () => {
    const failing: OpenRuns = {
      ...inProcessOpenRuns(),
      opened: () => Promise.reject(new Error('redis down')),
      completed: () => Promise.reject(new Error('redis down')),
    };
    await setup(BASE_FILES, FAST, failing);
    const pull = openPull(27, withHost(BASE_FILES));
    const delivery = await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const [run] = repo.checkRunsFor(pull.headSha);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'success' });
    const warnings = h.logs.filter((l) => String(l.msg).includes('record of open runs'));
    expect(warnings.map((l) => [l.level, l.repo, l.checkRun, (l.err as Error).message])).toEqual([
      [40, repo.fullName, run!.id, 'redis down'],
      [40, repo.fullName, run!.id, 'redis down'],
    ]);
    expect(warnings.map((l) => l.msg)).toEqual([
      `egress-lint: could not record check run ${run!.id} as opened in the record of open runs`,
      `egress-lint: could not record check run ${run!.id} as completed in the record of open runs`,
    ]);
    // Never a payload: no field carries the event's body.
    expect(JSON.stringify(warnings)).not.toContain(pull.headSha);
    expect(h.eventLogs()).toMatchObject([{ delivery, result: 'passed' }]);
  });

  it('the sweep reaches runs on pull requests closed since, and on merge groups in a queue', async () => {
    await setup(BASE_FILES, GIVE_UP_SOON);
    h.github.faults.push((req) => (req.operationId === 'checks/update' ? SERVER_ERROR : undefined));
    const closed = openPull(24, withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, closed));
    const group = repo.commit(withBadProtocol(BASE_FILES));
    await h.receive('merge_group', mergeGroupEvent(repo, base, group));
    const longClosed = openPull(25, withBadProtocol(withHost(BASE_FILES)));
    await h.receive('pull_request', pullRequestEvent('opened', repo, longClosed));
    const stuck = [closed, { headSha: group }, longClosed].map(
      (c) => repo.checkRunsFor(c.headSha)[0]!,
    );
    expect(stuck.map((r) => r.status)).toEqual(['in_progress', 'in_progress', 'in_progress']);

    h.github.faults = [];
    repo.closePull(closed);
    repo.closePull(longClosed, new Date(Date.now() - 3 * 3600_000));
    repo.branches.set('main', base);
    repo.branches.set(`gh-readonly-queue/main/pr-26-${base}`, group);
    const gh = new GitHubApi(await h.probot.auth(1), { owner: repo.owner, repo: repo.name });
    const later = Date.now() + 2 * 60_000;
    const done = await sweepRepository(gh, {
      appId: APP_ID,
      staleAfterMs: 60_000,
      retry: FAST,
      closedSince: Date.now() - 3600_000,
      now: later,
    });
    expect(done.sort()).toEqual([stuck[0]!.id, stuck[1]!.id].sort());
    expect(stuck.map((r) => r.status)).toEqual(['completed', 'completed', 'in_progress']);
    expect(summaryOf(stuck[1])).toContain('the app stopped working on it');
    // Only the commits that may hold a run are looked at: not every branch, not long-closed pulls.
    const looked = h.github.requests
      .filter((r) => r.operationId === 'checks/list-for-ref' && r.delivery === undefined)
      .map((r) => r.path.split('/')[5]);
    expect(looked.sort()).toEqual([closed.headSha, group].sort());
  });

  it('the sweep reaches a merge group that left its queue, through the runs the app remembers', async () => {
    const openRuns = inProcessOpenRuns();
    await setup(BASE_FILES, GIVE_UP_SOON, openRuns);
    const ref = { owner: repo.owner, repo: repo.name };
    h.github.faults.push((req) => (req.operationId === 'checks/update' ? SERVER_ERROR : undefined));
    const group = repo.commit(withBadProtocol(BASE_FILES));
    await h.receive('merge_group', mergeGroupEvent(repo, base, group));
    const [stuck] = repo.checkRunsFor(group);
    expect(stuck!.status).toBe('in_progress');
    h.github.faults = [];
    // A check that completes leaves nothing behind to remember.
    await h.receive('merge_group', mergeGroupEvent(repo, base, repo.commit(withHost(BASE_FILES))));
    expect(await openRuns.openedBefore(ref, Infinity)).toEqual([stuck!.id]);

    // The group left its queue: its branch is gone, and no pull request has its commit as head.
    const gh = new GitHubApi(await h.probot.auth(1), ref);
    const later = Date.now() + 2 * 60_000;
    const sweep = {
      appId: APP_ID,
      staleAfterMs: 60_000,
      retry: FAST,
      closedSince: Date.now() - 3600_000,
    };
    expect(await sweepRepository(gh, { ...sweep, now: later })).toEqual([]);
    expect(stuck!.status).toBe('in_progress');
    // Young, it is left alone (a live check may own it) and still remembered...
    expect(await sweepRepository(gh, { ...sweep, openRuns })).toEqual([]);
    expect(await openRuns.openedBefore(ref, Infinity)).toEqual([stuck!.id]);
    // ...old, it is read by id and completed, saying why, then forgotten.
    expect(await sweepRepository(gh, { ...sweep, openRuns, now: later })).toEqual([stuck!.id]);
    expect(stuck).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(summaryOf(stuck)).toContain('the app stopped working on it');
    expect(await openRuns.openedBefore(ref, Infinity)).toEqual([]);
    expect(await sweepRepository(gh, { ...sweep, openRuns, now: later })).toEqual([]);
  });

  it('remembered runs that were completed meanwhile, or are gone, are forgotten without a write', async () => {
    const openRuns = inProcessOpenRuns();
    await setup(BASE_FILES, FAST, openRuns);
    const ref = { owner: repo.owner, repo: repo.name };
    const group = repo.commit(withHost(BASE_FILES));
    await h.receive('merge_group', mergeGroupEvent(repo, base, group));
    const [done] = repo.checkRunsFor(group);
    // As if the app died between completing the run and forgetting it, and a run GitHub deleted.
    await openRuns.opened(ref, done!.id, Date.now() - 3600_000);
    await openRuns.opened(ref, 999_999, Date.now() - 3600_000);
    const gh = new GitHubApi(await h.probot.auth(1), ref);
    const sweep = { appId: APP_ID, staleAfterMs: 60_000, retry: FAST, closedSince: Date.now() };
    expect(await sweepRepository(gh, { ...sweep, openRuns })).toEqual([]);
    expect(done!.calls).toHaveLength(2); // created, completed: the sweep wrote nothing
    expect(await openRuns.openedBefore(ref, Infinity)).toEqual([]);
  });

  it('closed pull requests are looked at since the last complete sweep, a day at most', () => {
    const options = { staleAfterMs: 20 * 60_000, maxClosedLookbackMs: 24 * 3600_000 };
    const now = Date.parse('2026-01-02T12:00:00Z');
    expect(closedSince(options, undefined, now)).toBe(now - 24 * 3600_000);
    // The last complete sweep began 5 minutes ago: a run that was 19 minutes old then is stale now.
    expect(closedSince(options, now - 5 * 60_000, now)).toBe(now - 30 * 60_000);
    expect(closedSince(options, now - 48 * 3600_000, now)).toBe(now - 24 * 3600_000);
  });

  it('creation that never succeeds within the give-up time is logged as no check run', async () => {
    await setup(BASE_FILES, GIVE_UP_SOON);
    h.github.faults.push((req) => (req.operationId === 'checks/create' ? SERVER_ERROR : undefined));
    const pull = openPull(23, withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    expect(repo.checkRunsFor(pull.headSha)).toEqual([]);
    expect(h.eventLogs()[0]).toMatchObject({
      msg: 'egress-lint: event attempt failed',
      result: 'error',
      checkRun: 'not-created',
    });
    expect(h.logs.map((l) => l.msg)).toContain(
      'egress-lint: no check run could be created; GitHub refused every attempt',
    );
  });
});

describe('honest messages', () => {
  it('a missing permission is named as such, not as a rate limit', async () => {
    await setup();
    h.github.faults.push((req) =>
      req.operationId === 'git/get-tree'
        ? { status: 403, body: { message: 'Resource not accessible by integration' } }
        : undefined,
    );
    const pull = openPull(30, withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const summary = summaryOf(repo.checkRunsFor(pull.headSha)[0]);
    expect(summary).toContain('denied the app access');
    expect(summary).toContain('Contents: read');
    expect(summary).not.toMatch(/rate limit/i);
  });

  it('a secondary rate limit that does not end is called that', async () => {
    await setup();
    h.github.faults.push((req) => (req.operationId === 'git/get-tree' ? SECONDARY : undefined));
    const pull = openPull(31, withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    expect(summaryOf(repo.checkRunsFor(pull.headSha)[0])).toContain('secondary rate limit');
  });

  it('a bare 429 waits for its Retry-After', async () => {
    await setup();
    h.github.faults.push(
      failTimes('pulls/list-files', 1, {
        status: 429,
        headers: { 'retry-after': '100' }, // 100 units of 1 ms in the harness
        body: { message: 'Too Many Requests' },
      }),
    );
    const pull = openPull(32, withHost(BASE_FILES));
    const delivery = await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const [limited, retried] = h.github
      .requestsFor(delivery)
      .filter((r) => r.operationId === 'pulls/list-files');
    expect(limited!.status).toBe(429);
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(100);
    expect(repo.checkRunsFor(pull.headSha)[0]!.conclusion).toBe('success');
  });

  it('/egress render replies when the permission lookup fails', async () => {
    await setup();
    h.github.faults.push((req) =>
      req.operationId === 'repos/get-collaborator-permission-level' ? SERVER_ERROR : undefined,
    );
    openPull(33, withHost(BASE_FILES));
    await h.receive(
      'issue_comment',
      issueCommentEvent(repo, 33, '/egress render', { login: 'dev' }),
    );
    const reply = repo.commentsOn(33).find((c) => c.appId === APP_ID);
    expect(reply?.body).toContain('could not check whether you may run commands');
    expect(reply?.body).toContain('HTTP 500');
    expect(h.eventLogs()[0]).toMatchObject({ result: 'permission-unknown' });
  });

  it('a truncated tree with 600 folders says to narrow paths after a few calls, not a thousand', async () => {
    h = await createHarness({ reporter: testReporter, retry: FAST });
    repo = h.github.repo('mesh-team', 'egress-config');
    const many: Record<string, string> = { ...BASE_FILES };
    for (let i = 0; i < 600; i++)
      many[`svc-${String(i).padStart(3, '0')}/policy.yaml`] = `x: ${i}\n`;
    base = repo.commit(many);
    for (const [number, maxTreeEntries] of [
      [34, 1_000], // the cut-short listing already shows more folders than the budget
      [35, 3], // it shows almost nothing: the walk stops at its budget
    ] as const) {
      Object.assign(h.github.options, { maxTreeEntries });
      const pull = openPull(number, withBadProtocol(many));
      const delivery = await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
      const run = repo.checkRunsFor(pull.headSha)[0]!;
      expect(run.conclusion).toBe('failure');
      expect(summaryOf(run)).toContain('narrow `paths`');
      expect(h.github.requestsFor(delivery).length).toBeLessThan(number === 34 ? 15 : 120);
    }
  });
});

describe('payloads and events', () => {
  it('a payload without repository.html_url is checked, its links built from the API host', async () => {
    await setup();
    const pull = openPull(40, withBadProtocol(BASE_FILES));
    const payload = pullRequestEvent('opened', repo, pull);
    delete payload.repository.html_url;
    await h.receive('pull_request', payload);
    const run = repo.checkRunsFor(pull.headSha)[0]!;
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toBe('1 error: merge blocked');
    expect(run.output.summary).toContain(
      `https://github.com/${repo.fullName}/blob/${pull.headSha}/`,
    );
  });

  it('merge_group: no comment is built (nobody could see it), only the check', async () => {
    const built = { diff: 0, renderComment: 0 };
    const counting: typeof testReporter = {
      ...testReporter,
      diff: (b, hd) => (built.diff++, testReporter.diff(b, hd)),
      renderComment: (input) => (built.renderComment++, testReporter.renderComment(input)),
    };
    h = await createHarness({ reporter: counting, retry: FAST });
    repo = h.github.repo('mesh-team', 'egress-config');
    base = repo.commit(BASE_FILES);
    const bad = repo.commit(withBadProtocol(BASE_FILES));
    await h.receive('merge_group', mergeGroupEvent(repo, base, bad));
    expect(repo.checkRunsFor(bad)[0]!.conclusion).toBe('failure');
    expect(built).toEqual({ diff: 0, renderComment: 0 });

    const pull = openPull(41, withBadProtocol(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    expect(built).toEqual({ diff: 1, renderComment: 1 });
  });

  it('merge_group: a check run on the group head, against its base, without a comment', async () => {
    await setup();
    const bad = repo.commit(withBadProtocol(BASE_FILES));
    await h.receive('merge_group', mergeGroupEvent(repo, base, bad));
    const [run] = repo.checkRunsFor(bad);
    expect(run!.name).toBe('egress-lint');
    expect(run!.conclusion).toBe('failure');
    expect(run!.annotations).toEqual([expect.objectContaining({ path: POLICY })]);
    expect(repo.comments).toEqual([]);

    const clean = repo.commit(withHost(BASE_FILES));
    await h.receive('merge_group', mergeGroupEvent(repo, base, clean));
    expect(repo.checkRunsFor(clean)[0]!.conclusion).toBe('success');

    const unrelated = repo.commit({ ...BASE_FILES, 'README.md': 'docs only\n' });
    await h.receive('merge_group', mergeGroupEvent(repo, base, unrelated));
    expect(repo.checkRunsFor(unrelated)[0]!.output.title).toBe('No egress policy files changed');
  });
});
