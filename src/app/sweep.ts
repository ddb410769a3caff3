/**
 * The sweep: finds this app's check runs left `in_progress` — by a crash, a restart, or a GitHub that
 * refused every completion for the whole retry window — and completes them as `failure`, saying why.
 * It runs when the app starts and then periodically.
 *
 * GitHub lists check runs per commit only, so the sweep looks at every commit the app checks, in
 * every repository of every installation: the heads of open pull requests, of pull requests closed
 * since the last complete sweep (a run left behind on them still shows on the pull request), and of
 * the merge groups in a merge queue (their `gh-readonly-queue/` branches). A run counts as abandoned
 * once it is older than any live check can be (the event deadline plus the completion retries), so a
 * sweep never races a check that is still running, here or in another process. With several
 * replicas, a gate in Redis (sweep-gate.ts) lets one of them sweep per period.
 */
import type { Probot, ProbotOctokit } from 'probot';
import { CHECK_RUN_NAME, failedRunOutput } from '../report/check-run.js';
import { GitHubApi, type CallStats, type CheckRunFound } from './github.js';
import type { OpenRuns } from './open-runs.js';
import type { RetryPolicy } from './retry.js';
import { inProcessSweepGate, type SweepGate } from './sweep-gate.js';
import { updateCheckRunReliably } from './writes.js';

export interface SweepOptions {
  /** Time between sweeps (default 5 minutes). */
  intervalMs: number;
  /** A run in progress for longer than this is abandoned (default 20 minutes; see docs/app.md). */
  staleAfterMs: number;
  /**
   * How far back closed pull requests are looked at when no complete sweep is known (the first sweep
   * of a process without Redis, or after sweeps kept failing): default one day.
   */
  maxClosedLookbackMs: number;
}

export const DEFAULT_SWEEP: SweepOptions = {
  intervalMs: 5 * 60_000,
  staleAfterMs: 20 * 60_000,
  maxClosedLookbackMs: 24 * 3600_000,
};

/** Our clock (a run's start) against GitHub's (a pull request's update): room for their skew. */
const CLOCK_MARGIN_MS = 5 * 60_000;

export interface RepositorySweep {
  appId: number;
  staleAfterMs: number;
  retry: RetryPolicy;
  /** Pull requests closed at or after this time are swept too. */
  closedSince: number;
  /** The runs this app opened and has not seen completed (open-runs.ts). */
  openRuns?: OpenRuns;
  /** Where a failure that does not stop the sweep is told. */
  log?: Pick<Probot['log'], 'warn'>;
  now?: number;
}

/**
 * Completes this app's abandoned runs on a repository's checked commits, and the remembered open
 * runs no such commit leads to (open-runs.ts); returns their ids.
 */
export async function sweepRepository(gh: GitHubApi, args: RepositorySweep): Promise<number[]> {
  const now = args.now ?? Date.now();
  const heads = await checkedHeads(gh, args.closedSince);
  const completed: number[] = [];
  for (const sha of heads) {
    const runs = await gh.listCheckRuns(sha, CHECK_RUN_NAME, { status: 'in_progress' });
    for (const run of runs) {
      if (!(await completeIfAbandoned(gh, args, run, now))) continue;
      completed.push(run.id);
      await forget(gh, args, run.id);
    }
  }
  return [...completed, ...(await sweepRemembered(gh, args, now))];
}

/**
 * The runs remembered as opened and not completed, old enough to be abandoned: each is read by id
 * (a merge group's, say, whose queue branch is gone) and completed if it is still in progress. Runs
 * found completed, gone or not ours are forgotten; young ones (taken over lately) are kept.
 */
async function sweepRemembered(
  gh: GitHubApi,
  args: RepositorySweep,
  now: number,
): Promise<number[]> {
  const { openRuns } = args;
  if (!openRuns) return [];
  const completed: number[] = [];
  for (const id of await openRuns.openedBefore(gh.repo, now - args.staleAfterMs)) {
    const run = await gh.getCheckRun(id);
    const abandoned = run !== undefined && (await completeIfAbandoned(gh, args, run, now));
    if (abandoned) completed.push(id);
    if (abandoned || !run || run.status === 'completed' || run.app?.id !== args.appId)
      await forget(gh, args, id);
  }
  return completed;
}

/** Forgets a run no sweep needs; if the store (Redis) fails, a later sweep only reads it again. */
async function forget(gh: GitHubApi, args: RepositorySweep, id: number): Promise<void> {
  try {
    await args.openRuns?.completed(gh.repo, id);
  } catch (e) {
    args.log?.warn(
      { err: e, repo: `${gh.repo.owner}/${gh.repo.repo}`, checkRun: id },
      'egress-lint: the sweep could not forget a completed check run',
    );
  }
}

