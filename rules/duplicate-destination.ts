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
    for (const policy of configSet.policies) {
      for (const d of policy.destinations) {
        d.hosts.forEach((host, i) => {
          const own: Claim[] = [
            { policy, d, port: d.port.number, path: [...d.path, 'hosts', i], upgrade: false },
          ];
          if (d.upgradePort !== undefined && d.upgradePort !== d.port.number) {
            own.push({
              policy,
              d,
              port: d.upgradePort,
              path: [...d.path, 'httpsUpgrade', 'port'],
              upgrade: true,
            });
          }
          for (const claim of own) {
            const key = `${host.toLowerCase()}:${claim.port}`;
            const first = claims.get(key);
            if (!first) {
              claims.set(key, claim);
              continue;
            }
            if (first.d === d) continue;
            const how = (c: Claim): string =>
              c.upgrade ? ' (as the HTTPS port of its httpsUpgrade)' : '';
            report({
              resource: policy.resource,
              path: claim.path,
              message: `${host}:${claim.port}${how(claim)} is already claimed by ${destinationRef(first.policy, first.d)}${how(first)} at ${writtenAt(first.policy.resource, first.path)}; Istio uses one VirtualService per host on the sidecars, so one of the two routes is dropped: keep one destination per host and port, with all its sources in the from of one rule`,
            });
          }
        });
      }
    }
  },
});

interface Claim {
  policy: EgressPolicy;
  d: Destination;
  port: number;
  path: FieldPath;
  upgrade: boolean;
}
