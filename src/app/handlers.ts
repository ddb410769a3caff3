/**
 * Webhook events -> plain calls. Each handler takes what Probot gives it (payload, an installation
 * client, a logger, the delivery id), decides whether the event concerns us, and runs the pull
 * request refresh through the per-pull-request queue. One log line per handled event says what it
 * cost: delivery, repository, pull request, files read, API calls, duration.
 */
import type { Context, Logger, ProbotOctokit } from 'probot';
import { CHECK_RUN_NAME } from '../report/check-run.js';
import type { LoadResult } from '../load/load.js';
import { LoadingCache, LruCache } from './cache.js';
import { cachingLoader } from './load-cache.js';
import {
  canRunCommands,
  helpReply,
  notAllowedReply,
  parseCommand,
  permissionUnknownReply,
} from './commands.js';
import type { PullRequestReporter } from './evaluate.js';
import { describeFailure } from './failures.js';
import {
  GitHubApi,
  type Permission,
  type PullRequestInfo,
  type RepoRef,
  type TreeFile,
} from './github.js';
import {
  cancelInterruptedRun,
  checkMergeGroup,
  refreshPullRequest,
  type RefreshCaches,
  type RefreshDeps,
  type RefreshOutcome,
} from './refresh.js';
import { inProcessOpenRuns, type OpenRuns } from './open-runs.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
import type { SweepOptions } from './sweep.js';
import { reactOnce, replyOnce } from './writes.js';
import {
  CheckDeadline,
  CpuTurns,
  DeliveryLog,
  inProcessTurns,
  Semaphore,
  type PullRequestTurn,
  type PullRequestTurns,
  type TurnGrant,
} from './serial.js';

export interface AppOptions<D> {
  reporter: PullRequestReporter<D>;
  /** Bytes of file content kept across events (default 32 MiB). */
  blobCacheBytes?: number;
  /** Selected tree entries kept across events (default 100,000). */
  treeCacheEntries?: number;
  /**
   * Resources (loaded and rendered) of the base analyses kept, one per distinct base file set: about
   * 9 KB of heap each once linted and compared, so the budget holds in bytes whatever the repository's
   * size (default 10,000, about 90 MB: two bases of a 200-policy repository, 4,800 resources each).
   */
  analysisCacheResources?: number;
  /** Files whose load results are kept (default 10,000; about 9 KB of heap each for a typical policy). */
  loadCacheFiles?: number;
  /**
   * Pull requests checked at the same time, across all events (default 8): their GitHub calls overlap,
   * their analyses take turns on the one thread (CpuTurns), so more admitted costs little memory.
   */
  maxConcurrentChecks?: number;
  /** How long one event may talk to GitHub before its check run is failed (default 5 minutes). */
  deadlineMs?: number;
  /** Retries of check-run and comment writes (default: retry.ts, ten minutes; tests shrink it). */
  retry?: Partial<RetryPolicy>;
  /** Completing abandoned check runs at start-up and periodically (sweep.ts); off unless given. */
  sweep?: SweepOptions;
  /** Where checks of one pull request take turns (default: in this process, in arrival order). */
  turns?: PullRequestTurns;
  /** Where the runs opened and not yet completed are remembered for the sweep (default: in this process). */
  openRuns?: OpenRuns;
}

export interface AppState<D> {
  reporter: PullRequestReporter<D>;
  caches: RefreshCaches;
  turns: PullRequestTurns;
  checks: Semaphore;
  /** The process's thread, which analyses take in turns. */
  cpu: CpuTurns;
  deliveries: DeliveryLog;
  deadlineMs: number;
  retry: RetryPolicy;
  openRuns: OpenRuns;
}

export function createAppState<D>(options: AppOptions<D>): AppState<D> {
  return {
    reporter: options.reporter,
    caches: {
      blobs: new LoadingCache<string, Uint8Array>(
        options.blobCacheBytes ?? 32 * 1024 * 1024,
        (b) => b.byteLength,
      ),
      trees: new LoadingCache<string, TreeFile[]>(options.treeCacheEntries ?? 100_000, (files) =>
        Math.max(1, files.length),
      ),
      configs: new LoadingCache<string, { text: string } | null>(1_000),
      stickyComments: new LruCache(10_000),
      analyses: new LruCache(
        options.analysisCacheResources ?? 10_000,
        (a) => a.stats.resources + a.render.resources.length,
      ),
      load: cachingLoader(new LruCache<string, LoadResult>(options.loadCacheFiles ?? 10_000)),
    },
    turns: options.turns ?? inProcessTurns(),
    checks: new Semaphore(options.maxConcurrentChecks ?? 8),
    cpu: new CpuTurns(),
    deliveries: new DeliveryLog(),
    deadlineMs: options.deadlineMs ?? 5 * 60 * 1000,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    openRuns: options.openRuns ?? inProcessOpenRuns(),
  };
}

