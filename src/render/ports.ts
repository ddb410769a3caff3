/**
 * Gateway ports for v1 destinations that leave `byEgressGateway.port` out. ASM allocates them: every
 * HTTP-class destination shares 10000, gRPC shares 50051, and each TCP/TLS destination gets its own
 * port from 10001-20000. We allocate in a stable order (gateway, first host, port, protocol, policy,
 * position) so the same repository always gets the same ports, whatever the file or document order.
 */
import type { Destination, EgressPolicy } from '../model/egress-policy.js';

export const HTTP_AUTO_PORT = 10000;
export const GRPC_AUTO_PORT = 50051;
export const L4_AUTO_RANGE = { first: 10001, last: 20000 } as const;

export interface PortAllocation {
  /** Effective gateway port of every destination, keyed by the destination object. */
  ports: Map<Destination, number>;
  /** Destinations whose port was allocated rather than written. */
  allocated: Set<Destination>;
  /** Destinations for which no port was left in the range. */
  exhausted: { policy: EgressPolicy; destination: Destination }[];
}

export function allocateGatewayPorts(
  policies: readonly EgressPolicy[],
  gatewayKey: (p: EgressPolicy) => string,
): PortAllocation {
  const result: PortAllocation = { ports: new Map(), allocated: new Set(), exhausted: [] };
  const usedByGateway = new Map<string, Set<number>>();
  const pending: { policy: EgressPolicy; destination: Destination; gateway: string }[] = [];

  for (const policy of policies) {
    const gateway = gatewayKey(policy);
    let used = usedByGateway.get(gateway);
    if (!used) usedByGateway.set(gateway, (used = new Set()));
    for (const d of policy.destinations) {
      if (d.gatewayPort !== undefined) {
        result.ports.set(d, d.gatewayPort);
        used.add(d.gatewayPort);
      } else if (d.protocolClass === 'http') {
        const port = d.port.protocol === 'GRPC' ? GRPC_AUTO_PORT : HTTP_AUTO_PORT;
        result.ports.set(d, port);
        result.allocated.add(d);
        used.add(port);
      } else pending.push({ policy, destination: d, gateway });
    }
  }

  pending.sort((a, b) => compareKeys(sortKey(a), sortKey(b)));
  const next = new Map<string, number>();
  for (const item of pending) {
    const used = usedByGateway.get(item.gateway)!;
    let port = next.get(item.gateway) ?? L4_AUTO_RANGE.first;
    while (used.has(port) && port <= L4_AUTO_RANGE.last) port++;
    if (port > L4_AUTO_RANGE.last) {
      result.exhausted.push({ policy: item.policy, destination: item.destination });
      continue;
    }
    used.add(port);
    next.set(item.gateway, port + 1);
    result.ports.set(item.destination, port);
    result.allocated.add(item.destination);
  }
  return result;
}

function sortKey(x: {
  policy: EgressPolicy;
  destination: Destination;
  gateway: string;
}): (string | number)[] {
  const d = x.destination;
  return [
    x.gateway,
    d.hosts[0] ?? '',
    d.port.number,
    d.port.protocol,
    x.policy.resource.namespace,
    x.policy.resource.name,
    d.ruleIndex,
    d.index,
  ];
}

function compareKeys(a: (string | number)[], b: (string | number)[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}
