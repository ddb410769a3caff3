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
import { canRunCommands, helpReply, notAllowedReply, parseCommand } from './commands.js';
import type { PullRequestReporter } from './evaluate.js';
import { GitHubApi, type PullRequestInfo, type RepoRef, type TreeFile } from './github.js';
import { refreshPullRequest, type RefreshCaches, type RefreshOutcome } from './refresh.js';
import { DeliveryLog, KeyedSerialQueue, Semaphore } from './serial.js';

export interface AppOptions<D> {
  reporter: PullRequestReporter<D>;
  /** Bytes of file content kept across events (default 64 MiB). */
  blobCacheBytes?: number;
  /** Selected tree entries kept across events (default 100,000). */
  treeCacheEntries?: number;
  /** Analyses kept (one per distinct file set; a 200-policy repository's is about 30 MB; default 4). */
  analysisCacheEntries?: number;
  /** Files whose load results are kept (default 20,000; roughly 50 KB each for a typical policy). */
  loadCacheFiles?: number;
  /** Pull requests checked at the same time, across all events (default 8). */
  maxConcurrentChecks?: number;
  /** How long one event may talk to GitHub before its check run is failed (default 5 minutes). */
  deadlineMs?: number;
}

export interface AppState<D> {
  reporter: PullRequestReporter<D>;
  caches: RefreshCaches;
  queue: KeyedSerialQueue;
  checks: Semaphore;
  deliveries: DeliveryLog;
  deadlineMs: number;
}

export function createAppState<D>(options: AppOptions<D>): AppState<D> {
  return {
    reporter: options.reporter,
    caches: {
      blobs: new LoadingCache<string, Uint8Array>(
        options.blobCacheBytes ?? 64 * 1024 * 1024,
        (b) => b.byteLength,
      ),
      trees: new LoadingCache<string, TreeFile[]>(options.treeCacheEntries ?? 100_000, (files) =>
        Math.max(1, files.length),
      ),
      configs: new LoadingCache<string, { text: string } | null>(1_000),
      stickyComments: new LruCache(10_000),
      analyses: new LruCache(options.analysisCacheEntries ?? 4),
      load: cachingLoader(new LruCache<string, LoadResult>(options.loadCacheFiles ?? 20_000)),
    },
    queue: new KeyedSerialQueue(),
    checks: new Semaphore(options.maxConcurrentChecks ?? 8),
    deliveries: new DeliveryLog(),
    deadlineMs: options.deadlineMs ?? 5 * 60 * 1000,
  };
}

/** What a handler needs from Probot's context: the delivery, a client for its installation, a logger. */
export interface EventContext<P> {
  id: string;
  name: string;
  payload: P;
  octokit: ProbotOctokit;
  log: Logger;
}

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

interface EventRun {
  gh: GitHubApi;
  /** Fields for the event's log line. */
  log: Record<string, unknown>;
  /** Set to false when the handling failed and a redelivery should be handled again. */
  ok: boolean;
}

/** Dedupe by delivery id, set up the event's GitHub client and deadline, and log what it cost. */
async function handleEvent<P extends { repository?: { owner: { login: string }; name: string } }>(
  state: AppState<unknown>,
  ctx: EventContext<P>,
  body: (run: EventRun) => Promise<void>,
): Promise<void> {
  const repository = ctx.payload.repository;
  if (!repository) return;
  if (!state.deliveries.begin(ctx.id)) {
    ctx.log.info(
      { delivery: ctx.id, event: ctx.name },
      'egress-lint: delivery already handled; ignored',
    );
    return;
  }
  const started = performance.now();
  const action = (ctx.payload as { action?: string }).action;
  const repo: RepoRef = { owner: repository.owner.login, repo: repository.name };
  const gh = new GitHubApi(ctx.octokit, repo, AbortSignal.timeout(state.deadlineMs));
  const run: EventRun = { gh, log: {}, ok: true };
  try {
    await body(run);
  } catch (e) {
    run.ok = false;
    run.log.result = 'error';
    ctx.log.error({ err: e, delivery: ctx.id }, 'egress-lint: event failed');
  } finally {
    state.deliveries.finish(ctx.id, run.ok);
    ctx.log.info(
      {
        delivery: ctx.id,
        event: action ? `${ctx.name}.${action}` : ctx.name,
        repo: `${repo.owner}/${repo.repo}`,
        ...run.log,
        apiCalls: run.gh.stats.apiCalls,
        durationMs: Math.round(performance.now() - started),
      },
      'egress-lint: event handled',
    );
  }
}

