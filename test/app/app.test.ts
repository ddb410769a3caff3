/**
 * The app in-process: GitHub's example webhook payloads go through `probot.receive()`, every API call
 * goes through nock to the API double, and every request the app sends is checked against GitHub's
 * OpenAPI description. Each test states what the app must do on GitHub, and what it must not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { assertWellFormed, elements, textOf, visibleText } from '../helpers/html.js';
import { APP_ID, createHarness, resetNock, type Harness } from '../support/app-harness.js';
import type { FakeRepo, FakeResponse } from '../support/fake-github.js';
import { MARKER, testReporter } from '../support/test-reporter.js';
import { BASE_FILES, POLICY, withBadProtocol, withHost } from '../support/app-repo.js';
import {
  checkRunRerequestedEvent,
  checkSuiteRerequestedEvent,
  issueCommentEvent,
  plainIssueCommentEvent,
  pullRequestEvent,
} from '../support/webhooks.js';

// The repository: the seed walkthrough's ASM HTTP example, as a team would keep it.

const badProtocolLine = (text: string): number =>
  text.split('\n').findIndex((l) => l.includes('protocol: HTTPX')) + 1;

let h: Harness;
let repo: FakeRepo;
let base: string;

async function setup(
  files: Record<string, string> = BASE_FILES,
  options: { blobCacheBytes?: number } = {},
): Promise<void> {
  h = await createHarness({ reporter: testReporter, ...options });
  repo = h.github.repo('mesh-team', 'egress-config');
  base = repo.commit(files);
}

function openPull(
  number: number,
  head: Record<string, string>,
  fork?: { fullName: string; id: number },
): ReturnType<FakeRepo['openPull']> {
  return repo.openPull(number, base, repo.commit(head), fork);
}

/** Operations a delivery caused (the installation token aside). */
const ops = (delivery: string): string[] =>
  h.github
    .requestsFor(delivery)
    .map((r) => r.operationId ?? r.path)
    .filter((o) => o !== 'apps/create-installation-access-token');
/** Comments the app wrote on a pull request. */
const appComments = (number: number): ReturnType<FakeRepo['commentsOn']> =>
  repo.commentsOn(number).filter((c) => c.appId === APP_ID);
const count = (delivery: string, op: string): number =>
  ops(delivery).filter((o) => o === op).length;

afterEach(() => {
  // Every request the app sent was a valid call of GitHub's REST API.
  expect(h.github.violations).toEqual([]);
  resetNock();
});

