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
import { evaluatePullRequest, type Evaluation, type PullRequestReporter } from './evaluate.js';
import { describeFailure, ReportableError } from './failures.js';
import type {
  AppIdentity,
  ChangedFile,
  CheckRunCreated,
  CheckRunUpdate,
  GitHubApi,
  IssueComment,
  PullRequestInfo,
} from './github.js';
import {
  changedPaths,
  loadPolicyFiles,
  type PolicyFileCaches,
  type PolicyFiles,
} from './policy-files.js';
import { GaveUpError, type RetryPolicy } from './retry.js';
import { createCommentOnce, openCheckRun, updateCheckRunReliably } from './writes.js';

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
  /**
   * This app's completed run for the same head and base (a re-check): it is completed again instead
   * of a second run being made, and keeps its annotations (GitHub would add the same ones twice).
   */
  checkRun?: CheckRunCreated;
}

export type RefreshResult =
  | 'passed'
  | 'failed'
  | 'no-policy-changes'
  | 'invalid-config'
  | 'superseded'
  | 'error'
  // Decided before a check run was made (see PullRequestTurns): no run, no comment.
  | 'closed'
  | 'already-checked';

export interface RefreshOutcome {
  result: RefreshResult;
  /** Where the check run ended: `in-progress` only when GitHub refused every completion attempt. */
  checkRun: 'completed' | 'in-progress' | 'not-created';
  comment: 'created' | 'updated' | 'unchanged' | 'none' | 'failed';
  filesRead: number;
  blobsFetched: number;
  blobsFromCache: number;
  /** What went wrong, for the log: the check (result 'error') or only the comment (comment 'failed'). */
  error?: unknown;
  /** The run this check reported into. */
  reportedTo?: CheckRunCreated;
}

/** Where the config comes from: a file at the base commit, and what overrides it (the Action's inputs). */
export interface ConfigSource {
  file: string;
  adjust?: (config: ProjectConfig) => ProjectConfig;
}

export interface RefreshDeps<D> {
  gh: GitHubApi;
  /** Default: `.github/egress-lint.yml` as it is. */
  configSource?: ConfigSource;
  caches: RefreshCaches;
  reporter: PullRequestReporter<D>;
  /** Set when the event's deadline has passed (the requests made after it are cancelled). */
  deadline?: AbortSignal;
  /** How long creating and completing the check run are retried (retry.ts). */
  retry: RetryPolicy;
  /**
   * Runs the CPU-bound analysis. The app takes turns on its one thread and stops the deadline's clock
   * meanwhile (handlers.ts); by default it runs at once.
   */
  analyse?: <T>(work: () => T) => Promise<T>;
}

export async function refreshPullRequest<D>(
  deps: RefreshDeps<D>,
  req: RefreshRequest,
): Promise<RefreshOutcome> {
  const { gh } = deps;
  const { number, headSha, baseSha } = req.pullRequest;
  const target = {
    headSha,
    externalId: req.deliveryId,
    ...(req.checkRun ? { reuse: req.checkRun } : {}),
  };
  return withCheckRun(deps, target, async (check, outcome) => {
    const read = await readConfigOrFail(deps, check, baseSha);
    if (!read) return { ...outcome, result: 'invalid-config' };
    const { config, configNote } = read;
    const selector = createFileSelector(config);
    const changes = await gh.listPullRequestFiles(number);
    const stickyKey = `${gh.repo.owner}/${gh.repo.repo}#${number}`;
    const touchesPolicy = !changes.complete || changedPaths(changes.files, selector).size > 0;
    // A comment we posted earlier must not keep describing changes the pull request no longer makes.
    // Looked up, not only remembered: another replica, or this one before a restart, may have posted it.
    const hasComment = async (): Promise<boolean> =>
      deps.caches.stickyComments.get(stickyKey) !== undefined ||
      (await findOurComment(deps, number, check.app)) !== undefined;
    if (!touchesPolicy && !req.requested && !(await hasComment())) {
      await complete(deps, check, 'success', noPolicyChangesOutput(configNote));
      return { ...outcome, result: 'no-policy-changes' };
    }

    const target = { number, headSha, baseSha, repoUrl: req.repoUrl, config, configNote };
    const files = await readFiles(
      deps,
      outcome,
      target,
      changes.complete ? changes.files : undefined,
    );
    const evaluation = await evaluate(deps, check, target, files);

    // Results for a commit that is no longer the head must not overwrite the newer commit's comment.
    const current = await gh.getPullRequest(number);
    if (current.headSha !== headSha) {
      await complete(deps, check, 'cancelled', supersededOutput(current.headSha));
      return { ...outcome, result: 'superseded' };
    }

    const conclusion = await publishCheck(deps, check, evaluation, { annotate: !req.checkRun });
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
  });
}