/** What a handler needs from Probot's context: the delivery, a client for its installation, a logger. */
export interface EventContext<P> {
  id: string;
  name: string;
  payload: P;
  octokit: ProbotOctokit;
  log: Logger;
  /** An earlier attempt at this delivery was cut short (a retry, or its replica died). */
  resumed?: boolean;
  /** Which attempt at the delivery this is (durable jobs are retried), for the log. */
  attempt?: number;
  /**
   * Records the delivery as handled where a later attempt looks (durable: Redis). Called before the
   * line that says it was handled, so an attempt taken up after that line finds the record.
   */
  recordHandled?: () => Promise<void>;
  /**
   * Aborts when this attempt's work was taken away (durable: its BullMQ job lock was lost, so another
   * worker may run the same job now): from then on it writes nothing to GitHub.
   */
  jobLost?: AbortSignal;
}

/** The log line of an event handled to completion: one per delivery, whatever retries happen. */
export const EVENT_HANDLED = 'egress-lint: event handled';
/** An attempt that failed; a retry (durable) or a redelivery handles the event again. */
export const ATTEMPT_FAILED = 'egress-lint: event attempt failed';
/** An attempt taken up after an earlier one had handled the delivery (its replica died, or lost the job). */
export const ALREADY_HANDLED = 'egress-lint: delivery already handled by an earlier attempt';

type PullRequestEvent = Context<
  | 'pull_request.opened'
  | 'pull_request.synchronize'
  | 'pull_request.reopened'
  | 'pull_request.ready_for_review'
  | 'pull_request.edited'
>;
type CheckRunEvent = Context<'check_run.rerequested'>;
type CheckSuiteEvent = Context<'check_suite.rerequested'>;
type IssueCommentEvent = Context<'issue_comment.created'>;
type MergeGroupEvent = Context<'merge_group.checks_requested'>;

interface EventRun {
  gh: GitHubApi;
  /** Fields for the event's log line. */
  log: Record<string, unknown>;
  /** Set to false when the handling failed and a redelivery should be handled again. */
  ok: boolean;
  /** Checks the event ran in a turn, and how many of them an earlier attempt had already finished. */
  turns: number;
  turnsDoneBefore: number;
}

/**
 * What became of an event: not ours to handle, a delivery already handled (or being handled), handled,
 * or failed (a redelivery or a retry should handle it again).
 */
export type Handled = 'ignored' | 'duplicate' | 'done' | 'failed';

/** Dedupe by delivery id, set up the event's GitHub client and deadline, and log what it cost. */
async function handleEvent<P extends { repository?: { owner: { login: string }; name: string } }>(
  state: AppState<unknown>,
  ctx: EventContext<P>,
  body: (run: EventRun) => Promise<void>,
): Promise<Handled> {
  const repository = ctx.payload.repository;
  if (!repository) return 'ignored';
  if (!state.deliveries.begin(ctx.id)) {
    ctx.log.info(
      { delivery: ctx.id, event: ctx.name },
      'egress-lint: delivery already handled; ignored',
    );
    return 'duplicate';
  }
  const started = performance.now();
  const action = (ctx.payload as { action?: string }).action;
  const repo: RepoRef = { owner: repository.owner.login, repo: repository.name };
  const gh = new GitHubApi(
    ctx.octokit,
    repo,
    AbortSignal.timeout(state.deadlineMs),
    undefined,
    ctx.jobLost,
  );
  const run: EventRun = { gh, log: {}, ok: true, turns: 0, turnsDoneBefore: 0 };
  try {
    await body(run);
  } catch (e) {
    run.ok = false;
    run.log.result = 'error';
    ctx.log.error({ err: e, delivery: ctx.id }, 'egress-lint: event failed');
  }
  const doneBefore = run.turns > 0 && run.turnsDoneBefore === run.turns;
  if (run.ok) await recordHandled(ctx);
  state.deliveries.finish(ctx.id, run.ok);
  ctx.log.info(
    {
      delivery: ctx.id,
      event: action ? `${ctx.name}.${action}` : ctx.name,
      repo: `${repo.owner}/${repo.repo}`,
      ...(ctx.attempt !== undefined ? { attempt: ctx.attempt } : {}),
      ...run.log,
      apiCalls: run.gh.stats.apiCalls,
      durationMs: Math.round(performance.now() - started),
    },
    !run.ok ? ATTEMPT_FAILED : doneBefore ? ALREADY_HANDLED : EVENT_HANDLED,
  );
  return run.ok ? 'done' : 'failed';
}

