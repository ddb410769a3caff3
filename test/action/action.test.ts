/**
 * The GitHub Action, run the way the runner runs action.yml's step: `node dist/src/action/main.js` in
 * the workspace, with the environment GitHub sets (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH,
 * GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_WORKSPACE, GITHUB_STEP_SUMMARY, INPUT_*), a
 * real git checkout, and the API double over HTTP with a workflow token. The results are asserted
 * like the App's end-to-end test (test/support/pull-request-results.ts).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { appKeys } from '../support/app-harness.js';
import { FakeGitHub, type FakePull, type FakeRepo } from '../support/fake-github.js';
import { BASE_FILES, CONFIG, POLICY } from '../support/app-repo.js';
import { breakPolicyPort, expectBlockedPullRequest } from '../support/pull-request-results.js';
import { mergeGroupEvent, pullRequestEvent } from '../support/webhooks.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist/src/action/main.js');
const TOKEN = 'ghs_workflowtoken0123456789';
/** The github-actions app: GITHUB_TOKEN's check runs and comments are its. */
const ACTIONS_APP_ID = 15368;
const ACTIONS_BOT = 'github-actions[bot]';

// The App tests' clean repository (its gateway named as the policy asks), without the workloads.
const FILES = {
  [CONFIG]: BASE_FILES[CONFIG]!,
  'mesh/egress-gateway.yaml': BASE_FILES['mesh/egress-gateway.yaml']!,
  [POLICY]: BASE_FILES[POLICY]!,
};

let github: FakeGitHub;
let tmp: string;

beforeAll(async () => {
  github = new FakeGitHub({
    appId: ACTIONS_APP_ID,
    appSlug: 'github-actions',
    publicKey: appKeys().publicKey,
  });
  github.acceptToken(TOKEN);
  await github.start();
  tmp = mkdtempSync(join(tmpdir(), 'egress-lint-action-'));
});

afterAll(async () => {
  await github?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  github.requests.length = 0;
  github.faults = [];
});

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.test',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.test',
    },
  }).trim();

/**
 * An `origin` with a base commit on main and a head commit on a feature branch, known to the API
 * double under the same ids, and a workspace cloned like actions/checkout with fetch-depth 1: the
 * base only, so the Action must fetch the head itself.
 */
function gitHubRepository(
  name: string,
  base: Record<string, string>,
  head: Record<string, string>,
): { repo: FakeRepo; workspace: string; baseSha: string; headSha: string } {
  const origin = join(tmp, `${name}-origin`);
  const work = join(tmp, `${name}-authoring`);
  git(tmp, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
  git(origin, 'config', 'uploadpack.allowAnySHA1InWant', 'true'); // as GitHub allows
  git(tmp, 'init', '--quiet', '--initial-branch=main', work);
  git(work, 'remote', 'add', 'origin', origin);
  const commit = (files: Record<string, string>, message: string): string => {
    git(work, 'rm', '-rq', '--ignore-unmatch', '.');
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), text);
    }
    git(work, 'add', '-A');
    git(work, 'commit', '--quiet', '--allow-empty', '-m', message);
    return git(work, 'rev-parse', 'HEAD');
  };
  const baseSha = commit(base, 'base');
  git(work, 'push', '--quiet', 'origin', 'HEAD:main');
  const headSha = commit(head, 'head');
  git(work, 'push', '--quiet', 'origin', 'HEAD:feature');
  const workspace = join(tmp, `${name}-workspace`);
  git(
    tmp,
    'clone',
    '--quiet',
    '--depth=1',
    '--single-branch',
    '--branch=main',
    `file://${origin}`,
    workspace,
  );
  const repo = github.repo('mesh-team', name);
  repo.commit(base, baseSha);
  repo.commit(head, headSha);
  return { repo, workspace, baseSha, headSha };
}

/** A repository whose pull request breaks the seed policy's port (see breakPolicyPort). */
function brokenPolicyRepository(name: string): ReturnType<typeof gitHubRepository> & {
  broken: { text: string; line: number };
} {
  const broken = breakPolicyPort(FILES[POLICY]);
  return { broken, ...gitHubRepository(name, FILES, { ...FILES, [POLICY]: broken.text }) };
}

interface ActionYml {
  inputs: Record<string, { default: string }>;
  runs: { using: string; steps: { run: string; env?: Record<string, string> }[] };
}
const ACTION = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml;

/**
 * The check step's environment as the runner builds it from action.yml: each `${{ inputs.x }}` is
 * the workflow's value or the input's default (`${{ github.token }}` stands for the job's token).
 */
