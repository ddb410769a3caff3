import { defineRule } from '../src/lint/rule.js';
import { listText } from '../src/lint/wording.js';
import {
  authzAction,
  authzGatewayTargets,
  authzRules,
  conditionAppliesToPort,
  describeGatewayWorkload,
  describeServerPort,
  identityConditions,
  serverSeesClientIdentity,
  workloadServers,
  type WorkloadServer,
} from '../src/model/istio.js';
import { KIND } from '../src/model/kinds.js';

/**
 * `principals`, `namespaces` and `serviceAccounts` are read from the client certificate of an mTLS
 * connection. A gateway server that does not terminate mTLS (plain text, SIMPLE TLS, PASSTHROUGH) never
 * sees one, and on an OPTIONAL_MUTUAL server clients that do not send ISTIO_MUTUAL present none: the
 * source identity is empty, so such a condition never matches.
 */
export default defineRule({
  meta: {
    id: 'authz-identity-without-mtls',
    severity: 'error',
    description:
      'AuthorizationPolicy on an egress gateway matches on source identity (principals, namespaces) where the gateway gets no client mTLS certificate',
    kinds: [
      'AuthorizationPolicy',
      'Gateway',
      'DestinationRule',
      'VirtualService',
      'IstioGateway',
      'ASMEgressTrafficPolicy',
    ],
  },
  check({ index, report }) {
    const whyNoIdentity = (s: WorkloadServer): string | undefined => {
      if (s.tlsMode === undefined) return 'plain text';
      if (s.routeKind === 'tls') return 'TLS passed through, not terminated';
      if (s.tlsMode === 'SIMPLE') return 'TLS without client certificates';
      if (s.tlsMode === 'OPTIONAL_MUTUAL') {
        const plain = index
          .gatewayClients()
          .filter(
            (c) => c.workload === s.workload && c.port === s.port && c.tls.mode !== 'ISTIO_MUTUAL',
          );
        return plain.length > 0
          ? `client certificates optional, and sidecars in ${listText([...new Set(plain.map((c) => c.namespace))])} send none`
          : undefined;
      }
      return serverSeesClientIdentity(s) ? undefined : `tls.mode ${s.tlsMode}`;
    };
    for (const policy of index.ofKind(KIND.authorizationPolicy)) {
      const action = authzAction(policy);
      if (action !== 'ALLOW' && action !== 'DENY') continue;
      const servers = authzGatewayTargets(index, policy).flatMap(workloadServers);
      for (const rule of authzRules(policy)) {
        for (const condition of identityConditions(rule)) {
          const blind = servers.flatMap((s) => {
            const why = conditionAppliesToPort(rule, condition, s.listenPort)
              ? whyNoIdentity(s)
              : undefined;
            return why
              ? [`${describeServerPort(s)} of ${describeGatewayWorkload(s.workload)}: ${why}`]
              : [];
          });
          if (blind.length === 0) continue;
          const effect =
            action === 'ALLOW'
              ? 'this ALLOW rule never matches there, so those requests are denied'
              : 'this DENY rule never matches there, so it denies nothing on that port';
          report({
            resource: policy,
            path: condition.path,
            message: `\`${condition.field}\` needs the client's mTLS identity, which the gateway does not get on ${listText([...new Set(blind)])}; ${effect}`,
          });
        }
      }
    }
  },
});