/**
 * The record comes before the log line: an attempt taken up between the two finds it and says so,
 * rather than handling the delivery a second time. Failing to write it fails nothing: the work is done,
 * and at worst a later attempt finds that out from GitHub and the turn's own record (redis-turns.ts).
 */
async function recordHandled(ctx: EventContext<unknown>): Promise<void> {
  try {
    await ctx.recordHandled?.();
  } catch (e) {
    ctx.log.warn(
      { err: e, delivery: ctx.id },
      'egress-lint: could not record the delivery as handled; a retry would find its work done',
    );
  }
}

/**
 * What a queued check needs: everything but its own deadline, which starts when its turn comes, and
 * what its turn grants (see PullRequestTurns).
 */
type CheckJob<D> = (deps: RefreshDeps<D>, grant: TurnGrant) => Promise<RefreshOutcome>;

/** Run one check in its turn, and fold the outcome into the event's log line. */
async function checkInTurn<D>(
  state: AppState<D>,
  ctx: EventContext<unknown>,
  run: EventRun,
  subject: Pick<PullRequestTurn, 'pullRequest' | 'recheck'> & { key: string },
  job: CheckJob<D>,
): Promise<RefreshOutcome> {
  // Per pull request (or merge group) one at a time; across them, a bounded number at once. The
  // deadline starts when the check does, not while it waits its turn, and a lost turn ends it too.
  const key = `${run.gh.repo.owner}/${run.gh.repo.repo}${subject.key}`;
  let clock: CheckDeadline | undefined;
  let checkStarted: number | undefined;
  const outcome = await state.turns.run(
    { ...subject, key, gh: run.gh, delivery: ctx.id },
    (grant) =>
      state.checks.run(() => {
        checkStarted = performance.now();
        const own = (clock = new CheckDeadline(state.deadlineMs));
        const untrack = state.cpu.track(own);
        const deadline = grant.lost ? AbortSignal.any([own.signal, grant.lost]) : own.signal;
        // A lost turn or job lock: someone else may be writing this pull request now, so this stops.
        const lost = [grant.lost, ctx.jobLost].filter((x) => x !== undefined);
        const deps: RefreshDeps<D> = {
          gh: run.gh.withDeadline(deadline, lost.length > 0 ? AbortSignal.any(lost) : undefined),
          caches: state.caches,
          reporter: state.reporter,
          deadline,
          retry: state.retry,
          openRuns: state.openRuns,
          log: ctx.log,
          analyse: (work) => own.paused(() => state.cpu.run(work)),
        };
        return job(deps, grant).finally(() => {
          untrack();
          own.dispose();
        });
      }),
  );
  const { error, ...fields } = outcome;
  Object.assign(run.log, fields);
  run.turns++;
  if (outcome.result === 'already-handled') run.turnsDoneBefore++;
  // The check's own time (after its turn came), and how much of it counted against the deadline.
  if (checkStarted !== undefined) run.log.checkMs = Math.round(performance.now() - checkStarted);
  if (clock) run.log.deadlineUsedMs = Math.round(clock.usedMs);
  if (error !== undefined) {
    run.ok = false;
    ctx.log.error(
      { err: error, delivery: ctx.id, reason: describeFailure(error, clock?.signal) },
      `egress-lint: ${failureSummary(outcome)}`,
    );
  }
  return outcome;
}

/** The log's one-line account of a failed check: where the check run was left, truthfully. */
function failureSummary(outcome: RefreshOutcome): string {
  if (outcome.checkRun === 'not-created')
    return 'no check run could be created; GitHub refused every attempt';
  if (outcome.checkRun === 'kept')
    return 'check failed; its check run keeps the verdict it already had';
  if (outcome.checkRun === 'in-progress')
    return 'check failed and its check run could not be completed; the sweep will complete it';
  if (outcome.result === 'error') return 'check failed; its check run says so';
  return 'comment failed; the check run is complete';
}

