/**
 * Real webhook payloads (GitHub's examples in @octokit/webhooks-examples), pointed at a repository of
 * the API double. Where GitHub's examples lack something we need, it is added and said so:
 * - issue_comment examples are all on plain issues: `issue.pull_request` is added;
 * - pull_request examples carry no installation in some variants: it is set;
 * - check_run.rerequested examples list no pull requests (like a fork's): tests add them when needed.
 */
import { createRequire } from 'node:module';
import { createHmac } from 'node:crypto';
import type { FakePull, FakeRepo } from './fake-github.js';

const require = createRequire(import.meta.url);
interface ExampleGroup {
  name: string;
  examples: Record<string, unknown>[];
}
const EXAMPLES = require('@octokit/webhooks-examples/api.github.com/index.json') as ExampleGroup[];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function example(event: string, action: string, pick: (e: Json) => boolean = () => true): Json {
  const found = EXAMPLES.find((g) => g.name === event)?.examples.filter(
    (e) => e.action === action && pick(e as Json),
  );
  if (!found?.length) throw new Error(`no example for ${event}.${action}`);
  return structuredClone(found[found.length - 1]) as Json;
}

function pointAt(payload: Json, repo: FakeRepo, installationId: number): Json {
  payload.repository = {
    ...payload.repository,
    id: repo.id,
    name: repo.name,
    full_name: repo.fullName,
    html_url: repo.htmlUrl,
    owner: { ...payload.repository.owner, login: repo.owner },
  };
  payload.installation = {
    id: installationId,
    node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==',
  };
  return payload;
}

export function pullRequestEvent(
  action: 'opened' | 'synchronize' | 'reopened' | 'ready_for_review' | 'closed' | 'edited',
  repo: FakeRepo,
  pull: FakePull,
  installationId = 1,
  changes: Json = {},
): Json {
  // GitHub's examples have no `edited` pull request: an `opened` one, with the action and `changes`.
  const payload = pointAt(
    example('pull_request', action === 'edited' ? 'opened' : action),
    repo,
    installationId,
  );
  if (action === 'edited') Object.assign(payload, { action, changes });
  payload.number = pull.number;
  const pr = payload.pull_request;
  pr.number = pull.number;
  pr.state = action === 'closed' ? 'closed' : 'open';
  pr.html_url = `${repo.htmlUrl}/pull/${pull.number}`;
  pr.head = {
    ...pr.head,
    sha: pull.headSha,
    ref: pull.headRef,
    repo: { ...pr.head.repo, id: pull.headRepoId, full_name: pull.headRepoFullName },
  };
  pr.base = {
    ...pr.base,
    sha: pull.baseSha,
    ref: pull.baseRef,
    repo: { ...pr.base.repo, id: repo.id, full_name: repo.fullName },
  };
  return payload;
}

export function issueCommentEvent(
  repo: FakeRepo,
  issueNumber: number,
  body: string,
  user: { login: string; type?: 'User' | 'Bot'; appId?: number },
  installationId = 1,
): Json {
  const payload = pointAt(
    example('issue_comment', 'created', (e) => !!e.installation),
    repo,
    installationId,
  );
  payload.issue.number = issueNumber;
  // GitHub's examples are comments on issues; on a pull request the issue carries this object.
  payload.issue.pull_request = {
    url: `https://api.github.test/repos/${repo.fullName}/pulls/${issueNumber}`,
    html_url: `${repo.htmlUrl}/pull/${issueNumber}`,
    diff_url: `${repo.htmlUrl}/pull/${issueNumber}.diff`,
    patch_url: `${repo.htmlUrl}/pull/${issueNumber}.patch`,
    merged_at: null,
  };
  payload.comment.id = 900_000 + repo.comments.length;
  // The comment exists on GitHub by the time the webhook arrives (reactions need it).
  repo.comments.push({
    id: payload.comment.id,
    issueNumber,
    body,
    user: { login: user.login, type: user.type ?? 'User' },
    ...(user.appId ? { appId: user.appId } : {}),
  });
  payload.comment.body = body;
  payload.comment.user = { ...payload.comment.user, login: user.login, type: user.type ?? 'User' };
  payload.comment.performed_via_github_app = user.appId
    ? { id: user.appId, slug: 'some-app', name: 'some-app' }
    : null;
  payload.sender = { ...payload.sender, login: user.login, type: user.type ?? 'User' };
  return payload;
}

export function plainIssueCommentEvent(
  repo: FakeRepo,
  issueNumber: number,
  body: string,
  login: string,
): Json {
  const payload = issueCommentEvent(repo, issueNumber, body, { login });
  delete payload.issue.pull_request;
  return payload;
}

export function checkRunRerequestedEvent(
  repo: FakeRepo,
  headSha: string,
  name: string,
  pulls: FakePull[] = [],
  installationId = 1,
): Json {
  const payload = pointAt(example('check_run', 'rerequested'), repo, installationId);
  payload.check_run.name = name;
  payload.check_run.head_sha = headSha;
  payload.check_run.check_suite.head_sha = headSha;
  payload.check_run.pull_requests = pulls.map((p) => ({
    url: `https://api.github.test/repos/${repo.fullName}/pulls/${p.number}`,
    id: p.number,
    number: p.number,
    head: { ref: p.headRef, sha: p.headSha, repo: { id: p.headRepoId, url: '', name: repo.name } },
    base: { ref: p.baseRef, sha: p.baseSha, repo: { id: repo.id, url: '', name: repo.name } },
  }));
  return payload;
}

export function checkSuiteRerequestedEvent(
  repo: FakeRepo,
  pull: FakePull,
  installationId = 1,
): Json {
  const payload = pointAt(example('check_suite', 'rerequested'), repo, installationId);
  payload.check_suite.head_sha = pull.headSha;
  payload.check_suite.pull_requests = [
    {
      ...payload.check_suite.pull_requests[0],
      number: pull.number,
      head: {
        ref: pull.headRef,
        sha: pull.headSha,
        repo: { id: pull.headRepoId, url: '', name: repo.name },
      },
      base: {
        ref: pull.baseRef,
        sha: pull.baseSha,
        repo: { id: repo.id, url: '', name: repo.name },
      },
    },
  ];
  return payload;
}

/** A merge queue asks for checks on a group: its head commit, to land on `baseSha`. */
export function mergeGroupEvent(
  repo: FakeRepo,
  baseSha: string,
  headSha: string,
  installationId = 1,
): Json {
  const payload = pointAt(example('merge_group', 'checks_requested'), repo, installationId);
  Object.assign(payload.merge_group, {
    head_sha: headSha,
    base_sha: baseSha,
    head_ref: `refs/heads/gh-readonly-queue/main/pr-1-${baseSha}`,
    base_ref: 'refs/heads/main',
  });
  return payload;
}

/** The X-Hub-Signature-256 header GitHub sends for a body. */
export function signature256(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
