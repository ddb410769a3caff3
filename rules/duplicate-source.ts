import { writtenAt } from '../src/lint/describe.js';
import { defineRule } from '../src/lint/rule.js';
import type { PolicySource } from '../src/model/egress-policy.js';

/**
 * A `from` list is a union. Listing a namespace twice is either a copy-paste slip or, worse, a
 * whole-namespace entry next to a selector entry: the author meant "only app=x" and wrote "everyone".
 */
export default defineRule({
  meta: {
    id: 'duplicate-source',
    severity: 'warning',
    description:
      'A from list names the same namespace twice (same selector, or a selector next to the whole namespace)',
    kinds: ['ASMEgressTrafficPolicy'],
  },
  check({ configSet, report }) {
    for (const policy of configSet.policies) {
      for (const rule of policy.rules) {
        rule.from.forEach((f, i) => {
          const earlier = rule.from.slice(0, i).filter((e) => e.namespace === f.namespace);
          const same = earlier.find((e) => selectorKey(e) === selectorKey(f));
          const whole =
            earlier.find((e) => !e.workloadSelector) ??
            (f.workloadSelector ? undefined : earlier[0]);
          const other = same ?? whole;
          if (!other) return;
          const at = writtenAt(policy.resource, other.path);
          report({
            resource: policy.resource,
            path: f.path,
            message: same
              ? `namespace ${f.namespace}${describeSelector(f)} is already listed at ${at}; remove one of them`
              : `namespace ${f.namespace} is listed for ${other.workloadSelector ? 'selected workloads' : 'every workload'} at ${at} and again for ${f.workloadSelector ? `workloads ${formatSelector(f.workloadSelector)}` : 'every workload'} here; the whole-namespace entry admits every workload, so the selector restricts nothing. Keep the entry you mean`,
          });
        });
      }
    }
  },
});

function selectorKey(f: PolicySource): string {
  return f.workloadSelector ? formatSelector(f.workloadSelector) : '';
}

function formatSelector(sel: Readonly<Record<string, string>>): string {
  return Object.entries(sel)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function describeSelector(f: PolicySource): string {
  return f.workloadSelector ? ` with workloads ${formatSelector(f.workloadSelector)}` : '';
}
