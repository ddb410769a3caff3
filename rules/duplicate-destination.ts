import { destinationRef, writtenAt } from '../src/lint/describe.js';
import { defineRule } from '../src/lint/rule.js';
import type { FieldPath } from '../src/model/field-path.js';
import type { Destination, EgressPolicy } from '../src/model/egress-policy.js';

/**
 * Each destination becomes a ServiceEntry and a VirtualService for its hosts. Two destinations with
 * the same host and port give two VirtualServices for one host on the sidecars, and Istio uses only one
 * of them (istioctl analyze: IST0109 ConflictingMeshGatewayVirtualServiceHosts): the sources of the
 * other rule get no route. An httpsUpgrade also claims its HTTPS port for the hosts (the sidecars of the
 * listed workloads reach it directly), so it counts as a claim too.
 */
export default defineRule({
  meta: {
    id: 'duplicate-destination',
    severity: 'error',
    description:
      'The same host and port is claimed by two destinations, in one policy or across policies',
    kinds: ['ASMEgressTrafficPolicy'],
  },
  check({ configSet, report }) {
    const claims = new Map<string, Claim>();
    const claim = (c: Claim, host: string, port: number): void => {
      const key = `${host.toLowerCase()}:${port}`;
      const first = claims.get(key);
      if (!first) {
        claims.set(key, c);
        return;
      }
      if (first.d === c.d) return;
      const how = (x: Claim): string =>
        x.upgrade ? ' (as the HTTPS port of its httpsUpgrade)' : '';
      report({
        resource: c.policy.resource,
        path: claimPath(c),
        message: `${host}:${port}${how(c)} is already claimed by ${destinationRef(first.policy, first.d)}${how(first)} at ${writtenAt(first.policy.resource, claimPath(first))}; Istio uses one VirtualService per host on the sidecars, so one of the two routes is dropped: keep one destination per host and port, with all its sources in the from of one rule`,
      });
    };
    for (const policy of configSet.policies) {
      for (const d of policy.destinations) {
        const upgrade =
          d.upgradePort !== undefined && d.upgradePort !== d.port.number
            ? d.upgradePort
            : undefined;
        d.hosts.forEach((host, hostIndex) => {
          claim({ policy, d, hostIndex, upgrade: false }, host, d.port.number);
          if (upgrade !== undefined) claim({ policy, d, hostIndex, upgrade: true }, host, upgrade);
        });
      }
    }
  },
});

interface Claim {
  policy: EgressPolicy;
  d: Destination;
  hostIndex: number;
  /** Claimed by the httpsUpgrade (its HTTPS port) rather than by the destination port. */
  upgrade: boolean;
}

function claimPath(c: Claim): FieldPath {
  return c.upgrade ? [...c.d.path, 'httpsUpgrade', 'port'] : [...c.d.path, 'hosts', c.hostIndex];
}