describe('pull request events', () => {
  it('checks a clean change: check run in progress then success, one comment, one log line', async () => {
    await setup();
    const pull = openPull(7, withHost(BASE_FILES));
    const delivery = await h.receive('pull_request', pullRequestEvent('opened', repo, pull));

    const [run, ...others] = repo.checkRunsFor(pull.headSha);
    expect(others).toEqual([]);
    expect(run!.name).toBe('egress-lint');
    expect(run!.calls[0]).toMatchObject({
      name: 'egress-lint',
      head_sha: pull.headSha,
      status: 'in_progress',
      external_id: delivery,
    });
    expect(run!.conclusion).toBe('success');
    expect(run!.output.title).toBe('No problems found');
    expect(run!.output.summary).toContain('**Passes**');
    expect(run!.annotations).toEqual([]);

    const comments = repo.commentsOn(7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(MARKER);
    expect(comments[0]!.body).toContain('verdict: success');
    expect(comments[0]!.body).toMatch(/changed: [1-9]/);

    // Few calls: trees once per commit, every blob once, no listing of what it need not read.
    expect(count(delivery, 'git/get-tree')).toBe(2);
    expect(count(delivery, 'git/get-blob')).toBe(4); // 3 base policy files + the changed one
    expect(count(delivery, 'repos/get-content')).toBe(1);
    expect(count(delivery, 'pulls/get')).toBe(1);
    const [line] = h.eventLogs();
    expect(line).toMatchObject({
      delivery,
      event: 'pull_request.opened',
      repo: 'mesh-team/egress-config',
      pr: [7],
      result: 'passed',
      comment: 'created',
      filesRead: 3,
      apiCalls: h.github.requestsFor(delivery).length,
    });
    expect(line!.durationMs).toEqual(expect.any(Number));
  });

  it('fails the check on an error, annotates the exact line, and edits the comment in place on the next push', async () => {
    await setup();
    const pull = openPull(8, withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const [first] = repo.commentsOn(8);

    const bad = withBadProtocol(withHost(BASE_FILES));
    pull.headSha = repo.commit(bad);
    const delivery = await h.receive('pull_request', pullRequestEvent('synchronize', repo, pull));

    const run = repo.checkRunsFor(pull.headSha)[0]!;
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toMatch(/^1 error: merge blocked$/);
    expect(run.annotations).toEqual([
      expect.objectContaining({
        path: POLICY,
        start_line: badProtocolLine(bad[POLICY]!),
        end_line: badProtocolLine(bad[POLICY]!),
        annotation_level: 'failure',
        start_column: expect.any(Number),
      }),
    ]);
    const comments = repo.commentsOn(8);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.id).toBe(first!.id);
    expect(comments[0]!.body).toContain('verdict: failure');
    // The second push read only the one blob that changed; the rest came from the shared cache.
    expect(count(delivery, 'git/get-blob')).toBe(1);
    expect(count(delivery, 'issues/list-comments')).toBe(0);
    expect(count(delivery, 'issues/update-comment')).toBe(1);
  });

  it('delivers every annotation, at most 50 per request, and completes only with the last batch', async () => {
    await setup();
    const broken = Array.from(
      { length: 120 },
      (_, i) => `kind: Broken\nkey${i}: 1\nkey${i}: 2\n`,
    ).join('---\n');
    const pull = openPull(9, { ...BASE_FILES, 'mesh/broken.yaml': broken });
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));

    const run = repo.checkRunsFor(pull.headSha)[0]!;
    const sizes = run.calls
      .slice(1)
      .map((c) => ((c.output as { annotations?: unknown[] }).annotations ?? []).length);
    expect(sizes).toEqual([50, 50, 20]);
    expect(run.calls.slice(1).map((c) => c.conclusion)).toEqual([undefined, undefined, 'failure']);
    expect(run.annotations).toHaveLength(120);
    expect(new Set(run.annotations.map((a) => a.start_line)).size).toBe(120);
    expect(
      run.annotations.every(
        (a) => a.path === 'mesh/broken.yaml' && a.annotation_level === 'failure',
      ),
    ).toBe(true);
  });

  it('reads the config at the base commit: a pull request cannot switch its own check off', async () => {
    await setup();
    const head = withBadProtocol({
      ...BASE_FILES,
      '.github/egress-lint.yml': 'failOn: never\ncomment: off\n',
    });
    const pull = openPull(10, head);
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const run = repo.checkRunsFor(pull.headSha)[0]!;
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toContain(`at base \`${base.slice(0, 7)}\``);
    expect(repo.commentsOn(10)).toHaveLength(1);
  });

  it('uses the defaults when the base has no config file (404)', async () => {
    const { ['.github/egress-lint.yml']: _config, ...noConfig } = BASE_FILES;
    await setup(noConfig);
    const pull = openPull(11, withHost(noConfig));
    const delivery = await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    expect(
      h.github.requestsFor(delivery).find((r) => r.operationId === 'repos/get-content')!.status,
    ).toBe(404);
    const run = repo.checkRunsFor(pull.headSha)[0]!;
    expect(run.conclusion).toBe('success');
    expect(run.output.summary).toContain('defaults (no `.github/egress-lint.yml` at base');
  });

  it('fails with a clear title and the file:line error when the base config is invalid, reading nothing else', async () => {
    await setup({
      ...BASE_FILES,
      '.github/egress-lint.yml': 'failOn: error\ncomment: sometimes\n',
    });
    const pull = openPull(12, withHost(BASE_FILES));
    const delivery = await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const run = repo.checkRunsFor(pull.headSha)[0]!;
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toBe('Invalid .github/egress-lint.yml');
    expect(visibleText(run.output.summary ?? '')).toContain(
      '.github/egress-lint.yml:2:1: comment must be one of always, on-change, off',
    );
    expect(count(delivery, 'git/get-tree')).toBe(0);
    expect(repo.commentsOn(12)).toEqual([]);
    expect(h.eventLogs()[0]).toMatchObject({ result: 'invalid-config' });
  });

  it('passes with a one-line summary and no comment when no policy file changes', async () => {
    await setup();
    const pull = openPull(13, { ...BASE_FILES, 'README.md': '# mesh config\n\nNow with docs.\n' });
    const delivery = await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const run = repo.checkRunsFor(pull.headSha)[0]!;
    expect(run.conclusion).toBe('success');
    expect(run.output.title).toBe('No egress policy files changed');
    expect(run.output.summary!.split('\n')).toHaveLength(1);
    expect(repo.commentsOn(13)).toEqual([]);
    expect(ops(delivery).filter((o) => o.startsWith('git/'))).toEqual([]);
  });

  it('checks a fork pull request through the base repository', async () => {
    await setup();
    const pull = openPull(14, withBadProtocol(BASE_FILES), {
      fullName: 'contributor/egress-config',
      id: 999,
    });
    const delivery = await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    expect(repo.checkRunsFor(pull.headSha)[0]!.conclusion).toBe('failure');
    expect(
      h.github
        .requestsFor(delivery)
        .every(
          (r) => r.path.startsWith('/repos/mesh-team/egress-config/') || r.path.startsWith('/app/'),
        ),
    ).toBe(true);
    expect(repo.commentsOn(14)).toHaveLength(1);
  });

  it('checks again when the pull request moves to another base, and only then', async () => {
    await setup();
    const pull = openPull(17, withHost(BASE_FILES));
    const titleOnly = await h.receive(
      'pull_request',
      pullRequestEvent('edited', repo, pull, 1, { title: { from: 'x' } }),
    );
    expect(h.github.requestsFor(titleOnly)).toEqual([]);
    pull.baseSha = repo.commit({ ...BASE_FILES, '.github/egress-lint.yml': 'failOn: warning\n' });
    await h.receive(
      'pull_request',
      pullRequestEvent('edited', repo, pull, 1, {
        base: { ref: { from: 'main' }, sha: { from: base } },
      }),
    );
    expect(repo.checkRunsFor(pull.headSha)[0]!.output.summary).toContain(
      `at base \`${pull.baseSha.slice(0, 7)}\``,
    );
  });

  it('pages through 3,000 changed files, and compares whole trees when GitHub stops listing', async () => {
    const docs = Object.fromEntries(
      Array.from({ length: 3005 }, (_, i) => [`docs/page-${i}.md`, `page ${i}\n`]),
    );
    await setup({ ...BASE_FILES });
    const pull = openPull(18, withBadProtocol({ ...BASE_FILES, ...docs }));
    const delivery = await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    expect(count(delivery, 'pulls/list-files')).toBe(30); // 100 per page, up to GitHub's 3,000
    const run = repo.checkRunsFor(pull.headSha)[0]!;
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toContain('the pull request changes 1 policy file');
  });

  it('finds its comment among more than 100 (pagination) instead of posting a second one', async () => {
    await setup();
    const pull = openPull(19, withHost(BASE_FILES));
    for (let i = 0; i < 150; i++) {
      repo.comments.push({
        id: 50_000 + i,
        issueNumber: 19,
        body: `+1 (${i})`,
        user: { login: 'fan', type: 'User' },
      });
    }
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull)); // ours is the 151st
    // A fresh process (no memory of the comment id) against the same GitHub.
    resetNock();
    h = await createHarness({ reporter: testReporter });
    h.github.repos.set(repo.fullName, repo);
    pull.headSha = repo.commit(withBadProtocol(withHost(BASE_FILES)));
    const delivery = await h.receive('pull_request', pullRequestEvent('synchronize', repo, pull));
    expect(count(delivery, 'issues/list-comments')).toBe(2);
    expect(appComments(19)).toHaveLength(1);
    expect(appComments(19)[0]!.body).toContain('verdict: failure');
  });

  it('ignores closed pull requests', async () => {
    await setup();
    const pull = openPull(15, withHost(BASE_FILES));
    const delivery = await h.receive('pull_request', pullRequestEvent('closed', repo, pull));
    expect(h.github.requestsFor(delivery)).toEqual([]);
  });

  it('walks a truncated tree one directory at a time, only where the config paths can match', async () => {
    h = await createHarness({ reporter: testReporter });
    Object.assign(h.github.options, { maxTreeEntries: 3 }); // GitHub truncates at 100,000 entries
    repo = h.github.repo('mesh-team', 'egress-config');
    const files = {
      ...BASE_FILES,
      '.github/egress-lint.yml': 'paths: [mesh]\n',
      'docs/a/b.yaml': 'x: 1\n',
      'docs/c.md': 'y',
    };
    base = repo.commit(files);
    const pull = openPull(16, withBadProtocol(files));
    const delivery = await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const trees = h.github.requestsFor(delivery).filter((r) => r.operationId === 'git/get-tree');
    // Per commit: the truncated recursive listing, then the root and mesh/ (not docs/, not .github/).
    expect(trees.filter((r) => r.query === '?recursive=1')).toHaveLength(2);
    expect(trees.filter((r) => r.query === '')).toHaveLength(4);
    const run = repo.checkRunsFor(pull.headSha)[0]!;
    expect(run.annotations).toEqual([expect.objectContaining({ path: POLICY })]);
    expect(run.output.summary).toContain('Checked 3 files');
  });
});

