import { writtenAt } from '../src/lint/describe.js';
import { defineRule } from '../src/lint/rule.js';
import { listText } from '../src/lint/wording.js';
import { labelsText, sidecarsForSameWorkloads, workloadSelectorOf } from '../src/model/istio.js';
import { describe } from '../src/model/resource.js';

/**
 * A workload gets one Sidecar: of several for the same workloads (two without selector in a namespace,
 * or two with the same selector) Istio uses the oldest by creation time and ignores the rest, so the
 * outbound traffic policy and egress hosts in force (whether egress may bypass the gateway) depend on
 * creation order, which the repository cannot show. egress-lint reads the first by name.
 */
export default defineRule({
  meta: {
    id: 'sidecar-conflict',
    severity: 'warning',
    description:
      'Several Sidecars for the same workloads (no selector twice in a namespace, or the same selector): Istio uses the oldest (creation order decides)',
    kinds: ['Sidecar'],
  },
  check({ index, report }) {
    for (const group of sidecarsForSameWorkloads(index)) {
      const first = group[0]!;
      const selector = workloadSelectorOf(first);
      const which = selector
        ? `the workloads labelled ${labelsText(selector)} in ${first.namespace}`
        : `every workload of ${first.namespace} without a more specific Sidecar`;
      for (const sc of group) {
        const others = group
          .filter((o) => o !== sc)
          .map((o) => `${describe(o)} (${writtenAt(o, ['metadata', 'name'])})`);
        report({
          resource: sc,
          path: selector ? ['spec', 'workloadSelector'] : ['metadata', 'name'],
          message: `${describe(sc)} and ${listText(others)} both apply to ${which}: Istio uses the oldest by creation time (which the repository cannot show) and ignores the others, so their outbound traffic policy and egress hosts depend on creation order (egress-lint assumes ${describe(first)}, first by name); merge them into one Sidecar`,
        });
      }
    }
  },
});
