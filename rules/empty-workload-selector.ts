import { defineRule } from '../src/lint/rule.js';
import { get, isObject } from '../src/model/resource.js';

/**
 * `workloadSelector: {}` selects every workload of the namespace, exactly like leaving it out. Written
 * out, it is usually a template whose labels rendered empty, and it quietly opens the host to the whole
 * namespace.
 */
export default defineRule({
  meta: {
    id: 'empty-workload-selector',
    severity: 'warning',
    description:
      'from[].workloadSelector is empty ({}), which admits every workload of the namespace',
    kinds: ['ASMEgressTrafficPolicy'],
  },
  check({ configSet, report }) {
    for (const policy of configSet.policies) {
      for (const rule of policy.rules) {
        for (const f of rule.from) {
          const path = [...f.path, 'workloadSelector'];
          const sel = get(policy.resource.body, path);
          if (!isObject(sel) || Object.keys(sel).length > 0) continue;
          report({
            resource: policy.resource,
            path,
            message: `workloadSelector is empty, so every workload in namespace ${f.namespace} may use this rule; add the labels of the workloads you mean, or remove workloadSelector to say "the whole namespace" plainly`,
          });
        }
      }
    }
  },
});
