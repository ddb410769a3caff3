/**
 * One pull request, checked end to end: check run in progress, config from the base commit, the
 * changed files, the config set at base and head, the evaluation, then — only if the commit is still
 * the pull request's head — the completed check run and the sticky comment. Whatever goes wrong after
 * the check run exists, it is completed with a `failure` that says why; it is never left in progress.
 */
import {
  CONFIG_FILE,
  ConfigError,
  DEFAULT_CONFIG,
  parseProjectConfig,
  type ProjectConfig,
} from '../config/project-config.js';
import type { Analysis } from '../analyze.js';
import type { loadSources } from '../load/load.js';
import { createFileSelector } from '../io/selection.js';
import {
  batchAnnotations,
  CHECK_RUN_NAME,
  failedRunOutput,
  invalidConfigOutput,
  noPolicyChangesOutput,
  supersededOutput,
  type CheckRunOutput,
  type Conclusion,
} from '../report/check-run.js';
import type { LoadingCache, LruCache } from './cache.js';
import { evaluatePullRequest, type PullRequestReporter } from './evaluate.js';
import {
  statusOf,
  type AppIdentity,
  type GitHubApi,
  type IssueComment,
  type PullRequestInfo,
} from './github.js';
import {
  changedPaths,
  loadPolicyFiles,
  TreeTooLargeError,
  type PolicyFileCaches,
} from './policy-files.js';

export interface StickyComment {
  id: number;
  body: string;
}

export interface RefreshCaches extends PolicyFileCaches {
  /** File-set digest + config -> analysis (see evaluate.ts). */
  analyses: LruCache<string, Analysis>;
  /** The load stage, reusing per-file results (see load-cache.ts). */
  load: typeof loadSources;
  /** `owner/repo@commit` -> the config file's text there (null: no config file). */
  configs: LoadingCache<string, { text: string } | null>;
  /** `owner/repo#number` -> our sticky comment on that pull request. */
  stickyComments: LruCache<string, StickyComment>;
}

export interface RefreshRequest {
  pullRequest: Pick<PullRequestInfo, 'number' | 'headSha' | 'baseSha'>;
  /** Web address of the repository. */
  repoUrl: string;
  deliveryId: string;
  /** Someone asked for it (`/egress render`): comment whatever the comment mode says. */
  requested: boolean;
}

export type RefreshResult =
  'passed' | 'failed' | 'no-policy-changes' | 'invalid-config' | 'superseded' | 'error';

export interface RefreshOutcome {
  result: RefreshResult;
  comment: 'created' | 'updated' | 'unchanged' | 'none' | 'failed';
  filesRead: number;
  blobsFetched: number;
  blobsFromCache: number;
  /** What went wrong, for the log: the check (result 'error') or only the comment (comment 'failed'). */
  error?: unknown;
}

export interface RefreshDeps<D> {
  gh: GitHubApi;
  caches: RefreshCaches;
  reporter: PullRequestReporter<D>;
  /** Set when the event's deadline has passed (the requests made after it are cancelled). */
  deadline?: AbortSignal;
}

export async function refreshPullRequest<D>(
  deps: RefreshDeps<D>,
  req: RefreshRequest,
): Promise<RefreshOutcome> {
  const { gh } = deps;
  const { number, headSha, baseSha } = req.pullRequest;
  const outcome: RefreshOutcome = {
    result: 'error',
    comment: 'none',
    filesRead: 0,
    blobsFetched: 0,
    blobsFromCache: 0,
  };
  const check = await gh.createCheckRun({
    name: CHECK_RUN_NAME,
    head_sha: headSha,
    status: 'in_progress',
    started_at: new Date().toISOString(),
    external_id: req.deliveryId,
  });
  const complete = (
    conclusion: Conclusion,
    output: CheckRunOutput,
    ignoreDeadline = false,
  ): Promise<void> =>
    gh.updateCheckRun(
      check.id,
      { status: 'completed', conclusion, completed_at: new Date().toISOString(), output },
      { ignoreDeadline },
    );

  try {
    let config: ProjectConfig;
    let configNote: string;
    try {
      ({ config, configNote } = await readConfig(deps, baseSha));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      await complete('failure', invalidConfigOutput(e, baseSha));
      return { ...outcome, result: 'invalid-config' };
    }
    const selector = createFileSelector(config);
    const changes = await gh.listPullRequestFiles(number);
    const stickyKey = `${gh.repo.owner}/${gh.repo.repo}#${number}`;
    const touchesPolicy = !changes.complete || changedPaths(changes.files, selector).size > 0;
    // A comment we posted earlier must not keep describing changes the pull request no longer makes.
    if (!touchesPolicy && !req.requested && !deps.caches.stickyComments.get(stickyKey)) {
      await complete('success', noPolicyChangesOutput(configNote));
      return { ...outcome, result: 'no-policy-changes' };
    }

    const files = await loadPolicyFiles(gh, deps.caches, {
      headSha,
      baseSha,
      selector,
      selectionKey: JSON.stringify([config.paths, config.ignore]),
      changes: changes.complete ? changes.files : undefined,
      maxFileBytes: config.limits.maxFileBytes,
    });
    Object.assign(outcome, {
      filesRead: new Set([...files.head, ...files.base].map((f) => f.path)).size,
      blobsFetched: files.blobsFetched,
      blobsFromCache: files.blobsFromCache,
    });

    const evaluation = evaluatePullRequest({
      pullRequest: { ...gh.repo, number, headSha, baseSha, repoUrl: req.repoUrl },
      config,
      configNote,
      baseFiles: files.base,
      headFiles: files.head,
      changedFiles: files.changed,
      reporter: deps.reporter,
      memo: {
        analyses: deps.caches.analyses,
        baseKey: files.baseKey,
        headKey: files.headKey,
        load: deps.caches.load,
      },
      ...(check.htmlUrl ? { checkRunUrl: check.htmlUrl } : {}),
    });

    // Results for a commit that is no longer the head must not overwrite the newer commit's comment.
    const current = await gh.getPullRequest(number);
    if (current.headSha !== headSha) {
      await complete('cancelled', supersededOutput(current.headSha));
      return { ...outcome, result: 'superseded' };
    }

    const { conclusion, output, annotations } = evaluation.check;
    const batches = batchAnnotations(annotations);
    const last = batches.pop() ?? [];
    for (const batch of batches)
      await gh.updateCheckRun(check.id, { output: { ...output, annotations: batch } });
    await complete(conclusion, { ...output, ...(last.length ? { annotations: last } : {}) });
    outcome.result = conclusion === 'failure' ? 'failed' : 'passed';
    if (current.state !== 'open') return outcome;

    // The check run is final now: a failure to comment is logged, it does not change the verdict.
    try {
      outcome.comment = await upsertStickyComment(deps, {
        key: stickyKey,
        number,
        body: evaluation.comment.body,
        identity: check.app,
        post: shouldComment(config.comment, {
          requested: req.requested,
          hasChanges: evaluation.comment.hasChanges,
          failed: conclusion === 'failure',
        }),
      });
    } catch (e) {
      return { ...outcome, comment: 'failed', error: e };
    }
    return outcome;
  } catch (e) {
    const reason = describeFailure(e, deps.deadline);
    try {
      await complete('failure', failedRunOutput(reason), true);
    } catch {
      // GitHub is not answering at all; the error below is logged by the caller, and a re-run retries.
    }
    return { ...outcome, result: 'error', error: e };
  }
}

