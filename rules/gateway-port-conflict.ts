import { destinationRef, hostPort, writtenAt } from '../src/lint/describe.js';
import { defineRule } from '../src/lint/rule.js';
import type { Destination, EgressPolicy } from '../src/model/egress-policy.js';

/**
 * What one egress gateway port can carry. The sidecar -> gateway leg is always mTLS, so the gateway
 * listener on a port is either an HTTPS server (HTTP-class destinations: requests are decrypted and
 * routed by Host header, so any number of hosts can share the port) or a TLS server that, once the mTLS
 * is terminated, forwards opaque bytes with a tcp route (HTTPS/TLS/TCP destinations). Istio binds one
 * tcp route per such server (the first VirtualService wins, see pilot's
 * buildGatewayNetworkFiltersFromTCPRoutes) and rejects a second non-HTTPS server on the port, so a
 * second TLS/TCP destination on the port gets the first one's upstream host. Mixing the two classes on
 * one port cannot work either: the port is one listener, HTTPS or TLS.
 */
export default defineRule({
  meta: {
    id: 'gateway-port-conflict',
    severity: 'error',
    description:
      'One egress gateway port carries destinations of different protocol classes (HTTP vs TLS/TCP), or two TLS/TCP destinations',
    kinds: ['ASMEgressTrafficPolicy'],
  },
  check({ configSet, allocation, report }) {
    const byPort = new Map<string, Entry[]>();
    for (const policy of configSet.policies) {
      const gw = configSet.gateway(policy.gateway);
      for (const d of policy.destinations) {
        const port = allocation.ports.get(d);
        if (port === undefined) continue;
        const key = `${gw.namespace}/${gw.name}:${port}`;
        let entries = byPort.get(key);
        if (!entries) byPort.set(key, (entries = []));
        entries.push({ policy, d, port, gateway: gw.name, allocated: allocation.allocated.has(d) });
      }
    }
    for (const entries of byPort.values()) {
      const owner = entries[0]!;
      for (const e of entries.slice(1)) {
        const mixed = isHttp(owner) !== isHttp(e);
        if (!mixed && (isHttp(e) || upstream(e) === upstream(owner))) continue;
        const port = `gateway port ${e.port}${e.allocated ? ' (allocated)' : ''} of ${e.gateway}`;
        const first = `${owner.d.port.protocol} destination ${hostPort(owner.d)} (${destinationRef(owner.policy, owner.d)}, ${writtenAt(owner.policy.resource, owner.d.path)})`;
        const fix = e.allocated
          ? `move the other destination off port ${e.port}`
          : `give this destination its own gateway port${e.policy.version === 'v1' ? ' (or leave byEgressGateway.port out to have one allocated)' : ''}`;
        report({
          resource: e.policy.resource,
          path: [...e.d.path, 'byEgressGateway', 'port'],
          message: mixed
            ? `${port} is shared by the ${first} and this ${e.d.port.protocol} destination; a gateway port is one listener, an HTTPS server for HTTP-class traffic or a TLS server for HTTPS/TLS/TCP, so one of them cannot work: ${fix}`
            : `${port} already carries the ${first}; the gateway forwards a TLS/TCP port to a single upstream, so connections for ${hostPort(e.d)} would reach ${hostPort(owner.d)}: ${fix}`,
        });
      }
    }
  },
});

interface Entry {
  policy: EgressPolicy;
  d: Destination;
  port: number;
  gateway: string;
  allocated: boolean;
}

const isHttp = (e: Entry): boolean => e.d.protocolClass === 'http';

/** Where the gateway sends an opaque destination: its first host on its port. */
const upstream = (e: Entry): string => hostPort(e.d).toLowerCase();