/** Refresh one pull request in its queue, and fold the outcome into the event's log line. */
async function refreshInQueue<D>(
  state: AppState<D>,
  ctx: EventContext<unknown>,
  run: EventRun,
  pr: Pick<PullRequestInfo, 'number' | 'headSha' | 'baseSha'>,
  repoUrl: string,
  requested: boolean,
): Promise<RefreshOutcome> {
  const key = `${run.gh.repo.owner}/${run.gh.repo.repo}#${pr.number}`;
  // Per pull request in order; across pull requests, a bounded number at once. The deadline starts
  // when the check does, not while it waits its turn.
  const outcome = await state.queue.run(key, () =>
    state.checks.run(() => {
      const deadline = AbortSignal.timeout(state.deadlineMs);
      return refreshPullRequest(
        {
          gh: run.gh.withDeadline(deadline),
          caches: state.caches,
          reporter: state.reporter,
          deadline,
        },
        { pullRequest: pr, repoUrl, deliveryId: ctx.id, requested },
      );
    }),
  );
  const { error, ...fields } = outcome;
  run.log.pr = [...((run.log.pr as number[] | undefined) ?? []), pr.number];
  run.log.headSha = pr.headSha;
  Object.assign(run.log, fields);
  if (error !== undefined) {
    run.ok = false;
    const what =
      outcome.result === 'error'
        ? 'check failed; its check run says so'
        : 'comment failed; the check run is complete';
    ctx.log.error({ err: error, delivery: ctx.id, pr: pr.number }, `egress-lint: ${what}`);
  }
  return outcome;
}

export async function onPullRequest<D>(
  state: AppState<D>,
  ctx: EventContext<PullRequestEvent['payload']>,
): Promise<void> {
  const pr = ctx.payload.pull_request;
  if (pr.state !== 'open') return;
  // An edit matters only when it moves the pull request to another base branch (new base config, new diff).
  if (ctx.payload.action === 'edited' && !ctx.payload.changes.base) return;
  await handleEvent(state, ctx, async (run) => {
    await refreshInQueue(
      state,
      ctx,
      run,
      { number: pr.number, headSha: pr.head.sha, baseSha: pr.base.sha },
      ctx.payload.repository.html_url,
      false,
    );
  });
}

/** The Re-run button: on our check run, or on the check suite it belongs to. */
export async function onCheckRerequested<D>(
  state: AppState<D>,
  ctx: EventContext<CheckRunEvent['payload'] | CheckSuiteEvent['payload']>,
): Promise<void> {
  const payload = ctx.payload;
  const subject = 'check_run' in payload ? payload.check_run : payload.check_suite;
  if ('check_run' in payload && payload.check_run.name !== CHECK_RUN_NAME) return;
  const headSha = subject.head_sha;
  await handleEvent(state, ctx, async (run) => {
    const repoId = payload.repository.id;
    // GitHub lists only same-repository pull requests here; a fork's must be looked up.
    const listed = (subject.pull_requests ?? [])
      .filter((p) => p.base.repo.id === repoId)
      .map((p) => ({ number: p.number, headSha: p.head.sha, baseSha: p.base.sha }));
    const prs = listed.length > 0 ? listed : await run.gh.findPullRequestsForCommit(headSha);
    run.log.headSha = headSha;
    for (const pr of prs) {
      await refreshInQueue(
        state,
        ctx,
        run,
        { number: pr.number, headSha, baseSha: pr.baseSha },
        payload.repository.html_url,
        false,
      );
    }
  });
}

export async function onIssueComment<D>(
  state: AppState<D>,
  ctx: EventContext<IssueCommentEvent['payload']>,
): Promise<void> {
  const { issue, comment, repository } = ctx.payload;
  // Bots (ourselves included) never drive the app: no loops, no spam.
  if (!issue.pull_request || comment.user?.type === 'Bot' || comment.performed_via_github_app)
    return;
  const command = parseCommand(comment.body ?? '');
  if (!command) return;
  await handleEvent(state, ctx, async (run) => {
    const login = comment.user?.login ?? '';
    run.log.pr = [issue.number];
    run.log.command = command.name;
    run.log.user = login;
    // author_association says nothing reliable about write access (and not at all for org members
    // with a private membership); the collaborator permission does.
    const permission = await run.gh.getPermission(login);
    if (!canRunCommands(permission)) {
      await run.gh.createIssueComment(issue.number, notAllowedReply(login, repository.full_name));
      run.log.result = 'not-allowed';
      return;
    }
    await run.gh.createReaction(comment.id, 'eyes');
    if (command.name !== 'render') {
      await run.gh.createIssueComment(
        issue.number,
        helpReply(command.name === 'unknown' ? command.word : undefined),
      );
      run.log.result = 'help';
      return;
    }
    const pr = await run.gh.getPullRequest(issue.number);
    if (pr.state !== 'open') {
      run.log.result = 'closed';
      return;
    }
    run.log.pr = [];
    await refreshInQueue(state, ctx, run, pr, repository.html_url, true);
  });
}