async function readConfig<D>(
  deps: RefreshDeps<D>,
  baseSha: string,
): Promise<{ config: ProjectConfig; configNote: string }> {
  const { gh } = deps;
  const { value } = await deps.caches.configs.get(
    `${gh.repo.owner}/${gh.repo.repo}@${baseSha}`,
    async () => {
      const file = await gh.getFileText(CONFIG_FILE, baseSha);
      return file ? { text: file.text } : null;
    },
  );
  const at = `\`${baseSha.slice(0, 7)}\``;
  if (!value)
    return { config: DEFAULT_CONFIG, configNote: `defaults (no \`${CONFIG_FILE}\` at base ${at})` };
  return {
    config: parseProjectConfig(value.text, CONFIG_FILE),
    configNote: `\`${CONFIG_FILE}\` at base ${at}`,
  };
}

/**
 * `always`: keep a comment on every checked pull request. `on-change`: only once there is something
 * to review (resources change, or the check fails), then keep it current. `off`: never, unless asked.
 */
export function shouldComment(
  mode: ProjectConfig['comment'],
  state: { requested: boolean; hasChanges: boolean; failed: boolean },
): 'create-or-update' | 'update-only' | 'no' {
  if (state.requested || mode === 'always') return 'create-or-update';
  if (mode === 'off') return 'no';
  return state.hasChanges || state.failed ? 'create-or-update' : 'update-only';
}

async function upsertStickyComment<D>(
  deps: RefreshDeps<D>,
  args: {
    key: string;
    number: number;
    body: string;
    identity: AppIdentity | undefined;
    post: ReturnType<typeof shouldComment>;
  },
): Promise<RefreshOutcome['comment']> {
  if (args.post === 'no') return 'none';
  const { gh, caches } = deps;
  let existing = caches.stickyComments.get(args.key);
  if (!existing) {
    const ours = (await gh.listIssueComments(args.number)).find(
      (c) => c.body.includes(deps.reporter.marker) && isOurs(c, args.identity),
    );
    if (ours) existing = { id: ours.id, body: ours.body };
  }
  if (existing) {
    if (existing.body === args.body) {
      caches.stickyComments.set(args.key, existing);
      return 'unchanged';
    }
    if (await gh.updateIssueComment(existing.id, args.body)) {
      caches.stickyComments.set(args.key, { id: existing.id, body: args.body });
      return 'updated';
    }
    caches.stickyComments.delete(args.key); // deleted by someone: post a fresh one below
  }
  if (args.post === 'update-only') return 'none';
  const id = await gh.createIssueComment(args.number, args.body);
  caches.stickyComments.set(args.key, { id, body: args.body });
  return 'created';
}

/** Our own comment: made by this app (anyone can paste the marker into theirs). */
function isOurs(c: IssueComment, app: AppIdentity | undefined): boolean {
  if (c.userType !== 'Bot') return false;
  if (!app) return true;
  return c.appId === app.id || (app.slug !== '' && c.userLogin === `${app.slug}[bot]`);
}

/** A reason fit for the check run: what failed, never a stack trace or a message from the repository. */
export function describeFailure(e: unknown, deadline?: AbortSignal): string {
  if (deadline?.aborted) return 'the check took too long (GitHub did not answer in time)';
  if (e instanceof TreeTooLargeError) return e.message;
  const status = statusOf(e);
  if (status === 403 || status === 429)
    return `GitHub refused a request even after waiting for the rate limit (HTTP ${status})`;
  if (status !== undefined && status >= 500)
    return `the GitHub API kept failing (HTTP ${status}) after retries`;
  if (status !== undefined) return `a GitHub API request failed (HTTP ${status})`;
  return 'an internal error in egress-lint (details are in the app log)';
}
