/**
 * Interim sticky-comment content until the resource diff (src/diff) and the comment renderer
 * (src/report/markdown.ts) are wired in src/app/index.ts: the check run's findings summary, no
 * resource diff. With no diff, `on-change` comments only when the check fails.
 */
import { checkSummary, checkTitle } from '../report/check-run.js';
import type { PullRequestReporter } from './evaluate.js';

export const FINDINGS_COMMENT_MARKER = '<!-- egress-lint:sticky-comment -->';

export const findingsCommentReporter: PullRequestReporter<undefined> = {
  marker: FINDINGS_COMMENT_MARKER,
  diff: () => undefined,
  hasChanges: () => false,
  renderComment({ lint, conclusion, config, pullRequest, checkRunUrl }) {
    const summary = checkSummary(lint, conclusion, {
      repoUrl: pullRequest.repoUrl,
      headSha: pullRequest.headSha,
      failOn: config.failOn,
    });
    const link = checkRunUrl ? ` ([check run](${checkRunUrl}))` : '';
    return [
      `### egress-lint: ${checkTitle(lint, conclusion)}${link}`,
      '',
      summary,
      '',
      '<sub>Comment `/egress render` to refresh, `/egress help` for commands.</sub>',
      '',
      FINDINGS_COMMENT_MARKER,
    ].join('\n');
  },
};
