import { defineRule } from '../src/lint/rule.js';
import { listText } from '../src/lint/wording.js';
import { authzAction, authzGatewayTargets, describeGatewayWorkload } from '../src/model/istio.js';
import { KIND } from '../src/model/kinds.js';
import { get } from '../src/model/resource.js';

/**
 * An AuthorizationPolicy without rules matches nothing (pilot/pkg/security/authz/builder, a policy
 * that never matches). As ALLOW that denies every request to the workloads it selects — on an egress
 * gateway, all egress through it; as DENY or AUDIT it does nothing.
 */
export default defineRule({
  meta: {
    id: 'authz-no-rules',
    severity: 'warning',
    description:
      'AuthorizationPolicy without rules: as ALLOW it blocks all traffic through an egress gateway, as DENY it does nothing',
    kinds: ['AuthorizationPolicy', 'IstioGateway', 'Gateway', 'ASMEgressTrafficPolicy'],
  },
  check({ index, report }) {
    for (const policy of index.ofKind(KIND.authorizationPolicy)) {
      const rules = get(policy.body, ['spec', 'rules']);
      if (Array.isArray(rules) && rules.length > 0) continue;
      const action = authzAction(policy);
      if (action === 'CUSTOM') continue;
      const path =
        get(policy.body, ['spec', 'action']) !== undefined ? ['spec', 'action'] : ['spec'];
      if (action === 'ALLOW') {
        const gateways = authzGatewayTargets(index, policy);
        if (gateways.length === 0) continue;
        report({
          resource: policy,
          path,
          message: `ALLOW without rules allows nothing, so every request through ${listText(gateways.map(describeGatewayWorkload))} is denied (403 / connection closed); add rules for the traffic to let out, or suppress this finding if blocking everything is the intent`,
        });
      } else {
        report({
          resource: policy,
          path,
          message: `${action} without rules matches nothing, so this policy has no effect; add the rules it should ${action === 'DENY' ? 'deny' : 'audit'}`,
        });
      }
    }
  },
});
