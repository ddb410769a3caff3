import { defineRule } from '../src/lint/rule.js';
import { writtenAt } from '../src/lint/describe.js';
import { laterCopies } from '../src/model/config-set.js';
import { describe } from '../src/model/resource.js';

/**
 * One object (group, kind, namespace, name) written twice: the cluster keeps one. `kubectl apply` of
 * both leaves whichever it applied last; Argo CD refuses to sync ("appeared 2 times among application
 * resources"). Which copy Istio ends up with depends on apply order, which the repository cannot show.
 * egress-lint checks the first copy only, so the other rules do not report the object twice over.
 */
export default defineRule({
  meta: {
    id: 'duplicate-resource',
    severity: 'error',
    description:
      'The same object (kind, namespace, name) is defined twice, in two files or two documents; the cluster keeps one',
    kinds: ['*'],
  },
  check({ configSet, report }) {
    for (const [copy, first] of laterCopies(configSet.resources)) {
      report({
        resource: copy,
        path: ['metadata', 'name'],
        message: `${describe(copy)} is defined twice, in ${writtenAt(first, ['metadata', 'name'])} and ${writtenAt(copy, ['metadata', 'name'])}: the cluster keeps one copy, whichever is applied last (Argo CD refuses to sync both), so the outcome depends on apply order; egress-lint checks only the first; delete one copy or rename it`,
      });
    }
  },
});