function stepEnv(given: Record<string, string>): Record<string, string> {
  const step = ACTION.runs.steps.find((s) => s.run.includes('dist/src/action/main.js'))!;
  const value = (name: string): string => {
    const fallback = ACTION.inputs[name]!.default;
    return given[name] ?? (fallback === '${{ github.token }}' ? TOKEN : fallback);
  };
  return Object.fromEntries(
    Object.entries(step.env ?? {}).map(([key, expr]) => [
      key,
      expr.replace(/\$\{\{ inputs\.([\w-]+) \}\}/g, (_, name: string) => value(name)),
    ]),
  );
}

interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  summary: string;
}

/** One workflow step: the environment GitHub sets for this event, and the inputs (by action.yml name). */
async function runAction(
  repo: FakeRepo,
  workspace: string,
  event: { name: string; payload: object; sha: string },
  inputs: Record<string, string> = {},
): Promise<ActionRun> {
  const eventPath = join(tmp, `${repo.name}-${event.name}-event.json`);
  const summaryPath = join(tmp, `${repo.name}-${event.name}-summary.md`);
  writeFileSync(eventPath, JSON.stringify(event.payload));
  writeFileSync(summaryPath, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_API_URL: github.apiUrl,
    GITHUB_SERVER_URL: 'https://github.test',
    GITHUB_REPOSITORY: repo.fullName,
    GITHUB_SHA: event.sha,
    GITHUB_WORKSPACE: workspace,
    GITHUB_RUN_ID: '777',
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_ACTION_PATH: ROOT,
    ...stepEnv({ token: TOKEN, ...inputs }),
  };
  const child = spawn(process.execPath, [MAIN], { cwd: workspace, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  return { code, stdout, stderr, summary: readFileSync(summaryPath, 'utf8') };
}

const prEvent = (repo: FakeRepo, pull: FakePull) => ({
  name: 'pull_request',
  payload: pullRequestEvent('opened', repo, pull),
  sha: pull.headSha,
});

const operations = (): string[] => github.requests.map((r) => r.operationId ?? r.path);

it('action.yml: a composite action that builds itself, then passes every input to the check step', () => {
  expect(ACTION.runs.using).toBe('composite');
  expect(ACTION.runs.steps[0]!.run).toBe('bash scripts/action-setup.sh');
  const env = stepEnv({});
  expect(Object.keys(env).sort()).toEqual(
    Object.keys(ACTION.inputs)
      .map((name) => `INPUT_${name.toUpperCase().replace(/-/g, '_')}`)
      .sort(),
  );
  expect(env).toMatchObject({ INPUT_TOKEN: TOKEN, INPUT_CONFIG: '.github/egress-lint.yml' });
});

// Each run is a node process and a few paced writes (GitHub asks for about one a second).
describe('the Action', { timeout: 90_000 }, () => {
  it('on a pull request: check run with annotations, sticky comment, exit 1', async () => {
    const { broken, repo, workspace, baseSha, headSha } = brokenPolicyRepository('blocked');
    const pull = repo.openPull(7, baseSha, headSha);

    const run = await runAction(repo, workspace, prEvent(repo, pull));

    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    await expectBlockedPullRequest(repo, pull, { path: POLICY, line: broken.line }, ACTIONS_BOT);
    // The commits came from the checkout (the head fetched from origin), not from the API.
    expect(git(workspace, 'cat-file', '-t', headSha)).toBe('commit');
    expect(operations()).not.toContain('git/get-tree');
    expect(operations()).not.toContain('git/get-blob');
    expect(operations()).not.toContain('repos/get-content');
    expect(github.violations).toEqual([]);
    expect(run.stdout).toMatch(
      /egress-lint: failed; comment created; 2 files read \(6 git objects from the checkout\)/,
    );

    // The next push edits the same comment rather than adding one.
    const fixed = repo.commit(FILES);
    const next = repo.openPull(7, baseSha, fixed);
    const again = await runAction(repo, workspace, prEvent(repo, next));
    expect(again.code).toBe(0);
    expect(repo.commentsOn(7)).toHaveLength(1);
    expect(repo.checkRunsFor(fixed)[0]).toMatchObject({ conclusion: 'success' });
  });

  it('reads through the API when there is no checkout', async () => {
    const { broken, repo, baseSha, headSha } = brokenPolicyRepository('no-checkout');
    const pull = repo.openPull(3, baseSha, headSha);
    const empty = mkdtempSync(join(tmp, 'empty-'));

    const run = await runAction(repo, empty, prEvent(repo, pull));

    expect(run.code).toBe(1);
    await expectBlockedPullRequest(repo, pull, { path: POLICY, line: broken.line }, ACTIONS_BOT);
    expect(operations()).toContain('git/get-tree');
    expect(operations()).toContain('git/get-blob');
  });

  it('without permission to create check runs: annotations as workflow commands, summary on the job page', async () => {
    const { broken, repo, workspace, baseSha, headSha } = brokenPolicyRepository('fork');
    const pull = repo.openPull(4, baseSha, headSha, { fullName: 'someone/egress-config', id: 1 });
    // A fork's pull request gets a read-only token.
    const readOnly = { status: 403, body: { message: 'Resource not accessible by integration' } };
    github.faults = [(req) => (req.method === 'GET' ? undefined : readOnly)];

    const run = await runAction(repo, workspace, prEvent(repo, pull));

    expect(run.code).toBe(1);
    expect(repo.checkRuns).toEqual([]);
    expect(repo.comments).toEqual([]);
    const line = `::error file=${POLICY},line=${broken.line},`;
    expect(run.stdout.split('\n').filter((l) => l.startsWith(line))).toHaveLength(1);
    expect(run.stdout).toContain(
      '::warning title=egress-lint::This token may not create check runs',
    );
    expect(run.stdout).toMatch(
      /::warning title=egress-lint::could not complete the pull request comment: HTTP 403/,
    );
    expect(run.summary).toMatch(/^## egress-lint: 1 error: merge blocked/);
    expect(run.summary).toContain(POLICY);
  });

  it('on a merge group: a check run on the queue commit, no comment, exit 1', async () => {
    const { broken, repo, workspace, baseSha, headSha } = brokenPolicyRepository('queue');
    git(workspace, 'fetch', '--quiet', '--depth=1', 'origin', headSha);
    git(workspace, 'checkout', '--quiet', headSha); // actions/checkout checks out the queue commit

    const run = await runAction(repo, workspace, {
      name: 'merge_group',
      payload: mergeGroupEvent(repo, baseSha, headSha),
      sha: headSha,
    });

    expect(run.code).toBe(1);
    const [check] = repo.checkRunsFor(headSha);
    expect(check).toMatchObject({
      name: 'egress-lint',
      status: 'completed',
      conclusion: 'failure',
    });
    expect(check!.annotations).toEqual([
      expect.objectContaining({
        path: POLICY,
        start_line: broken.line,
        annotation_level: 'failure',
      }),
    ]);
    expect(repo.comments).toEqual([]);
    expect(operations()).not.toContain('pulls/list-files');
  });

  it('honours the inputs: fail-on never passes the same pull request, paths narrows the files', async () => {
    const { repo, workspace, baseSha, headSha } = brokenPolicyRepository('inputs');
    const pull = repo.openPull(5, baseSha, headSha);

    const lenient = await runAction(repo, workspace, prEvent(repo, pull), { 'fail-on': 'never' });
    expect(lenient.code).toBe(0);
    expect(repo.checkRunsFor(headSha)[0]).toMatchObject({ conclusion: 'success' });

    const elsewhere = await runAction(repo, workspace, prEvent(repo, pull), { paths: 'other/' });
    expect(elsewhere.code).toBe(0);
    // The broken policy is outside `paths`: nothing to report. (The first run left a comment, so the
    // check is evaluated again, over no files, to keep that comment current.)
    expect(repo.checkRunsFor(headSha)[1]).toMatchObject({
      conclusion: 'success',
      output: { title: 'No problems found' },
    });
  });

  it('rejects a bad input or event before calling GitHub, with exit 2', async () => {
    const { repo, workspace, baseSha, headSha } = gitHubRepository('bad-input', FILES, FILES);
    const pull = repo.openPull(6, baseSha, headSha);

    const badInput = await runAction(repo, workspace, prEvent(repo, pull), {
      'fail-on': 'sometimes',
    });
    expect(badInput.code).toBe(2);
    expect(badInput.stdout).toContain(
      '::error title=egress-lint::input `fail-on` must be one of error, warning, info, never (got "sometimes")',
    );
    const push = await runAction(repo, workspace, { name: 'push', payload: {}, sha: headSha });
    expect(push.code).toBe(2);
    expect(push.stdout).toContain('checks pull_request and merge_group events, not push');
    expect(badInput.stderr + push.stderr).toBe('');
    expect(github.requests).toEqual([]);
    expect(existsSync(MAIN)).toBe(true);
  });
});