/**
 * A check interrupted before its result (its replica died), whose retry then found it no longer
 * needed (`superseded`, `closed`, `already-checked`): the run the interrupted attempt opened under the
 * same delivery is completed as `cancelled`, never left in progress.
 */
export async function cancelInterruptedRun(
  deps: Pick<RefreshDeps<unknown>, 'gh' | 'retry'>,
  target: { headSha: string; externalId: string },
  result: RefreshResult,
): Promise<boolean> {
  const runs = await deps.gh.listCheckRuns(target.headSha, CHECK_RUN_NAME);
  const open = runs.find((r) => r.externalId === target.externalId && r.status !== 'completed');
  if (!open) return false;
  const why =
    result === 'superseded'
      ? 'the pull request had moved on to a newer commit, which has its own check run'
      : result === 'closed'
        ? 'the pull request had been closed'
        : 'another check run had checked this commit already';
  await updateCheckRunReliably(deps.gh, deps.retry, open.id, {
    status: 'completed',
    conclusion: 'cancelled',
    completed_at: new Date().toISOString(),
    output: {
      title: 'Check interrupted and no longer needed',
      summary: `The app stopped while checking this commit. When the check was resumed, ${why}.`,
    },
  });
  return true;
}

export interface MergeGroupRequest {
  headSha: string;
  baseSha: string;
  repoUrl: string;
  deliveryId: string;
}

/**
 * A merge queue's group: its head commit checked against the base it will land on, with the config
 * at that base. No pull request, so no comment; the two trees are compared whole.
 */
export async function checkMergeGroup<D>(
  deps: RefreshDeps<D>,
  req: MergeGroupRequest,
): Promise<RefreshOutcome> {
  const { headSha, baseSha } = req;
  return withCheckRun(deps, { headSha, externalId: req.deliveryId }, async (check, outcome) => {
    const read = await readConfigOrFail(deps, check, baseSha);
    if (!read) return { ...outcome, result: 'invalid-config' };
    const { config, configNote } = read;
    // No pull request: number 0 only names the (unused) comment's subject.
    const target = { number: 0, headSha, baseSha, repoUrl: req.repoUrl, config, configNote };
    const files = await readFiles(deps, outcome, target, undefined);
    if (files.changed.length === 0) {
      await complete(deps, check, 'success', noPolicyChangesOutput(configNote));
      return { ...outcome, result: 'no-policy-changes' };
    }
    const evaluation = await evaluate(deps, check, target, files);
    const conclusion = await publishCheck(deps, check, evaluation, { annotate: true });
    return { ...outcome, result: conclusion === 'failure' ? 'failed' : 'passed' };
  });
}

/** What is checked: a commit against its base, with the base's config. */
interface CheckTarget {
  number: number;
  headSha: string;
  baseSha: string;
  repoUrl: string;
  config: ProjectConfig;
  configNote: string;
}

