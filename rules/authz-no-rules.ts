import { defineRule } from '../src/lint/rule.js';
import { listText } from '../src/lint/wording.js';
import {
  authzAction,
  authzEnforcedOn,
  authzRules,
  describeGatewayWorkload,
  type GatewayWorkload,
} from '../src/model/istio.js';
import { KIND } from '../src/model/kinds.js';
import { get, type Resource } from '../src/model/resource.js';

/**
 * An AuthorizationPolicy without rules matches nothing (pilot/pkg/security/authz/builder, a policy
 * that never matches). As ALLOW that denies every request to the workloads it selects — on an egress
 * gateway, all egress through it — unless another ALLOW policy with rules applies to them too: a
 * request is allowed when any ALLOW policy matches it, so the empty one is then the "allow-nothing"
 * baseline Istio's authorization tasks start from. As DENY or AUDIT it does nothing. A policy Istio
 * does not enforce on the gateway (targetRefs, dry-run: authzInactiveReason) neither closes nor opens it.
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
    let opened: Set<string> | undefined;
    // Gateways some enforced ALLOW policy with rules applies to: an empty ALLOW policy does not close them.
    const openedByRules = (): Set<string> =>
      (opened ??= new Set(
        index
          .ofKind(KIND.authorizationPolicy)
          .filter((p) => authzAction(p) === 'ALLOW' && hasRules(p))
          .flatMap((p) => authzEnforcedOn(index, p).map(workloadKey)),
      ));
    for (const policy of index.ofKind(KIND.authorizationPolicy)) {
      if (hasRules(policy)) continue;
      const action = authzAction(policy);
      if (action === 'CUSTOM') continue;
      const path =
        get(policy.body, ['spec', 'action']) !== undefined ? ['spec', 'action'] : ['spec'];
      if (action === 'ALLOW') {
        const gateways = authzEnforcedOn(index, policy).filter(
          (w) => !openedByRules().has(workloadKey(w)),
        );
        if (gateways.length === 0) continue;
        report({
          resource: policy,
          path,
          message: `ALLOW without rules allows nothing, and no ALLOW policy with rules applies to ${listText(gateways.map(describeGatewayWorkload))}, so every request through ${gateways.length === 1 ? 'it' : 'them'} is denied (403 / connection closed); add rules for the traffic to let out, or suppress this finding if blocking everything is the intent`,
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

function hasRules(policy: Resource): boolean {
  return authzRules(policy).length > 0;
}

/** A gateway by what identifies it (its pods' namespace and labels), not by object identity. */
function workloadKey(w: GatewayWorkload): string {
  return JSON.stringify([w.namespace, w.name, Object.entries(w.labels).sort()]);
}
