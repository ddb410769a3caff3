import { defineRule } from '../src/lint/rule.js';
import { shownClients } from '../src/lint/clients.js';
import { listText } from '../src/lint/wording.js';
import {
  authzAction,
  authzEnforcedOn,
  authzRules,
  conditionAppliesToPort,
  describeGatewayWorkload,
  describeNamespaces,
  everyNamespace,
  describeServerPort,
  identityConditions,
  serverSeesClientIdentity,
  workloadServers,
  type GatewayClient,
  type IstioIndex,
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
    const all = everyNamespace(index);
    // The gateway clients that send no ISTIO_MUTUAL, read once and only if a server takes it optionally.
    let plain: GatewayClient[] | undefined;
    const plainClients = (): readonly GatewayClient[] =>
      (plain ??= [...index.gatewayClients()].filter((c) => c.tls.mode !== 'ISTIO_MUTUAL'));
    /** Why the server gets no client identity, and whether that holds for a client the repository shows. */
    const whyNoIdentity = (s: WorkloadServer): Blind | undefined => {
      if (s.tlsMode === undefined) return { why: 'plain text', shown: true };
      if (s.routeKind === 'tls') return { why: 'TLS passed through, not terminated', shown: true };
      if (s.tlsMode === 'SIMPLE') return { why: 'TLS without client certificates', shown: true };
      if (s.tlsMode === 'OPTIONAL_MUTUAL') return optionalMutual(index, s, all, plainClients());
      return serverSeesClientIdentity(s)
        ? undefined
        : { why: `tls.mode ${s.tlsMode}`, shown: true };
    };
    for (const policy of index.ofKind(KIND.authorizationPolicy)) {
      const action = authzAction(policy);
      if (action !== 'ALLOW' && action !== 'DENY') continue;
      const servers = authzEnforcedOn(index, policy).flatMap(workloadServers);
      for (const rule of authzRules(policy)) {
        for (const condition of identityConditions(rule)) {
          const blind = servers.flatMap((s) => {
            const b = conditionAppliesToPort(rule, condition, s.listenPort)
              ? whyNoIdentity(s)
              : undefined;
            return b
              ? [
                  {
                    ...b,
                    why: `${describeServerPort(s)} of ${describeGatewayWorkload(s.workload)}: ${b.why}`,
                  },
                ]
              : [];
          });
          if (blind.length === 0) continue;
          // Clients that only may exist, or only may send plain text: a warning, not an error.
          const hypothetical = !blind.some((b) => b.shown);
          const effect =
            action === 'ALLOW'
              ? 'this ALLOW rule never matches there, so those requests are denied'
              : 'this DENY rule never matches there, so it denies nothing on that port';
          report({
            resource: policy,
            path: condition.path,
            ...(hypothetical ? { severity: 'warning' as const } : {}),
            message: `\`${condition.field}\` needs the client's mTLS identity, which the gateway does not get on ${listText([...new Set(blind.map((b) => b.why))])}; ${effect}`,
          });
        }
      }
    }
  },
});

interface Blind {
  why: string;
  /** It holds for a client the repository shows (always, when the server itself takes no certificate). */
  shown: boolean;
}

/**
 * An OPTIONAL_MUTUAL server sees an identity only from clients that send the mesh's mTLS: the
 * sidecars whose DestinationRule (or auto mTLS, unless PeerAuthentication DISABLE turns it off) gives
 * ISTIO_MUTUAL. Shown: a client the repository shows surely sends none (not merely `unknown`).
 */
function optionalMutual(
  index: IstioIndex,
  s: WorkloadServer,
  all: readonly string[],
  plainClients: readonly GatewayClient[],
): Blind | undefined {
  const plain = plainClients.filter((c) => c.workload === s.workload && c.port === s.port);
  if (plain.length === 0) return undefined;
  const namespaces = [...new Set(plain.map((c) => c.namespace))].sort();
  const surely = plain.filter((c) => c.tls.mode !== 'unknown').map((c) => c.namespace);
  const maybe = plain.some((c) => c.tls.mode === 'unknown');
  return {
    why: `client certificates optional, and sidecars in ${describeNamespaces(namespaces, all)} ${maybe ? 'may ' : ''}send none`,
    shown: shownClients(index, surely).length > 0,
  };
}
