/**
 * The sticky comment the app posts: exactly what `egress-lint diff --format markdown` prints for the
 * pull request (verdict, findings, resource changes and diffs), with links to the head commit and the
 * check run.
 */
import { diffRevisions, type RevisionDiff } from '../diff/diff.js';
import { renderMarkdown, STICKY_COMMENT_MARKER } from '../report/markdown.js';
import type { PullRequestReporter } from './evaluate.js';

export const pullRequestComment: PullRequestReporter<RevisionDiff> = {
  marker: STICKY_COMMENT_MARKER,
  diff: (base, head) => diffRevisions(base, head),
  hasChanges: (diff) => diff.changes.length > 0,
  renderComment({ pullRequest, config, lint, diff, checkRunUrl }) {
    return renderMarkdown(
      { diff, findings: lint.findings, failOn: config.failOn },
      {
        links: { repoUrl: pullRequest.repoUrl, headSha: pullRequest.headSha },
        fullOutput: {
          ...(checkRunUrl ? { url: checkRunUrl } : {}),
          command: `npx egress-lint diff --base ${pullRequest.baseSha.slice(0, 12)}`,
        },
        ...(config.docsBaseUrl ? { docsUrl: config.docsBaseUrl } : {}),
      },
    );
  },
};
