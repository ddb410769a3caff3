import { defineRule } from '../src/lint/rule.js';
import { listText } from '../src/lint/wording.js';
import {
  authzAction,
  authzEnforcedOn,
  authzRules,
  conditionAppliesToPort,
  describeGatewayWorkload,
  describeServerPort,
  httpOnlyConditions,
  workloadServers,
} from '../src/model/istio.js';
import { KIND } from '../src/model/kinds.js';

/**
 * `hosts`, `methods`, `paths` (and request principals, headers, JWT claims) are read from HTTP
 * requests. On a gateway port that carries TLS or TCP, Istio builds the network RBAC filter without
 * them: an ALLOW rule that uses one is skipped, so it allows nothing there; a DENY rule is built with
 * that condition left out, so it denies every connection its other conditions match
 * (pilot/pkg/security/authz/model/model.go, checkError).
 */
export default defineRule({
  meta: {
    id: 'authz-l7-on-l4',
    severity: 'error',
    description:
      'AuthorizationPolicy on an egress gateway uses HTTP-only conditions (hosts, methods, paths...) on a port that carries TLS or TCP',
    kinds: ['AuthorizationPolicy', 'Gateway', 'IstioGateway', 'ASMEgressTrafficPolicy'],
  },
  check({ index, report }) {
    for (const policy of index.ofKind(KIND.authorizationPolicy)) {
      const action = authzAction(policy);
      if (action !== 'ALLOW' && action !== 'DENY') continue;
      const l4 = authzEnforcedOn(index, policy)
        .flatMap(workloadServers)
        .filter((s) => s.routeKind !== 'http');
      if (l4.length === 0) continue;
      for (const rule of authzRules(policy)) {
        for (const condition of httpOnlyConditions(rule)) {
          const hit = l4.filter((s) => conditionAppliesToPort(rule, condition, s.listenPort));
          if (hit.length === 0) continue;
          const where = listText([
            ...new Set(
              hit.map((s) => `${describeServerPort(s)} of ${describeGatewayWorkload(s.workload)}`),
            ),
          ]);
          const effect =
            action === 'ALLOW'
              ? 'Istio skips this ALLOW rule there, so it allows nothing on that port (connections are refused unless another rule allows them)'
              : `Istio drops \`${condition.field}\` from this DENY rule there, so it denies every connection on that port that its other conditions match`;
          report({
            resource: policy,
            path: condition.path,
            message: `\`${condition.field}\` needs HTTP, but ${where} carries TLS/TCP: ${effect}; limit the rule with \`ports\` to HTTP ports, or match TLS by \`when: connection.sni\``,
          });
        }
      }
    }
  },
});
