#!/usr/bin/env node
/**
 * The GitHub Action (action.yml runs this): what the App does for one pull request or merge group,
 * with the workflow's token. It is the App's own refresh (src/app/refresh.ts): config from the base
 * commit, the check run with annotations, the sticky comment; only where commits are read from
 * (the checkout first, see action-api.ts) and how the result ends (the exit code) are its own.
 */
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createAppState } from '../app/handlers.js';
import { pullRequestComment } from '../app/comment.js';
import { statusOf } from '../app/github.js';
import { appOctokit } from '../app/octokit.js';
import { checkMergeGroup, refreshPullRequest, type RefreshOutcome } from '../app/refresh.js';
import { CONFIG_FILE, type ProjectConfig } from '../config/project-config.js';
import { ActionGitHubApi, type ActionOutput } from './action-api.js';
import { Checkout } from './checkout.js';
import { ActionInputError, applyOverrides, readActionContext } from './inputs.js';

/** Exit codes, as the CLI's: 0 clean, 1 findings at or above the threshold, 2 could not check. */
const EXIT_CODE: Record<RefreshOutcome['result'], number> = {
  passed: 0,
  'no-policy-changes': 0,
  superseded: 0,
  // Decided by the App's Redis turns before a check starts; the Action never takes turns.
  closed: 0,
  'already-checked': 0,
  'already-handled': 0,
  failed: 1,
  'invalid-config': 2,
  error: 2,
};

export async function runAction(env: NodeJS.ProcessEnv, out: ActionOutput): Promise<number> {
  let ctx;
  try {
    ctx = readActionContext(env);
  } catch (e) {
    if (!(e instanceof ActionInputError)) throw e;
    out.log(`::error title=egress-lint::${e.message}`);
    return 2;
  }
  if (!ctx.target) {
    out.log('egress-lint: the pull request is not open; nothing to check');
    return 0;
  }
  const Octokit = appOctokit();
  const octokit = new Octokit({ auth: { token: ctx.token }, baseUrl: ctx.apiUrl });
  const checkout = await Checkout.open(ctx.workspace);
  const gh = new ActionGitHubApi(octokit, { owner: ctx.owner, repo: ctx.repo }, checkout, out);
  const { caches, retry } = createAppState({ reporter: pullRequestComment });
  const deps = {
    gh,
    caches,
    retry,
    reporter: pullRequestComment,
    configSource: {
      file: ctx.configFile ?? CONFIG_FILE,
      adjust: (config: ProjectConfig) => applyOverrides(config, ctx.overrides),
    },
  };
  const { number, headSha, baseSha } = ctx.target;
  const deliveryId = `run-${ctx.runId}`;
  const outcome = await (
    number === undefined
      ? checkMergeGroup(deps, { headSha, baseSha, repoUrl: ctx.repoUrl, deliveryId })
      : refreshPullRequest(deps, {
          pullRequest: { number, headSha, baseSha },
          repoUrl: ctx.repoUrl,
          deliveryId,
          requested: false,
        })
  ).catch((e: unknown): RefreshOutcome => {
    // Only creating the check run happens outside refresh's own error handling.
    return {
      result: 'error',
      checkRun: 'not-created',
      comment: 'none',
      filesRead: 0,
      blobsFetched: 0,
      blobsFromCache: 0,
      error: e,
    };
  });
  report(outcome, gh, checkout, out);
  return EXIT_CODE[outcome.result];
}

function report(
  outcome: RefreshOutcome,
  gh: ActionGitHubApi,
  checkout: Checkout | undefined,
  out: ActionOutput,
): void {
  if (outcome.error !== undefined) {
    const status = statusOf(outcome.error);
    const what = outcome.result === 'error' ? 'the check' : 'the pull request comment';
    const why = status ? `HTTP ${status}` : (outcome.error as Error).message;
    const hint = status === 403 ? ' (the token needs `pull-requests: write` for the comment)' : '';
    out.log(`::warning title=egress-lint::could not complete ${what}: ${why}${hint}`);
  }
  out.log(
    `egress-lint: ${outcome.result}; comment ${outcome.comment}; ` +
      `${outcome.filesRead} files read (${checkout?.reads ?? 0} git objects from the checkout), ` +
      `${gh.stats.apiCalls} API calls${gh.checksForbidden ? '; no check run (annotations above)' : ''}`,
  );
}

/** The runner's job log and summary page. */
export function workflowOutput(env: NodeJS.ProcessEnv): ActionOutput {
  return {
    log: (line) => process.stdout.write(`${line}\n`),
    summary: (markdown) => {
      if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, markdown);
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = await runAction(process.env, workflowOutput(process.env));