describe('comment modes', () => {
  const config = (mode: string): Record<string, string> => ({
    ...BASE_FILES,
    '.github/egress-lint.yml': `comment: ${mode}\n`,
  });

  // A comment line: the file changes, no resource does.
  const cosmetic = (files: Record<string, string>): Record<string, string> => ({
    ...files,
    'mesh/workloads.yaml': `${files['mesh/workloads.yaml']}\n# reviewed\n`,
  });

  it('off: never comments on its own', async () => {
    await setup(config('off'));
    const pull = openPull(20, withBadProtocol(config('off')));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    expect(repo.checkRunsFor(pull.headSha)[0]!.conclusion).toBe('failure');
    expect(repo.commentsOn(20)).toEqual([]);
  });

  it('on-change: no comment while nothing changes and nothing fails', async () => {
    await setup(config('on-change'));
    const pull = openPull(21, cosmetic(config('on-change')));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    expect(repo.checkRunsFor(pull.headSha)[0]!.conclusion).toBe('success');
    expect(repo.commentsOn(21)).toEqual([]);
  });

  it('always: comments even when nothing changes, and leaves an unchanged body alone', async () => {
    await setup(config('always'));
    const pull = openPull(22, cosmetic(config('always')));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    expect(repo.commentsOn(22)).toHaveLength(1);
    const delivery = await h.receive('pull_request', pullRequestEvent('reopened', repo, pull));
    expect(
      count(delivery, 'issues/update-comment') + count(delivery, 'issues/create-comment'),
    ).toBe(0);
  });

  it('posts a fresh comment when someone deleted ours, and never edits a human comment that quotes the marker', async () => {
    await setup();
    const pull = openPull(23, withHost(BASE_FILES));
    repo.comments.push({
      id: 1,
      issueNumber: 23,
      body: `I copied this: ${MARKER}`,
      user: { login: 'alice', type: 'User' },
    });
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    expect(repo.commentsOn(23).map((c) => c.user.login)).toEqual(['alice', 'egress-lint[bot]']);
    expect(repo.comments[0]!.body).toBe(`I copied this: ${MARKER}`);

    repo.comments.splice(
      repo.comments.findIndex((c) => c.user.type === 'Bot'),
      1,
    );
    pull.headSha = repo.commit(withBadProtocol(withHost(BASE_FILES)));
    await h.receive('pull_request', pullRequestEvent('synchronize', repo, pull));
    const ours = repo.commentsOn(23).filter((c) => c.appId === APP_ID);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toContain('verdict: failure');
  });
});

