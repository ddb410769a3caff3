/**
 * Which run openCheckRun settles on: ours by delivery, an unfinished one a dead attempt left, or a
 * new one. A resumed job must not add a second run when its dead attempt had already completed one.
 */
import { describe, expect, it } from 'vitest';
import type { CheckRunFound, GitHubApi } from '../../src/app/github.js';
import type { RetryPolicy } from '../../src/app/retry.js';
import { openCheckRun } from '../../src/app/writes.js';

const policy: RetryPolicy = {
  initialDelayMs: 1,
  maxDelayMs: 1,
  giveUpAfterMs: 100,
  attemptTimeoutMs: 100,
  retryAfterUnitMs: 1,
};

function githubWith(runs: CheckRunFound[]): { gh: GitHubApi; created: number[] } {
  const created: number[] = [];
  const gh = {
    listCheckRuns: () => Promise.resolve(runs),
    createCheckRun: () => {
      created.push(100 + created.length);
      return Promise.resolve({ id: created.at(-1)!, htmlUrl: 'https://example.test/run' });
    },
  } as unknown as GitHubApi;
  return { gh, created };
}

const run = (id: number, externalId: string, status: string): CheckRunFound => ({
  id,
  htmlUrl: `https://example.test/${id}`,
  startedAt: undefined,
  status,
  externalId,
});

describe('openCheckRun', () => {
  it('a resumed job takes up the run its dead attempt completed, instead of adding a second', async () => {
    const { gh, created } = githubWith([run(7, 'delivery-1', 'completed')]);
    const opened = await openCheckRun(gh, policy, {
      headSha: 'abc',
      externalId: 'delivery-1',
      resumed: true,
    });
    expect(opened.id).toBe(7);
    expect(created).toEqual([]);
  });

  it('a redelivery (not resumed) after a completed check gets a fresh run, as Re-run does', async () => {
    const { gh, created } = githubWith([run(7, 'delivery-1', 'completed')]);
    const opened = await openCheckRun(gh, policy, { headSha: 'abc', externalId: 'delivery-1' });
    expect(opened.id).toBe(100);
    expect(created).toEqual([100]);
  });

  it('a resumed job leaves another delivery’s completed run alone', async () => {
    const { gh, created } = githubWith([run(7, 'delivery-0', 'completed')]);
    await openCheckRun(gh, policy, { headSha: 'abc', externalId: 'delivery-1', resumed: true });
    expect(created).toEqual([100]);
  });

  it('takes up the completed run the turn names (its check died before settling it), not another', async () => {
    const runs = [run(6, 'delivery-a', 'completed'), run(7, 'delivery-0', 'completed')];
    const { gh, created } = githubWith(runs);
    const target = { headSha: 'abc', externalId: 'delivery-1', takeUp: 7 };
    const opened = await openCheckRun(gh, policy, target);
    expect(opened).toMatchObject({ id: 7, alreadyCompleted: true });
    expect(created).toEqual([]);
  });

  it('takes over an unfinished run a dead attempt left on the commit', async () => {
    const { gh, created } = githubWith([run(7, 'delivery-0', 'in_progress')]);
    const opened = await openCheckRun(gh, policy, { headSha: 'abc', externalId: 'delivery-1' });
    expect(opened.id).toBe(7);
    expect(created).toEqual([]);
  });
});
