/**
 * The sticky comment the app posts: exactly what `egress-lint diff --format markdown` prints for the
 * pull request (verdict, findings, resource and access changes, diffs), with links to the head commit and the
 * check run.
 */
import { compareRevisions } from '../diff/compare.js';
import type { RevisionDiff } from '../diff/diff.js';
import type { AccessChanges } from '../report/diff-report.js';
import { renderMarkdown, STICKY_COMMENT_MARKER } from '../report/markdown.js';
import { accessChangesReport } from '../simulate/access.js';
import type { PullRequestReporter } from './evaluate.js';

interface PullRequestChanges {
  resources: RevisionDiff;
  access: AccessChanges | undefined;
}

export const pullRequestComment: PullRequestReporter<PullRequestChanges> = {
  marker: STICKY_COMMENT_MARKER,
  diff: (base, head) => {
    // The app's base stays in its cache of analyses, for the next pull request on the same base.
    const { resources, access } = compareRevisions(head, () => base);
    return { resources, access: accessChangesReport(access) };
  },
  hasChanges: ({ resources, access }) => resources.changes.length > 0 || access !== undefined,
  renderComment({ pullRequest, config, lint, diff, checkRunUrl }) {
    return renderMarkdown(
      {
        diff: diff.resources,
        findings: lint.findings,
        failOn: config.failOn,
        ...(diff.access ? { access: diff.access } : {}),
      },
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