/**
 * Refresh one pull request in its turn. `requested`: comment whatever the comment mode says;
 * `recheck`: someone asked (`/egress render`, Re-run), so commits already checked are checked again.
 */
async function refreshInTurn<D>(
  state: AppState<D>,
  ctx: EventContext<unknown>,
  run: EventRun,
  pr: Pick<PullRequestInfo, 'number' | 'headSha' | 'baseSha'>,
  repoUrl: string,
  asked: { requested: boolean; recheck: boolean; sharedDelivery?: boolean },
): Promise<RefreshOutcome> {
  run.log.pr = [...((run.log.pr as number[] | undefined) ?? []), pr.number];
  run.log.headSha = pr.headSha;
  const subject = { key: `#${pr.number}`, pullRequest: pr, recheck: asked.recheck };
  // The turn's deadline (`lost`) is in deps; the rest it grants, the refresh takes as it is.
  const outcome = await checkInTurn(state, ctx, run, subject, (deps, { lost: _lost, ...granted }) =>
    refreshPullRequest(deps, {
      pullRequest: pr,
      repoUrl,
      deliveryId: ctx.id,
      // A delivery for several pull requests (Re-run on a commit two of them share) cannot tell
      // their runs apart by delivery id, so none takes up a completed run.
      ...(ctx.resumed && !asked.sharedDelivery ? { resumed: true } : {}),
      requested: asked.requested,
      ...granted,
    }),
  );
  // Decided without a check: an interrupted earlier attempt may have left its run open.
  if (ctx.resumed && !outcome.reportedTo && outcome.error === undefined) {
    const target = { headSha: pr.headSha, externalId: ctx.id };
    const deps = { gh: run.gh, retry: state.retry, openRuns: state.openRuns, log: ctx.log };
    if (await cancelInterruptedRun(deps, target, outcome.result)) run.log.cancelledRun = true;
  }
  return outcome;
}

/**
 * The repository's web address, for links. Webhooks carry it, but a payload without it must not
 * fail the check: it is the API's host without `api.` (github.com) or without `/api/v3` (GHES).
 */
export function repositoryUrl(
  repository: { html_url?: string | null },
  repo: RepoRef,
  apiBaseUrl: string,
): string {
  if (repository.html_url) return repository.html_url;
  const api = new URL(apiBaseUrl);
  const host = api.hostname === 'api.github.com' ? 'github.com' : api.host;
  return `${api.protocol}//${host}/${repo.owner}/${repo.repo}`;
}

function repoUrlOf(
  ctx: EventContext<{ repository?: { html_url?: string | null } }>,
  gh: GitHubApi,
): string {
  const apiBase = String(ctx.octokit.request.endpoint.DEFAULTS.baseUrl);
  return repositoryUrl(ctx.payload.repository ?? {}, gh.repo, apiBase);
}

export async function onPullRequest<D>(
  state: AppState<D>,
  ctx: EventContext<PullRequestEvent['payload']>,
): Promise<Handled> {
  const pr = ctx.payload.pull_request;
  if (pr.state !== 'open') return 'ignored';
  // An edit matters only when it moves the pull request to another base branch (new base config, new diff).
  if (ctx.payload.action === 'edited' && !ctx.payload.changes.base) return 'ignored';
  return handleEvent(state, ctx, async (run) => {
    await refreshInTurn(
      state,
      ctx,
      run,
      { number: pr.number, headSha: pr.head.sha, baseSha: pr.base.sha },
      repoUrlOf(ctx, run.gh),
      { requested: false, recheck: false },
    );
  });
}

/** A merge queue asks for checks on a merge group: a check run on the group's head commit. */
export async function onMergeGroup<D>(
  state: AppState<D>,
  ctx: EventContext<MergeGroupEvent['payload']>,
): Promise<Handled> {
  const group = ctx.payload.merge_group;
  return handleEvent(state, ctx, async (run) => {
    run.log.headSha = group.head_sha;
    run.log.mergeGroup = group.head_ref;
    const repoUrl = repoUrlOf(ctx, run.gh);
    const subject = { key: `@${group.head_ref}`, recheck: true };
    await checkInTurn(state, ctx, run, subject, (deps) =>
      checkMergeGroup(deps, {
        headSha: group.head_sha,
        baseSha: group.base_sha,
        repoUrl,
        deliveryId: ctx.id,
        ...(ctx.resumed ? { resumed: true } : {}),
      }),
    );
  });
}

