/**
 * One pull request, checked end to end: check run in progress, config from the base commit, the
 * changed files, the config set at base and head, the evaluation, then — only if the commit is still
 * the pull request's head — the completed check run and the sticky comment. Whatever goes wrong after
 * the check run exists, it is completed with a `failure` that says why; it is never left in progress.
 * A run that already carried a verdict when the check took it up keeps it.
 */
import type { Logger } from 'probot';
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
  type CheckRunReport,
  type Conclusion,
} from '../report/check-run.js';
import type { LoadingCache, LruCache } from './cache.js';
import {
  evaluateCommit,
  evaluatePullRequest,
  type CommitInput,
  type Evaluation,
  type PullRequestReporter,
} from './evaluate.js';
import { describeFailure, ReportableError } from './failures.js';
import type {
  AppIdentity,
  ChangedFile,
  CheckRunCreated,
  CheckRunUpdate,
  GitHubApi,
  PullRequestInfo,
} from './github.js';
import {
  changedPaths,
  loadPolicyFiles,
  type PolicyFileCaches,
  type PolicyFiles,
} from './policy-files.js';
import type { OpenRuns } from './open-runs.js';
import { GaveUpError, type RetryPolicy } from './retry.js';
import {
  createCommentOnce,
  findMarkedComment,
  openCheckRun,
  type CheckRunTarget,
  type OpenedCheckRun,
  updateCheckRunAnnotationsOnce,
  updateCheckRunReliably,
} from './writes.js';

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
  /** A durable job taken up again after its replica died (see CheckRunTarget.resumed). */
  resumed?: boolean;
  /** Someone asked for it (`/egress render`): comment whatever the comment mode says. */
  requested: boolean;
  /**
   * This app's completed run for the same head and base (a re-check): it is completed again instead
   * of a second run being made, and keeps its annotations (GitHub would add the same ones twice).
   */
  checkRun?: CheckRunCreated;
  /** An earlier check's run for the same head and base, not seen through: taken up (TurnGrant). */
  unsettledRun?: CheckRunCreated;
  /** Told the run this check reports into once it is open (TurnGrant.runOpened). */
  runOpened?: (run: CheckRunCreated) => Promise<void>;
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
  | 'already-checked'
  // An earlier attempt at the same delivery finished this turn (its replica died before saying so).
  | 'already-handled';

export interface RefreshOutcome {
  result: RefreshResult;
  /**
   * Where the check run ended: `in-progress` only when GitHub refused every completion attempt;
   * `kept` when the check failed on a run that already carried a verdict, which it keeps.
   */
  checkRun: 'completed' | 'kept' | 'in-progress' | 'not-created';
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
  /** Where the runs this app opened and has not completed are remembered, for the sweep. */
  openRuns?: OpenRuns;
  /** Where a failure that does not fail the check is told (the record of open runs). */
  log?: Pick<Logger, 'warn'>;
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
    ...(req.resumed ? { resumed: true } : {}),
    ...(req.checkRun ? { reuse: req.checkRun } : {}),
    ...(req.unsettledRun ? { takeUp: req.unsettledRun.id } : {}),
    ...(req.runOpened ? { opened: req.runOpened } : {}),
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
      // Only a run still in progress is cancelled. One that already carries a verdict (a resumed job
      // whose dead attempt completed it, a re-check) keeps it: that verdict is true of its commit.
      if (!check.alreadyCompleted)
        await complete(deps, check, 'cancelled', supersededOutput(current.headSha));
      return { ...outcome, result: 'superseded' };
    }

    const conclusion = await publishCheck(deps, check, evaluation.check, {
      annotate: !req.checkRun,
    });
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
  deps: Pick<RefreshDeps<unknown>, 'gh' | 'retry' | 'openRuns' | 'log'>,
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
        : result === 'already-handled'
          ? 'an earlier attempt had already finished with this pull request'
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
  await tellOpenRuns(deps, open.id, 'completed');
  return true;
}

