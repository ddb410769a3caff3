/**
 * The writes that must happen exactly once, whatever the network does. A POST whose reply is lost
 * (a 502 after GitHub performed it, a connection cut) looks like a failure but made the object; posting
 * again would make a second one. So every attempt first looks for what an earlier attempt may have
 * made — our check run by name and external id, our comment by its marker — and only then posts.
 * Updates (PATCH) are idempotent and are simply retried, except annotations, which GitHub appends:
 * a retry first counts what the run has. Reactions are idempotent on GitHub's side.
 */
import { CHECK_RUN_NAME } from '../report/check-run.js';
import type {
  AppIdentity,
  CheckRunCreate,
  CheckRunCreated,
  CheckRunUpdate,
  GitHubApi,
  IssueComment,
  ReactionContent,
} from './github.js';
import { withRetries, type RetryPolicy } from './retry.js';

export interface CheckRunTarget {
  headSha: string;
  /** What the run belongs to (the webhook delivery): a retry or a redelivery finds its run by it. */
  externalId: string;
  /**
   * A durable job taken up again after its replica died: a run under the same delivery is that
   * attempt's, even when completed (it may have died between completing the run and recording it).
   */
  resumed?: boolean;
  /**
   * The run an earlier check of the same head and base opened and did not see through (see
   * TurnGrant.unsettledRun): taken up, completed or not.
   */
  takeUp?: number;
}

/** A run a check reports into, and whether it already carried a verdict when the check took it up. */
export type OpenedCheckRun = CheckRunCreated & { alreadyCompleted: boolean };

/**
 * This app's unfinished run for the target (or one an attempt that died left on the commit), or a new
 * `in_progress` one. A completed run with the same external id is left alone, unless the attempt is
 * resumed: a redelivery after a finished (failed) check gets a fresh run, as Re-run does, but a job
 * resumed after a crash completes its own run again rather than adding a second to the commit. A
 * completed run is also taken up when the turn names it (`takeUp`): an earlier check of the same head
 * and base opened it and did not see it through (it died after completing the run, or failed), so
 * the commit keeps one run; taken up completed, it keeps that state should this check fail too.
 */
export async function openCheckRun(
  gh: GitHubApi,
  policy: RetryPolicy,
  target: CheckRunTarget,
): Promise<OpenedCheckRun> {
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
      runs.find(
        (r) => r.externalId === target.externalId && (target.resumed || r.status !== 'completed'),
      ) ??
      runs.find((r) => r.id === target.takeUp) ??
      runs.find((r) => r.status !== 'completed');
    if (open) return { ...open, alreadyCompleted: open.status === 'completed' };
    return { ...(await gh.createCheckRun(body, { signal })), alreadyCompleted: false };
  });
}

/**
 * Sends a check-run update that carries annotations, so that they land once. GitHub appends an
 * update's annotations to the run's ("Each time you update the check run, annotations are appended",
 * REST docs, Update a check run): a retry after a lost reply would add them again. So a retry first
 * reads the run's count; at `countAfter` the earlier attempt landed, and only the rest is sent.
 */
export function updateCheckRunAnnotationsOnce(
  gh: GitHubApi,
  policy: RetryPolicy,
  id: number,
  body: CheckRunUpdate,
  countAfter: number,
): Promise<void> {
  const carries = withoutAnnotations(body) !== body;
  return withRetries(policy, async ({ attempt, signal }) => {
    const landed =
      carries &&
      attempt > 0 &&
      (await gh.getCheckRunAnnotationsCount(id, { signal })) >= countAfter;
    await gh.updateCheckRun(id, landed ? withoutAnnotations(body) : body, { signal });
  });
}

/** The update without its annotations; the same object when it has none. */
function withoutAnnotations(body: CheckRunUpdate): CheckRunUpdate {
  const { annotations, ...output } = (body.output ?? {}) as { annotations?: unknown[] };
  if (!annotations?.length) return body;
  return { ...body, output } as CheckRunUpdate;
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

/** A comment of ours (made by this app: anyone can paste a marker into theirs) that carries `marker`. */
export async function findMarkedComment(
  gh: GitHubApi,
  number: number,
  marker: string,
  identity: AppIdentity | undefined,
): Promise<IssueComment | undefined> {
  return (await gh.listIssueComments(number)).find(
    (c) => c.body.includes(marker) && isOurs(c, identity),
  );
}

function isOurs(c: IssueComment, app: AppIdentity | undefined): boolean {
  if (c.userType !== 'Bot') return false;
  if (!app) return true;
  return c.appId === app.id || (app.slug !== '' && c.userLogin === `${app.slug}[bot]`);
}

/**
 * A one-off reply to a command comment, posted once however often the command's delivery is handled
 * (a retry, a redelivery, another replica): it carries a marker naming the command comment, and is
 * looked for before every post.
 */
export async function replyOnce(
  gh: GitHubApi,
  policy: RetryPolicy,
  args: { number: number; commandCommentId: number; body: string },
): Promise<'created' | 'found'> {
  const marker = `<!-- egress-lint:reply-to:${args.commandCommentId} -->`;
  const posted = await createCommentOnce(gh, policy, {
    number: args.number,
    body: `${args.body}\n\n${marker}`,
    lookFirst: true,
    find: () => findMarkedComment(gh, args.number, marker, undefined),
  });
  return 'created' in posted ? 'created' : 'found';
}

/** A reaction, retried like the other writes: GitHub answers 200 when it is there already. */
export function reactOnce(
  gh: GitHubApi,
  policy: RetryPolicy,
  commentId: number,
  content: ReactionContent,
): Promise<void> {
  return withRetries(policy, ({ signal }) => gh.createReaction(commentId, content, { signal }));
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
