import { defineRule } from '../src/lint/rule.js';
import { listText } from '../src/lint/wording.js';
import {
  describeGatewayWorkload,
  gatewaysCarrying,
  hasResolutionNone,
  isClusterDomainHost,
  MESH,
  serviceChoice,
} from '../src/model/istio.js';
import { describe, get, identityKey, type Resource } from '../src/model/resource.js';

/**
 * `resolution: NONE` (also the default when unset) means "send the connection where the client
 * dialled it" (an ORIGINAL_DST cluster). That works for a sidecar, which intercepted the application's
 * connection to the external address; an egress gateway received the connection on its own address,
 * so Istio does not give gateways such clusters (pilot/pkg/networking/core/cluster.go: "Gateways
 * cannot use passthrough clusters", EDS instead) — and a NONE entry may not list endpoints
 * (validation.go), so the gateway has nowhere to send the traffic. Older releases forwarded it to the
 * gateway itself.
 */
export default defineRule({
  meta: {
    id: 'serviceentry-resolution-none',
    severity: 'error',
    description:
      'ServiceEntry with resolution NONE for a host routed through an egress gateway (the gateway forwards to itself)',
    kinds: ['ServiceEntry', 'VirtualService', 'Gateway', 'ASMEgressTrafficPolicy'],
  },
  check({ index, report }) {
    const found = new Map<
      string,
      {
        se: Resource;
        hosts: Set<string>;
        via: Set<string>;
        rivals: Set<Resource>;
        certain: boolean;
      }
    >();
    for (const use of index.routeUses()) {
      const host = use.destination.host;
      if (use.on === MESH || isClusterDomainHost(host, index.clusterDomain)) continue;
      for (const ns of use.clientNamespaces) {
        // A route destination names a service exactly. Of several entries for it the gateway keeps
        // one (serviceChoice); where creation order picks it, NONE is an error only if every
        // candidate has it.
        const entries = index.serviceEntriesForDestination(host, ns);
        if (entries.length === 0) continue;
        const { rivals } = serviceChoice(entries, ns, 'gateway');
        const none = rivals.filter(hasResolutionNone);
        const se = none[0];
        if (!se) continue;
        const key = identityKey(se);
        let f = found.get(key);
        if (!f) {
          f = { se, hosts: new Set(), via: new Set(), rivals: new Set(), certain: false };
          found.set(key, f);
        }
        f.hosts.add(host);
        // One client namespace that gets NONE in every order makes the finding certain.
        if (none.length === rivals.length) f.certain = true;
        else for (const r of rivals) f.rivals.add(r);
        for (const c of gatewaysCarrying(index, host))
          f.via.add(describeGatewayWorkload(c.workload));
      }
    }
    for (const { se, hosts, via, rivals, certain } of found.values()) {
      const unset = get(se.body, ['spec', 'resolution']) === undefined;
      const order = !certain
        ? ` (if ${describe(se)} is the oldest of ${listText([...rivals].map(describe))}: Istio keeps the oldest entry for a host, and which was created first the repository cannot show)`
        : '';
      report({
        resource: se,
        path: ['spec', 'resolution'],
        ...(order ? { severity: 'warning' as const } : {}),
        message: `${listText([...hosts])} ${hosts.size === 1 ? 'is' : 'are'} routed through ${listText([...via]) || 'an egress gateway'}, but ${describe(se)} has resolution NONE${unset ? ' (the default, as resolution is not set)' : ''}: a gateway cannot pass traffic on to the address it was sent to (that is its own), so Istio gives it an endpoint-list cluster, and a NONE entry has no endpoints: the traffic never leaves (503, no healthy upstream); use resolution: DNS (or STATIC with endpoints)${order}`,
      });
    }
  },
});
