import { destinationRef, hostPort, writtenAt } from '../src/lint/describe.js';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import type { ConfigSet } from '../src/model/config-set.js';
import type { EgressGateway } from '../src/model/egress-gateway.js';
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
    for (const [gw, policies] of policiesByGateway(configSet)) {
      // One gateway's ports at a time: entries for every destination of the config set, kept until
      // the last was read, lived through the rule and were collected only after it (24 MB at 10,000
      // gateways, at the peak of the lint's memory).
      const byPort = new Map<number, Entry[]>();
      for (const policy of policies) {
        for (const d of policy.destinations) {
          const port = allocation.ports.get(d);
          if (port === undefined) continue;
          let entries = byPort.get(port);
          if (!entries) byPort.set(port, (entries = []));
          entries.push({
            policy,
            d,
            port,
            gateway: gw.name,
            allocated: allocation.allocated.has(d),
          });
        }
      }
      reportShared(byPort, report);
    }
  },
});

/** The policies of each egress gateway (by namespace and name), in their order. */
function policiesByGateway(configSet: ConfigSet): Iterable<[EgressGateway, EgressPolicy[]]> {
  const out = new Map<string, [EgressGateway, EgressPolicy[]]>();
  for (const policy of configSet.policies) {
    const gw = configSet.gateway(policy.gateway);
    const key = `${gw.namespace}/${gw.name}`;
    const found = out.get(key);
    if (found) found[1].push(policy);
    else out.set(key, [gw, [policy]]);
  }
  return out.values();
}

/** A finding for each destination on a gateway port an earlier one already holds, when both cannot work. */
function reportShared(byPort: Map<number, Entry[]>, report: RuleContext['report']): void {
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
}

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
