/**
 * What a checked pull request leaves at the API double, asserted the same way for every surface that
 * checks one (the App over HTTP in test/app/e2e.test.ts, the Action in test/action/action.test.ts).
 */
import { expect } from 'vitest';
import { STICKY_COMMENT_MARKER } from '../../src/report/markdown.js';
import { until } from './net.js';
import type { FakeCheckRun, FakeComment, FakePull, FakeRepo } from './fake-github.js';

/** The seed policy (fixtures/seeds/asm-http) with its HTTP port broken: 99999 is no port. */
export function breakPolicyPort(policy: string): { text: string; line: number } {
  const text = policy.replace('number: 80', 'number: 99999');
  return { text, line: text.split('\n').findIndex((l) => l.includes('99999')) + 1 };
}

/**
 * The check run failed with one annotation on the broken line, and the sticky comment shows the
 * verdict, the removed resources, who loses access and the flowchart; both come from `author`.
 */
export async function expectBlockedPullRequest(
  repo: FakeRepo,
  pull: FakePull,
  broken: { path: string; line: number },
  author: string,
): Promise<{ run: FakeCheckRun; comment: FakeComment }> {
  const run = await until('the completed check run', () =>
    repo.checkRunsFor(pull.headSha).find((r) => r.status === 'completed'),
  );
  expect(run.name).toBe('egress-lint');
  expect(run.conclusion).toBe('failure');
  expect(run.annotations).toEqual([
    expect.objectContaining({
      path: broken.path,
      start_line: broken.line,
      annotation_level: 'failure',
    }),
  ]);
  const comment = await until('the comment', () => repo.commentsOn(pull.number)[0]);
  expect(comment.body.startsWith(STICKY_COMMENT_MARKER)).toBe(true);
  expect(comment.body).toContain('egress-lint: blocked');
  // The broken policy no longer renders, so the comment lists its Istio resources as removed.
  expect(comment.body).toMatch(/\| removed \| <code>VirtualService<\/code> \|/);
  // ...and who loses access: the simulator's verdicts for base and head, with a flowchart.
  expect(comment.body).toContain('#### Access changes');
  expect(comment.body).toMatch(
    /<code>mytest\\\/app\\=sleep\\-a<\/code> \| <code>http\\:\\\/\\\/www\\\.httpbin\\\.org\\:80<\/code> \|/,
  );
  expect(comment.body).toContain('```mermaid\nflowchart LR');
  expect(comment.user).toEqual({ login: author, type: 'Bot' });
  return { run, comment };
}