/** The selected files at head and base (`changes` undefined: compare the two trees whole). */
async function readFiles<D>(
  deps: RefreshDeps<D>,
  outcome: RefreshOutcome,
  target: CheckTarget,
  changes: readonly ChangedFile[] | undefined,
): Promise<PolicyFiles> {
  const { config } = target;
  const files = await loadPolicyFiles(deps.gh, deps.caches, {
    headSha: target.headSha,
    baseSha: target.baseSha,
    selector: createFileSelector(config),
    selectionKey: JSON.stringify([config.paths, config.ignore]),
    changes,
    maxFileBytes: config.limits.maxFileBytes,
  });
  Object.assign(outcome, {
    filesRead: new Set([...files.head, ...files.base].map((f) => f.path)).size,
    blobsFetched: files.blobsFetched,
    blobsFromCache: files.blobsFromCache,
  });
  return files;
}

function evaluate<D>(
  deps: RefreshDeps<D>,
  check: CheckRunCreated,
  target: CheckTarget,
  files: PolicyFiles,
): Promise<Evaluation> {
  const { number, headSha, baseSha, repoUrl, config, configNote } = target;
  const analyse = deps.analyse ?? (<T>(work: () => T) => Promise.resolve(work()));
  return analyse(() =>
    evaluatePullRequest({
      pullRequest: { ...deps.gh.repo, number, headSha, baseSha, repoUrl },
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
    }),
  );
}

/**
 * Opens (or finds) the check run, runs `work`, and makes sure the run ends completed: whatever `work`
 * throws, the run is completed as a `failure` that says why. Only when GitHub refuses even that for
 * the whole give-up time is it left in progress, for the sweep (sweep.ts) to complete later.
 */
async function withCheckRun<D>(
  deps: RefreshDeps<D>,
  target: { headSha: string; externalId: string; reuse?: CheckRunCreated },
  work: (check: CheckRunCreated, outcome: RefreshOutcome) => Promise<RefreshOutcome>,
): Promise<RefreshOutcome> {
  const outcome: RefreshOutcome = {
    result: 'error',
    checkRun: 'completed',
    comment: 'none',
    filesRead: 0,
    blobsFetched: 0,
    blobsFromCache: 0,
  };
  let check: CheckRunCreated;
  try {
    check = target.reuse ?? (await openCheckRun(deps.gh, deps.retry, target));
  } catch (e) {
    return { ...outcome, checkRun: 'not-created', error: e };
  }
  outcome.reportedTo = check;
  try {
    return await work(check, outcome);
  } catch (e) {
    // A check-run write that gave up means GitHub is unreachable: another attempt would wait as long.
    if (e instanceof GaveUpError) return { ...outcome, checkRun: 'in-progress', error: e };
    try {
      await complete(deps, check, 'failure', failedRunOutput(describeFailure(e, deps.deadline)));
      return { ...outcome, error: e };
    } catch {
      return { ...outcome, checkRun: 'in-progress', error: e };
    }
  }
}

function complete<D>(
  deps: RefreshDeps<D>,
  check: CheckRunCreated,
  conclusion: Conclusion,
  output: CheckRunOutput,
): Promise<void> {
  const body: CheckRunUpdate = {
    status: 'completed',
    conclusion,
    completed_at: new Date().toISOString(),
    output,
  };
  return updateCheckRunReliably(deps.gh, deps.retry, check.id, body);
}

/**
 * Annotations 50 per request, the run completed with the last batch; returns the conclusion. A run
 * completed again (`annotate` false) keeps the annotations it has: GitHub appends, never replaces.
 */
async function publishCheck<D>(
  deps: RefreshDeps<D>,
  check: CheckRunCreated,
  evaluation: Evaluation,
  options: { annotate: boolean },
): Promise<Conclusion> {
  const { conclusion, output, annotations } = evaluation.check;
  const batches = options.annotate ? batchAnnotations(annotations) : [];
  const last = batches.pop() ?? [];
  for (const batch of batches)
    await updateCheckRunReliably(deps.gh, deps.retry, check.id, {
      output: { ...output, annotations: batch },
    });
  await complete(deps, check, conclusion, {
    ...output,
    ...(last.length ? { annotations: last } : {}),
  });
  return conclusion;
}