describe('robustness', () => {
  it('handles a redelivered webhook once', async () => {
    await setup();
    const pull = openPull(30, withHost(BASE_FILES));
    const payload = pullRequestEvent('opened', repo, pull);
    await h.receive('pull_request', payload, 'delivery-1');
    const before = h.github.requests.length;
    await h.receive('pull_request', payload, 'delivery-1');
    expect(h.github.requests.length).toBe(before);
    expect(repo.checkRunsFor(pull.headSha)).toHaveLength(1);
    expect(repo.commentsOn(30)).toHaveLength(1);
  });

  it('marks a result for a commit that is no longer the head as superseded, and does not comment', async () => {
    await setup();
    const pull = openPull(31, withBadProtocol(BASE_FILES));
    const oldHead = pull.headSha;
    const event = pullRequestEvent('synchronize', repo, pull);
    pull.headSha = repo.commit(withHost(BASE_FILES)); // pushed again before the first event is handled
    await h.receive('pull_request', event);
    const run = repo.checkRunsFor(oldHead)[0]!;
    expect(run.conclusion).toBe('cancelled');
    expect(run.output.title).toBe('Superseded by a newer commit');
    expect(run.annotations).toEqual([]);
    expect(repo.commentsOn(31)).toEqual([]);
  });

  it('two quick pushes: one comment, describing the newer commit', async () => {
    await setup();
    const pull = openPull(32, withBadProtocol(BASE_FILES));
    const first = pullRequestEvent('synchronize', repo, pull);
    const firstHead = pull.headSha;
    pull.headSha = repo.commit(withHost(BASE_FILES));
    const second = pullRequestEvent('synchronize', repo, pull);
    await Promise.all([h.receive('pull_request', first), h.receive('pull_request', second)]);
    expect(repo.checkRunsFor(firstHead)[0]!.conclusion).toBe('cancelled');
    expect(repo.checkRunsFor(pull.headSha)[0]!.conclusion).toBe('success');
    const comments = repo.commentsOn(32);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(`head: ${pull.headSha}`);
  });

  it('an older event delivered late does not overwrite the newer result', async () => {
    await setup();
    const pull = openPull(33, withBadProtocol(BASE_FILES));
    const stale = pullRequestEvent('synchronize', repo, pull);
    pull.headSha = repo.commit(withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('synchronize', repo, pull));
    const body = repo.commentsOn(33)[0]!.body;
    await h.receive('pull_request', stale);
    expect(repo.commentsOn(33)[0]!.body).toBe(body);
  });

  it('retries server errors and finishes normally', async () => {
    await setup();
    let failures = 0;
    h.github.faults.push((req) =>
      req.operationId === 'git/get-blob' && failures++ < 2
        ? { status: 502, body: { message: 'Bad Gateway' } }
        : undefined,
    );
    const pull = openPull(34, withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    expect(failures).toBeGreaterThanOrEqual(2);
    expect(repo.checkRunsFor(pull.headSha)[0]!.conclusion).toBe('success');
  });

  it('waits out a rate limit (primary and secondary) and finishes normally', async () => {
    await setup();
    const limited = new Set<string>();
    h.github.faults.push((req): FakeResponse | undefined => {
      if (req.operationId === 'pulls/list-files' && !limited.has('primary')) {
        limited.add('primary');
        const reset = String(Math.floor(Date.now() / 1000));
        return {
          status: 403,
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
          body: { message: 'API rate limit exceeded' },
        };
      }
      if (req.operationId === 'checks/update' && !limited.has('secondary')) {
        limited.add('secondary');
        return {
          status: 403,
          headers: { 'retry-after': '1' },
          body: {
            message:
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          },
        };
      }
      return undefined;
    });
    const pull = openPull(35, withHost(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    expect([...limited]).toEqual(['primary', 'secondary']);
    expect(repo.checkRunsFor(pull.headSha)[0]!.conclusion).toBe('success');
  });

  it('when GitHub keeps failing: completes the check with a clear failure, no stack trace, and a redelivery gets a second chance', async () => {
    await setup();
    const outage = (req: {
      operationId: string | undefined;
    }): { status: number; body: object } | undefined =>
      req.operationId === 'git/get-tree'
        ? { status: 500, body: { message: 'Server Error' } }
        : undefined;
    h.github.faults.push(outage);
    const pull = openPull(36, withHost(BASE_FILES));
    const payload = pullRequestEvent('opened', repo, pull);
    await h.receive('pull_request', payload, 'delivery-outage');

    const [failed] = repo.checkRunsFor(pull.headSha);
    expect(failed!.status).toBe('completed');
    expect(failed!.conclusion).toBe('failure');
    expect(failed!.output.title).toBe('egress-lint could not finish this check');
    expect(failed!.output.summary).toContain('HTTP 500');
    expect(failed!.output.summary).not.toMatch(/\bat \S+:\d+|Error:|\.ts:/);
    expect(repo.commentsOn(36)).toEqual([]);
    expect(h.eventLogs()[0]).toMatchObject({
      msg: 'egress-lint: event attempt failed',
      result: 'error',
    });

    h.github.faults = [];
    await h.receive('pull_request', payload, 'delivery-outage');
    const runs = repo.checkRunsFor(pull.headSha);
    expect(runs).toHaveLength(2);
    expect(runs[1]!.conclusion).toBe('success');
    expect(h.eventLogs()[1]).toMatchObject({ msg: 'egress-lint: event handled', result: 'passed' });
  });

  it('a GitHub that stops answering fails the check at its deadline instead of leaving it in progress', async () => {
    // Long enough for the token and check-run calls in a cold process on a loaded machine (Node 24's
    // first requests are slower than 20's), far below the 60 s the tree request hangs.
    h = await createHarness({ reporter: testReporter, deadlineMs: 2_000 });
    repo = h.github.repo('mesh-team', 'egress-config');
    base = repo.commit(BASE_FILES);
    h.github.faults.push((req) =>
      req.operationId === 'git/get-tree' ? { status: 200, body: {}, delayMs: 60_000 } : undefined,
    );
    const pull = openPull(39, withHost(BASE_FILES));
    const started = Date.now();
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    expect(Date.now() - started).toBeLessThan(10_000);
    const run = repo.checkRunsFor(pull.headSha)[0]!;
    expect(run.status).toBe('completed');
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toContain('the check took too long');
  });

  it('checks that wait for the thread while other checks analyse are not failed as GitHub timeouts', async () => {
    // Each analysis keeps the one JavaScript thread busy for 600 ms; eight checks are admitted at
    // once, so the last waits some 4 s for the others' analyses although every GitHub answer came in
    // milliseconds. Only time waiting for GitHub may count against the deadline.
    const slowReporter = {
      ...testReporter,
      diff: (...args: Parameters<typeof testReporter.diff>) => {
        const end = performance.now() + 600;
        while (performance.now() < end);
        return testReporter.diff(...args);
      },
    };
    h = await createHarness({ reporter: slowReporter, deadlineMs: 2_500 });
    repo = h.github.repo('mesh-team', 'egress-config');
    base = repo.commit(BASE_FILES);
    const pulls = [41, 42, 43, 44, 45, 46, 47, 48].map((n) => openPull(n, withHost(BASE_FILES)));
    await Promise.all(
      pulls.map((p) => h.receive('pull_request', pullRequestEvent('opened', repo, p))),
    );
    const conclusions = pulls.map((p) => repo.checkRunsFor(p.headSha)[0]?.conclusion);
    expect(conclusions).toEqual(pulls.map(() => 'success'));
    const longest = Math.max(...h.eventLogs().map((l) => Number(l.checkMs)));
    expect(longest).toBeGreaterThan(2_500); // the wait was real, and did not count
  });

  it('a comment that cannot be posted leaves the completed check run as it is', async () => {
    await setup();
    h.github.faults.push((req) =>
      req.operationId === 'issues/create-comment'
        ? { status: 403, body: { message: 'Resource not accessible by integration' } }
        : undefined,
    );
    const pull = openPull(38, withBadProtocol(BASE_FILES));
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const run = repo.checkRunsFor(pull.headSha)[0]!;
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toBe('1 error: merge blocked');
    expect(h.eventLogs()[0]).toMatchObject({ result: 'failed', comment: 'failed' });
    expect(
      h.logs.some((l) => l.msg === 'egress-lint: comment failed; the check run is complete'),
    ).toBe(true);
  });

  it('survives hostile repository content: nothing from it escapes into markdown', async () => {
    await setup();
    const hostile = `apiVersion: istio.alibabacloud.com/v1
kind: ASMEgressTrafficPolicy
metadata:
  name: "x</details><img src=x onerror=alert(1)>"
  namespace: "@mesh-team/admins"
spec: {}
`;
    const pull = openPull(37, {
      ...BASE_FILES,
      'mesh/`hostile`.yaml': hostile,
      'mesh/binary.yaml': '\u0000\u0001\u0002',
    });
    await h.receive('pull_request', pullRequestEvent('opened', repo, pull));
    const run = repo.checkRunsFor(pull.headSha)[0]!;
    expect(run.conclusion).toBe('failure');
    // Rendered as GitHub would: the hostile name stays text (no img, no stray details), mentions nobody.
    const html = assertWellFormed(run.output.summary ?? '');
    expect(elements(html, 'img')).toEqual([]);
    expect(textOf(html)).toContain('x</details><img src=x onerror=alert(1)>');
    expect(textOf(html)).not.toMatch(/@mesh/);
    expect(run.annotations.some((a) => a.path === 'mesh/binary.yaml')).toBe(true);
  });
});

describe('re-run', () => {
  it('re-checks the pull requests of a re-requested check run', async () => {
    await setup();
    const pull = openPull(40, withHost(BASE_FILES));
    await h.receive(
      'check_run',
      checkRunRerequestedEvent(repo, pull.headSha, 'egress-lint', [pull]),
    );
    expect(repo.checkRunsFor(pull.headSha)[0]!.conclusion).toBe('success');
    expect(repo.commentsOn(40)).toHaveLength(1);
  });

  it('finds a fork pull request when the check run lists none', async () => {
    await setup();
    const pull = openPull(41, withHost(BASE_FILES), {
      fullName: 'contributor/egress-config',
      id: 999,
    });
    const delivery = await h.receive(
      'check_run',
      checkRunRerequestedEvent(repo, pull.headSha, 'egress-lint'),
    );
    expect(ops(delivery)).toContain('pulls/list');
    expect(repo.checkRunsFor(pull.headSha)[0]!.conclusion).toBe('success');
  });

  it('re-checks the pull request of a re-requested check suite (Re-run all)', async () => {
    await setup();
    const pull = openPull(43, withBadProtocol(BASE_FILES));
    await h.receive('check_suite', checkSuiteRerequestedEvent(repo, pull));
    expect(repo.checkRunsFor(pull.headSha)[0]!.conclusion).toBe('failure');
  });

  it("ignores other apps' check runs", async () => {
    await setup();
    const pull = openPull(42, withHost(BASE_FILES));
    const delivery = await h.receive(
      'check_run',
      checkRunRerequestedEvent(repo, pull.headSha, 'some-other-ci', [pull]),
    );
    expect(h.github.requestsFor(delivery)).toEqual([]);
  });
});

describe('comment commands', () => {
  it('/egress render from a writer: reaction, then a fresh check run and comment (even with comments off)', async () => {
    const files = { ...BASE_FILES, '.github/egress-lint.yml': 'comment: off\n' };
    await setup(files);
    const pull = openPull(50, withHost(files));
    h.github.grantPermission(repo, 'maintainer', 'maintain');
    const payload = issueCommentEvent(repo, 50, '/egress render', { login: 'maintainer' });
    await h.receive('issue_comment', payload);
    expect(repo.reactions).toEqual([
      { commentId: payload.comment.id, content: 'eyes', user: 'egress-lint[bot]' },
    ]);
    expect(repo.checkRunsFor(pull.headSha)[0]!.conclusion).toBe('success');
    expect(appComments(50)).toHaveLength(1);
    expect(h.eventLogs()[0]).toMatchObject({
      command: 'render',
      user: 'maintainer',
      pr: [50],
      result: 'passed',
    });
  });

  it('asks the API for the permission: an OWNER association with read access is not enough', async () => {
    await setup();
    openPull(51, withHost(BASE_FILES));
    h.github.grantPermission(repo, 'reader', 'read');
    const payload = issueCommentEvent(repo, 51, '/egress render', { login: 'reader' });
    expect(payload.comment.author_association).toBe('OWNER');
    const delivery = await h.receive('issue_comment', payload);
    expect(ops(delivery)).toEqual([
      'repos/get-collaborator-permission-level',
      'issues/list-comments', // an earlier attempt's reply, if any, is not posted again
      'issues/create-comment',
    ]);
    expect(visibleText(appComments(51)[0]!.body)).toContain(
      'only people with write access to mesh-team/egress-config',
    );
    expect(repo.reactions).toEqual([]);
    expect(repo.checkRuns).toEqual([]);
  });

  it('answers a non-collaborator (404 from the permission API) the same way', async () => {
    await setup();
    openPull(52, withHost(BASE_FILES));
    const delivery = await h.receive(
      'issue_comment',
      issueCommentEvent(repo, 52, '/egress render', { login: 'stranger' }),
    );
    expect(
      h.github
        .requestsFor(delivery)
        .find((r) => r.operationId === 'repos/get-collaborator-permission-level')!.status,
    ).toBe(404);
    expect(appComments(52)).toHaveLength(1);
    expect(repo.checkRuns).toEqual([]);
  });

  it('/egress help: reaction and the list of commands', async () => {
    await setup();
    openPull(53, withHost(BASE_FILES));
    h.github.grantPermission(repo, 'writer', 'write');
    await h.receive(
      'issue_comment',
      issueCommentEvent(repo, 53, '/egress help', { login: 'writer' }),
    );
    expect(repo.reactions).toHaveLength(1);
    expect(appComments(53)[0]!.body).toContain('`/egress render`');
    expect(repo.checkRuns).toEqual([]);
  });

  it('ignores bots (ourselves included), plain issues and ordinary conversation, without any API call', async () => {
    await setup();
    openPull(54, withHost(BASE_FILES));
    h.github.grantPermission(repo, 'writer', 'write');
    const events = [
      issueCommentEvent(repo, 54, '/egress render', {
        login: 'egress-lint[bot]',
        type: 'Bot',
        appId: APP_ID,
      }),
      issueCommentEvent(repo, 54, '/egress render', { login: 'renovate[bot]', type: 'Bot' }),
      plainIssueCommentEvent(repo, 54, '/egress render', 'writer'),
      issueCommentEvent(repo, 54, 'LGTM, but what does /egress render do?', { login: 'writer' }),
    ];
    for (const e of events) await h.receive('issue_comment', e);
    expect(h.github.requests).toEqual([]);
  });
});
