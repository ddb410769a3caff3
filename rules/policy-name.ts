import { defineRule } from '../src/lint/rule.js';

/**
 * ASM's convention: the policy for gateway G is named egress-by-G and lives in istio-egress. The
 * console manages exactly that object, so a policy named otherwise is invisible to it (and may be
 * overwritten by, or fight with, the one the console creates).
 */
export default defineRule({
  meta: {
    id: 'policy-name',
    severity: 'warning',
    description:
      'ASMEgressTrafficPolicy not named egress-by-<gateway> in the policy namespace (istio-egress)',
    kinds: ['ASMEgressTrafficPolicy'],
  },
  check({ configSet, config, report }) {
    for (const policy of configSet.policies) {
      const r = policy.resource;
      const expected = `egress-by-${policy.gateway}`;
      if (r.name !== expected) {
        report({
          resource: r,
          path: ['metadata', 'name'],
          message: `policy for gateway "${policy.gateway}" should be named "${expected}" (ASM manages one policy per gateway under that name)`,
        });
      }
      const ns = config.mesh.policyNamespace;
      if (r.namespace !== ns) {
        report({
          resource: r,
          path: r.namespaceDefaulted ? ['metadata'] : ['metadata', 'namespace'],
          message: r.namespaceDefaulted
            ? `policy has no namespace; ASM expects egress traffic policies in "${ns}"`
            : `policy is in namespace "${r.namespace}"; ASM expects egress traffic policies in "${ns}"`,
        });
      }
    }
  },
});