/** The config, or undefined once the run has been completed with the config's error. */
async function readConfigOrFail<D>(
  deps: RefreshDeps<D>,
  check: CheckRunCreated,
  baseSha: string,
): Promise<{ config: ProjectConfig; configNote: string } | undefined> {
  try {
    return await readConfig(deps, baseSha, deps.configSource);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    await complete(deps, check, 'failure', invalidConfigOutput(e, baseSha));
    return undefined;
  }
}

async function readConfig<D>(
  deps: RefreshDeps<D>,
  baseSha: string,
  source: ConfigSource = { file: CONFIG_FILE },
): Promise<{ config: ProjectConfig; configNote: string }> {
  const { gh } = deps;
  const path = source.file;
  const adjust = source.adjust ?? ((c: ProjectConfig) => c);
  const at = `\`${baseSha.slice(0, 7)}\``;
  // Fail closed: only a base tree without the file means "no config"; any other failure to read it
  // fails the check (and, not being a value, is not cached).
  const { value } = await deps.caches.configs.get(
    `${gh.repo.owner}/${gh.repo.repo}@${baseSha}${path === CONFIG_FILE ? '' : `:${path}`}`,
    async () => {
      try {
        const file = await gh.getFileText(path, baseSha);
        if (file) return { text: file.text };
        if (!(await gh.treeHasFile(path, baseSha))) return null;
      } catch (e) {
        throw new ReportableError(
          `could not read \`${path}\` at base ${at}: ${describeFailure(e)}`,
        );
      }
      throw new ReportableError(
        `\`${path}\` is in the base tree ${at}, but GitHub answered 404 when it was read; the check does not fall back to the defaults`,
      );
    },
  );
  if (!value)
    return {
      config: adjust(DEFAULT_CONFIG),
      configNote: `defaults (no \`${path}\` at base ${at})`,
    };
  return {
    config: adjust(parseProjectConfig(value.text, path)),
    configNote: `\`${path}\` at base ${at}`,
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
  const find = (): Promise<StickyComment | undefined> =>
    findOurComment(deps, args.number, args.identity);
  const cached = caches.stickyComments.get(args.key);
  const existing = cached ?? (await find());
  if (existing) {
    const edited = await editSticky(deps, args, existing);
    if (edited) return edited;
  }
  if (args.post === 'update-only') return 'none';
  // Look again before posting: unless we have just listed, ours may exist after all (a lost reply).
  const posted = await createCommentOnce(gh, deps.retry, {
    number: args.number,
    body: args.body,
    lookFirst: cached !== undefined,
    find,
  });
  if ('created' in posted) {
    caches.stickyComments.set(args.key, { id: posted.created, body: args.body });
    return 'created';
  }
  return (await editSticky(deps, args, posted.found)) ?? 'none';
}

/** Brings our comment up to date; undefined when it no longer exists (someone deleted it). */
async function editSticky<D>(
  deps: RefreshDeps<D>,
  args: { key: string; body: string },
  existing: StickyComment,
): Promise<'unchanged' | 'updated' | undefined> {
  const { gh, caches } = deps;
  if (existing.body === args.body) {
    caches.stickyComments.set(args.key, existing);
    return 'unchanged';
  }
  if (await gh.updateIssueComment(existing.id, args.body)) {
    caches.stickyComments.set(args.key, { id: existing.id, body: args.body });
    return 'updated';
  }
  caches.stickyComments.delete(args.key);
  return undefined;
}

/** Our sticky comment on the pull request, found by its marker. */
async function findOurComment<D>(
  deps: RefreshDeps<D>,
  number: number,
  identity: AppIdentity | undefined,
): Promise<StickyComment | undefined> {
  const ours = (await deps.gh.listIssueComments(number)).find(
    (c) => c.body.includes(deps.reporter.marker) && isOurs(c, identity),
  );
  return ours && { id: ours.id, body: ours.body };
}

/** Our own comment: made by this app (anyone can paste the marker into theirs). */
function isOurs(c: IssueComment, app: AppIdentity | undefined): boolean {
  if (c.userType !== 'Bot') return false;
  if (!app) return true;
  return c.appId === app.id || (app.slug !== '' && c.userLogin === `${app.slug}[bot]`);
}
