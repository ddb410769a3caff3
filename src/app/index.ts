/**
 * The Probot app: wiring only. Each event goes to a plain function in handlers.ts; everything they do
 * is testable without HTTP. `createEgressLintApp` takes where the sticky comment's content comes from.
 */
import type { ApplicationFunction, Probot } from 'probot';
import { pullRequestComment } from './comment.js';
import { DEFAULT_SWEEP, scheduleSweeps } from './sweep.js';
import {
  createAppState,
  onCheckRerequested,
  onIssueComment,
  onMergeGroup,
  onPullRequest,
  type AppOptions,
} from './handlers.js';

export function createEgressLintApp<D>(options: AppOptions<D>): ApplicationFunction {
  return (app: Probot) => {
    const state = createAppState(options);
    if (options.sweep) scheduleSweeps(app, options.sweep, state.retry);
    app.on(
      [
        'pull_request.opened',
        'pull_request.synchronize',
        'pull_request.reopened',
        'pull_request.ready_for_review',
        'pull_request.edited',
      ],
      (ctx) => onPullRequest(state, ctx),
    );
    app.on('check_run.rerequested', (ctx) => onCheckRerequested(state, ctx));
    app.on('check_suite.rerequested', (ctx) => onCheckRerequested(state, ctx));
    app.on('issue_comment.created', (ctx) => onIssueComment(state, ctx));
    app.on('merge_group.checks_requested', (ctx) => onMergeGroup(state, ctx));
  };
}

export default createEgressLintApp({ reporter: pullRequestComment, sweep: DEFAULT_SWEEP });