/** Completes the run as a `failure` if it is this app's and in progress past `staleAfterMs`. */
async function completeIfAbandoned(
  gh: GitHubApi,
  args: RepositorySweep,
  run: CheckRunFound,
  now: number,
): Promise<boolean> {
  if (run.status === 'completed' || run.app?.id !== args.appId || !run.startedAt) return false;
  const ageMs = now - Date.parse(run.startedAt);
  if (!(ageMs > args.staleAfterMs)) return false;
  await updateCheckRunReliably(gh, args.retry, run.id, {
    status: 'completed',
    conclusion: 'failure',
    completed_at: new Date(now).toISOString(),
    output: failedRunOutput(abandonedReason(ageMs)),
  });
  return true;
}

/** Commits the app may have left a run on: heads of open and lately closed pull requests, and of merge groups. */
async function checkedHeads(gh: GitHubApi, closedSince: number): Promise<Set<string>> {
  const [open, closed, queued] = await Promise.all([
    gh.listOpenPullRequests(),
    gh.listPullRequestsClosedSince(closedSince),
    gh.listMergeQueueHeads(),
  ]);
  return new Set([...[...open, ...closed].map((p) => p.headSha), ...queued]);
}

/**
 * Closed pull requests to look at: those closed since the last complete sweep began, less the time
 * a run takes to count as abandoned (a run that was still young then may have been left since).
 */
export function closedSince(
  options: Pick<SweepOptions, 'staleAfterMs' | 'maxClosedLookbackMs'>,
  lastComplete: number | undefined,
  now = Date.now(),
): number {
  const earliest = now - options.maxClosedLookbackMs;
  if (lastComplete === undefined) return earliest;
  return Math.max(earliest, lastComplete - options.staleAfterMs - CLOCK_MARGIN_MS);
}

export function abandonedReason(ageMs: number): string {
  return `the app stopped working on it (a restart, a crash, or GitHub unreachable for too long); it was still in progress ${Math.round(ageMs / 60_000)} minutes after it started`;
}

type AuthFn = Probot['auth'];

/** One sweep over every repository of every installation; a failing repository does not stop it. */
export async function sweepInstallations(
  probot: { auth: AuthFn; log: Probot['log'] },
  args: Omit<RepositorySweep, 'appId'>,
): Promise<{ repositories: number; completed: number; failed: number }> {
  const asApp = await probot.auth();
  const installations = await asApp.paginate(asApp.rest.apps.listInstallations, { per_page: 100 });
  const totals = { repositories: 0, completed: 0, failed: 0 };
  for (const installation of installations) {
    const octokit: ProbotOctokit = await probot.auth(installation.id);
    const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, {
      per_page: 100,
    });
    const stats: CallStats = { apiCalls: 0 }; // shared: one counting hook per client, not per repository
    for (const r of repos) {
      totals.repositories++;
      const gh = new GitHubApi(octokit, { owner: r.owner.login, repo: r.name }, undefined, stats);
      try {
        totals.completed += (
          await sweepRepository(gh, { ...args, appId: installation.app_id, log: probot.log })
        ).length;
      } catch (e) {
        totals.failed++;
        probot.log.warn({ err: e, repo: r.full_name }, 'egress-lint: sweep of a repository failed');
      }
    }
  }
  return totals;
}

/**
 * Sweeps now and then every `intervalMs`, when the gate lets it (never two at once; with Redis, one
 * replica per period); the timer does not keep the process up.
 */
export function scheduleSweeps(
  probot: { auth: AuthFn; log: Probot['log'] },
  options: SweepOptions,
  work: { retry: RetryPolicy; openRuns?: OpenRuns },
  gate: SweepGate = inProcessSweepGate(),
): void {
  const sweep = async (): Promise<void> => {
    try {
      await gate.run(async (lastComplete) => {
        const since = closedSince(options, lastComplete);
        const totals = await sweepInstallations(probot, {
          staleAfterMs: options.staleAfterMs,
          ...work,
          closedSince: since,
        });
        probot.log.info(totals, 'egress-lint: sweep of abandoned check runs done');
        return { complete: totals.failed === 0 };
      });
    } catch (e) {
      probot.log.warn({ err: e }, 'egress-lint: sweep of abandoned check runs failed');
    }
  };
  setTimeout(() => void sweep(), 0).unref();
  setInterval(() => void sweep(), options.intervalMs).unref();
}