/** The Re-run button: on our check run, or on the check suite it belongs to. */
export async function onCheckRerequested<D>(
  state: AppState<D>,
  ctx: EventContext<CheckRunEvent['payload'] | CheckSuiteEvent['payload']>,
): Promise<Handled> {
  const payload = ctx.payload;
  const subject = 'check_run' in payload ? payload.check_run : payload.check_suite;
  if ('check_run' in payload && payload.check_run.name !== CHECK_RUN_NAME) return 'ignored';
  const headSha = subject.head_sha;
  return handleEvent(state, ctx, async (run) => {
    const repoId = payload.repository.id;
    // GitHub lists only same-repository pull requests here; a fork's must be looked up.
    const listed = (subject.pull_requests ?? [])
      .filter((p) => p.base.repo.id === repoId)
      .map((p) => ({ number: p.number, headSha: p.head.sha, baseSha: p.base.sha }));
    const prs = listed.length > 0 ? listed : await run.gh.findPullRequestsForCommit(headSha);
    run.log.headSha = headSha;
    for (const pr of prs) {
      await refreshInTurn(
        state,
        ctx,
        run,
        { number: pr.number, headSha, baseSha: pr.baseSha },
        repoUrlOf(ctx, run.gh),
        { requested: false, recheck: true, sharedDelivery: prs.length > 1 },
      );
    }
  });
}

export async function onIssueComment<D>(
  state: AppState<D>,
  ctx: EventContext<IssueCommentEvent['payload']>,
): Promise<Handled> {
  const { issue, comment, repository } = ctx.payload;
  // Bots (ourselves included) never drive the app: no loops, no spam.
  if (!issue.pull_request || comment.user?.type === 'Bot' || comment.performed_via_github_app)
    return 'ignored';
  const command = parseCommand(comment.body ?? '');
  if (!command) return 'ignored';
  return handleEvent(state, ctx, async (run) => {
    const login = comment.user?.login ?? '';
    run.log.pr = [issue.number];
    run.log.command = command.name;
    run.log.user = login;
    // author_association says nothing reliable about write access (and not at all for org members
    // with a private membership); the collaborator permission does.
    // Replies and the reaction are written once per command, whatever retries or redeliveries do.
    const reply = (body: string): Promise<unknown> =>
      replyOnce(run.gh, state.retry, { number: issue.number, commandCommentId: comment.id, body });
    let permission: Permission;
    try {
      permission = await run.gh.getPermission(login);
    } catch (e) {
      // Say so rather than stay silent: the commenter would otherwise wait for nothing.
      run.log.result = 'permission-unknown';
      await reply(permissionUnknownReply(describeFailure(e)));
      return;
    }
    if (!canRunCommands(permission)) {
      await reply(notAllowedReply(login, repository.full_name));
      run.log.result = 'not-allowed';
      return;
    }
    await reactOnce(run.gh, state.retry, comment.id, 'eyes');
    if (command.name !== 'render') {
      await reply(helpReply(command.name === 'unknown' ? command.word : undefined));
      run.log.result = 'help';
      return;
    }
    const pr = await run.gh.getPullRequest(issue.number);
    if (pr.state !== 'open') {
      run.log.result = 'closed';
      return;
    }
    run.log.pr = [];
    await refreshInTurn(state, ctx, run, pr, repoUrlOf(ctx, run.gh), {
      requested: true,
      recheck: true,
    });
  });
}

/** The events the app handles, and the handler of each. */
export const HANDLED_EVENTS = [
  'pull_request.opened',
  'pull_request.synchronize',
  'pull_request.reopened',
  'pull_request.ready_for_review',
  'pull_request.edited',
  'check_run.rerequested',
  'check_suite.rerequested',
  'issue_comment.created',
  'merge_group.checks_requested',
] as const;

/** Hands an event to its handler, by event name (only HANDLED_EVENTS are subscribed to). */
export function dispatchEvent<D>(state: AppState<D>, ctx: EventContext<unknown>): Promise<Handled> {
  switch (ctx.name) {
    case 'pull_request':
      return onPullRequest(state, ctx as EventContext<PullRequestEvent['payload']>);
    case 'check_run':
    case 'check_suite':
      return onCheckRerequested(state, ctx as EventContext<CheckRunEvent['payload']>);
    case 'issue_comment':
      return onIssueComment(state, ctx as EventContext<IssueCommentEvent['payload']>);
    case 'merge_group':
      return onMergeGroup(state, ctx as EventContext<MergeGroupEvent['payload']>);
    default:
      return Promise.resolve('ignored');
  }
}
