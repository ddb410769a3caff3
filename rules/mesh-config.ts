import { defineRule } from '../src/lint/rule.js';
import { describe } from '../src/model/resource.js';

/**
 * istiod reads the `mesh` key of the `istio` ConfigMap in the root namespace as YAML; text it cannot
 * read leaves it on its defaults (or unable to start), and an unknown outbound mode is rejected.
 * egress-lint cannot do better: every verdict then uses the defaults, which the finding says.
 */
export default defineRule({
  meta: {
    id: 'mesh-config',
    severity: 'error',
    description:
      'Mesh config (the istio ConfigMap `mesh` text) that does not parse or names an unknown outbound traffic policy mode; the defaults are used instead',
    kinds: ['ConfigMap'],
  },
  check({ mesh, report }) {
    for (const u of mesh.unreadable) {
      const used =
        mesh.meshWide.source === 'IstioOperator'
          ? `egress-lint takes the outbound traffic policy from the IstioOperator (${mesh.meshWide.mode})`
          : `egress-lint uses the defaults for every verdict (outbound traffic policy ${mesh.meshWide.mode}${mesh.meshWide.source === 'config' ? ', from the project config' : ", Istio's default"})`;
      report({
        resource: u.resource,
        path: u.path,
        message: `istiod cannot use the mesh config in ${describe(u.resource)}: ${u.problem}; ${used}; fix the text`,
      });
    }
  },
});