export interface MergeGroupRequest {
  headSha: string;
  baseSha: string;
  repoUrl: string;
  deliveryId: string;
  /** A durable job taken up again after its replica died (see CheckRunTarget.resumed). */
  resumed?: boolean;
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
  const target = { headSha, externalId: req.deliveryId, ...(req.resumed ? { resumed: true } : {}) };
  return withCheckRun(deps, target, async (check, outcome) => {
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
    // Nobody would see a comment: only the check is built.
    const report = await analyse(deps, () => evaluateCommit(lintInput(deps, check, target, files)));
    const conclusion = await publishCheck(deps, check, report, { annotate: true });
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
  return analyse(deps, () =>
    evaluatePullRequest({
      ...lintInput(deps, check, target, files),
      baseFiles: files.base,
      changedFiles: files.changed,
      reporter: deps.reporter,
    }),
  );
}

/** Runs CPU-bound analysis in the deps' turn (one at a time, deadlines paused), or at once. */
function analyse<D, T>(deps: RefreshDeps<D>, work: () => T): Promise<T> {
  return deps.analyse ? deps.analyse(work) : Promise.resolve(work());
}

/** What linting the head needs: the commit, its config and files, and the caches. */
function lintInput<D>(
  deps: RefreshDeps<D>,
  check: CheckRunCreated,
  target: CheckTarget,
  files: PolicyFiles,
): CommitInput {
  const { number, headSha, baseSha, repoUrl, config, configNote } = target;
  return {
    pullRequest: { ...deps.gh.repo, number, headSha, baseSha, repoUrl },
    config,
    configNote,
    headFiles: files.head,
    changedFiles: files.changed,
    memo: {
      analyses: deps.caches.analyses,
      baseKey: files.baseKey,
      headKey: files.headKey,
      load: deps.caches.load,
    },
    ...(check.htmlUrl ? { checkRunUrl: check.htmlUrl } : {}),
  };
}

/**
 * Opens (or finds) the check run, runs `work`, and makes sure the run ends completed: whatever `work`
 * throws, the run is completed as a `failure` that says why. Only when GitHub refuses even that for
 * the whole give-up time is it left in progress, for the sweep (sweep.ts) to complete later.
 */
async function withCheckRun<D>(
  deps: RefreshDeps<D>,
  target: CheckRunTarget & {
    reuse?: CheckRunCreated;
    opened?: (run: CheckRunCreated) => Promise<void>;
  },
  work: (check: OpenedCheckRun, outcome: RefreshOutcome) => Promise<RefreshOutcome>,
): Promise<RefreshOutcome> {
  const outcome: RefreshOutcome = {
    result: 'error',
    checkRun: 'completed',
    comment: 'none',
    filesRead: 0,
    blobsFetched: 0,
    blobsFromCache: 0,
  };
  let check: OpenedCheckRun;
  try {
    check = target.reuse
      ? { ...target.reuse, alreadyCompleted: true }
      : await openCheckRun(deps.gh, deps.retry, target);
  } catch (e) {
    return { ...outcome, checkRun: 'not-created', error: e };
  }
  outcome.reportedTo = check;
  if (!check.alreadyCompleted) await tellOpenRuns(deps, check.id, 'opened');
  if (target.opened && !target.reuse) await tellTurn(deps, target.opened, check);
  const ended = await workOrFail(deps, check, outcome, work);
  // Also a run taken up completed: an attempt that died may have left it remembered.
  if (ended.checkRun === 'completed' || ended.checkRun === 'kept')
    await tellOpenRuns(deps, check.id, 'completed');
  return ended;
}

/** `work`, and whatever it throws completes the run as a `failure` saying why. */
async function workOrFail<D>(
  deps: RefreshDeps<D>,
  check: OpenedCheckRun,
  outcome: RefreshOutcome,
  work: (check: OpenedCheckRun, outcome: RefreshOutcome) => Promise<RefreshOutcome>,
): Promise<RefreshOutcome> {
  try {
    return await work(check, outcome);
  } catch (e) {
    // A verdict is true of its commits: a later attempt that fails (a resumed job, a re-check) must not
    // replace it with "could not finish".
    if (check.alreadyCompleted) return { ...outcome, checkRun: 'kept', error: e };
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

/**
 * Keeps the record of open runs (open-runs.ts) current. It is only the sweep's lead to runs no commit
 * leads to, so failing to write it (Redis briefly away) must not fail the check; it is logged, since
 * a run left remembered is read again by a later sweep, and one never remembered is out of its reach.
 */
async function tellOpenRuns(
  deps: Pick<RefreshDeps<unknown>, 'gh' | 'openRuns' | 'log'>,
  id: number,
  change: 'opened' | 'completed',
): Promise<void> {
  const { gh, openRuns } = deps;
  if (!openRuns) return;
  try {
    if (change === 'opened') await openRuns.opened(gh.repo, id, Date.now());
    else await openRuns.completed(gh.repo, id);
  } catch (e) {
    deps.log?.warn(
      { err: e, repo: `${gh.repo.owner}/${gh.repo.repo}`, checkRun: id },
      `egress-lint: could not record check run ${id} as ${change} in the record of open runs`,
    );
  }
}

/**
 * Tells the turn which run this check reports into. Like the record of open runs, a lead only: without
 * it a check that dies after completing the run may leave the next check to open a second one.
 */
async function tellTurn(
  deps: Pick<RefreshDeps<unknown>, 'log'>,
  opened: (run: CheckRunCreated) => Promise<void>,
  check: CheckRunCreated,
): Promise<void> {
  try {
    await opened(check);
  } catch (e) {
    deps.log?.warn(
      { err: e, checkRun: check.id },
      `egress-lint: could not record check run ${check.id} as this pull request's current run`,
    );
  }
}

function complete<D>(
  deps: RefreshDeps<D>,
  check: CheckRunCreated,
  conclusion: Conclusion,
  output: CheckRunOutput,
): Promise<void> {
  return updateCheckRunReliably(deps.gh, deps.retry, check.id, completion(conclusion, output));
}

function completion(conclusion: Conclusion, output: CheckRunOutput): CheckRunUpdate {
  return { status: 'completed', conclusion, completed_at: new Date().toISOString(), output };
}

/**
 * Annotations 50 per request, the run completed with the last batch; returns the conclusion. GitHub
 * appends annotations, never replaces them: a run completed again (`annotate` false) keeps the ones it
 * has, and a run taken over from an attempt that died gets only those that attempt did not send.
 */
async function publishCheck(
  deps: Pick<RefreshDeps<unknown>, 'gh' | 'retry'>,
  check: CheckRunCreated,
  report: CheckRunReport,
  options: { annotate: boolean },
): Promise<Conclusion> {
  const { conclusion, output, annotations } = report;
  let count = check.annotationsCount ?? 0;
  const batches = options.annotate ? batchAnnotations(annotations.slice(count)) : [];
  const last = batches.pop() ?? [];
  for (const batch of batches) {
    count += batch.length;
    const body = { output: { ...output, annotations: batch } };
    await updateCheckRunAnnotationsOnce(deps.gh, deps.retry, check.id, body, count);
  }
  const final = completion(conclusion, {
    ...output,
    ...(last.length ? { annotations: last } : {}),
  });
  await updateCheckRunAnnotationsOnce(deps.gh, deps.retry, check.id, final, count + last.length);
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
  const ours = await findMarkedComment(deps.gh, number, deps.reporter.marker, identity);
  return ours && { id: ours.id, body: ours.body };
}
