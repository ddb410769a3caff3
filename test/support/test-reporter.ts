/**
 * A small comment builder standing in for src/report/markdown.ts and src/diff (the app takes them as a
 * parameter): a resource-level "diff" by identity and body, and a body that states what tests assert.
 */
import type { Analysis } from '../../src/analyze.js';
import type { PullRequestReporter } from '../../src/app/evaluate.js';
import { identityKey } from '../../src/model/resource.js';

export interface TestDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

export const MARKER = '<!-- egress-lint-test-comment -->';

function resourceBodies(a: Analysis): Map<string, string> {
  return new Map(
    [...a.configSet.resources, ...a.render.resources].map((r) => [
      identityKey(r),
      JSON.stringify(r.body),
    ]),
  );
}

export const testReporter: PullRequestReporter<TestDiff> = {
  marker: MARKER,
  diff(base, head) {
    const before = resourceBodies(base);
    const after = resourceBodies(head);
    return {
      added: [...after.keys()].filter((k) => !before.has(k)).sort(),
      removed: [...before.keys()].filter((k) => !after.has(k)).sort(),
      changed: [...after.keys()]
        .filter((k) => before.has(k) && before.get(k) !== after.get(k))
        .sort(),
    };
  },
  hasChanges: (d) => d.added.length + d.removed.length + d.changed.length > 0,
  renderComment: ({ conclusion, lint, diff, pullRequest }) =>
    [
      `verdict: ${conclusion}`,
      `head: ${pullRequest.headSha}`,
      `findings: ${lint.findings.filter((f) => !f.suppressed).length}`,
      `changed: ${diff.changed.length}, added: ${diff.added.length}, removed: ${diff.removed.length}`,
      MARKER,
    ].join('\n'),
};
