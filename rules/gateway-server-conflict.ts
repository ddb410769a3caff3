import { writtenAt } from '../src/lint/describe.js';
import { defineRule } from '../src/lint/rule.js';
import { listText } from '../src/lint/wording.js';
import {
  describeServerPort,
  gatewayServers,
  hostMatches,
  type GatewayServer,
  type GatewayWorkload,
} from '../src/model/istio.js';
import { KIND } from '../src/model/kinds.js';
import { describeOrigin } from '../src/model/resource.js';

/**
 * Istio merges the servers of every Gateway that selects the same gateway pods, oldest Gateway first
 * (pilot/pkg/model/push_context.go sorts Gateways by creation time; gateway.go MergeGateways). On one
 * port, a server whose protocol differs from the first one's is dropped, and a TLS server for a host
 * an earlier server already claims is dropped. So of two servers on the same pods, port and host with
 * different protocol or TLS mode, one is ignored whichever came first: its traffic meets the other
 * server's protocol or TLS. istioctl: analyzers/gateway/conflictinggateway.go. Servers the renderer
 * makes from policies on one gateway are gateway-port-conflict's.
 */
export default defineRule({
  meta: {
    id: 'gateway-server-conflict',
    severity: 'error',
    description:
      'Gateways on the same gateway pods with servers on one port for the same host but a different protocol or TLS mode: Istio drops one of them',
    kinds: ['Gateway'],
  },
  check({ index, report }) {
    // Servers per (gateway pods, port): only servers sharing both are compared.
    const byPods = new Map<GatewayWorkload, Map<number, GatewayServer[]>>();
    for (const gateway of index.ofKind(KIND.gateway)) {
      for (const w of index.gatewayWorkloadsOf(gateway)) {
        let byPort = byPods.get(w);
        if (!byPort) byPods.set(w, (byPort = new Map()));
        for (const s of gatewayServers(gateway)) {
          const list = byPort.get(s.port);
          if (list) list.push(s);
          else byPort.set(s.port, [s]);
        }
      }
    }
    const reported = new Set<GatewayServer>();
    for (const [pods, byPort] of byPods) {
      for (const servers of byPort.values()) {
        for (const s of servers) {
          if (s.gateway.rendered || reported.has(s)) continue;
          const clashes = servers.filter((o) => o.gateway !== s.gateway && conflicts(s, o));
          if (clashes.length === 0) continue;
          reported.add(s);
          const others = clashes.map(
            (o) =>
              `${describeOrigin(o.gateway)} (${describeServerPort(o)}, ${writtenAt(o.gateway, o.path)})`,
          );
          report({
            resource: s.gateway,
            path: s.path,
            message: `this server (${describeServerPort(s)}, hosts ${listText(s.hosts)}) and ${listText(others)} configure the same gateway pods${pods.name ? ` (${pods.name} in ${pods.namespace})` : ''} for the same host on one port with a different protocol or TLS mode: Istio keeps the oldest Gateway's server and drops the other, so the traffic meant for one of them meets the wrong protocol or TLS; use one server per port and host, or a different port`,
          });
        }
      }
    }
  },
});

function conflicts(a: GatewayServer, b: GatewayServer): boolean {
  if (a.protocol === b.protocol && a.tlsMode === b.tlsMode) return false;
  return a.hostNames.some((h) => b.hostNames.some((o) => hostMatches(h, o)));
}
