/**
 * The writes that must happen exactly once, whatever the network does. A POST whose reply is lost
 * (a 502 after GitHub performed it, a connection cut) looks like a failure but made the object; posting
 * again would make a second one. So every attempt first looks for what an earlier attempt may have
 * made — our check run by name and external id, our comment by its marker — and only then posts.
 * Updates (PATCH) are idempotent and are simply retried.
 */
import { CHECK_RUN_NAME } from '../report/check-run.js';
import type { CheckRunCreate, CheckRunCreated, CheckRunUpdate, GitHubApi } from './github.js';
import { withRetries, type RetryPolicy } from './retry.js';

export interface CheckRunTarget {
  headSha: string;
  /** What the run belongs to (the webhook delivery): a retry or a redelivery finds its run by it. */
  externalId: string;
}

/**
 * This app's unfinished run for the target (or one an attempt that died left on the commit), or a new
 * `in_progress` one. A completed run with the same
 * external id is left alone: a redelivery after a finished (failed) check gets a fresh run, as Re-run does.
 */
export async function openCheckRun(
  gh: GitHubApi,
  policy: RetryPolicy,
  target: CheckRunTarget,
): Promise<CheckRunCreated> {
  const body: Omit<CheckRunCreate, 'owner' | 'repo'> = {
    name: CHECK_RUN_NAME,
    head_sha: target.headSha,
    status: 'in_progress',
    started_at: new Date().toISOString(),
    external_id: target.externalId,
  };
  return withRetries(policy, async ({ signal }) => {
    const runs = await gh.listCheckRuns(target.headSha, CHECK_RUN_NAME, { signal });
    // Ours first (a retry or redelivery); else any unfinished run of this app on the commit. Checks of
    // one pull request take turns, so an unfinished run found now was left by an attempt that died
    // (a killed replica, a restart): taking it over keeps the commit at one run.
    const open =
      runs.find((r) => r.externalId === target.externalId && r.status !== 'completed') ??
      runs.find((r) => r.status !== 'completed');
    return open ?? (await gh.createCheckRun(body, { signal }));
  });
}

/** Sends a check-run update until GitHub takes it (or the give-up time passes). */
export function updateCheckRunReliably(
  gh: GitHubApi,
  policy: RetryPolicy,
  id: number,
  body: CheckRunUpdate,
): Promise<void> {
  return withRetries(policy, ({ signal }) => gh.updateCheckRun(id, body, { signal }));
}

/**
 * Posts a comment once. `find` returns our comment if one exists (an earlier attempt's, whose reply was
 * lost, or another process's); then nothing is posted. `lookFirst` is false only when the caller has
 * just looked itself.
 */
export function createCommentOnce<C extends { id: number }>(
  gh: GitHubApi,
  policy: RetryPolicy,
  args: { number: number; body: string; lookFirst: boolean; find: () => Promise<C | undefined> },
): Promise<{ found: C } | { created: number }> {
  return withRetries(policy, async ({ attempt, signal }) => {
    const found = attempt > 0 || args.lookFirst ? await args.find() : undefined;
    if (found !== undefined) return { found };
    return { created: await gh.createIssueComment(args.number, args.body, { signal }) };
  });
}
