import { defineRule } from '../src/lint/rule.js';
import { severityForClients, shownClients } from '../src/lint/clients.js';
import { listText } from '../src/lint/wording.js';
import {
  describeNamespaces,
  everyNamespace,
  isClusterDomainHost,
  MESH,
  virtualServiceHosts,
  reachesUnregisteredHost,
  routedHost,
  routesOf,
  scopeOfMatch,
  type RoutedHost,
  visibleNamespaces,
  vsGateways,
} from '../src/model/istio.js';
import { KIND } from '../src/model/kinds.js';
import { describe, get, isObject, type Resource } from '../src/model/resource.js';

/**
 * Istio routes only to services it knows. A route destination outside the cluster needs a ServiceEntry
 * with exactly that host, visible to the proxy and with the destination port; otherwise Envoy has no
 * such cluster (503 NR, or the connection is closed) — on a gateway whatever the outbound traffic
 * policy, since REGISTRY_ONLY/ALLOW_ANY apply to sidecars only. And sidecars ignore a VirtualService for
 * an external host no ServiceEntry registers: under REGISTRY_ONLY the traffic is dropped, under
 * ALLOW_ANY it goes straight out, around the VirtualService and any egress gateway.
 */
export default defineRule({
  meta: {
    id: 'serviceentry-missing',
    severity: 'error',
    description:
      'External host routed to (or routed by a sidecar VirtualService) that no visible ServiceEntry registers, or not on that port',
    kinds: ['VirtualService', 'ServiceEntry', 'Gateway', 'ASMEgressTrafficPolicy'],
  },
  check({ index, mesh, report }) {
    const all = everyNamespace(index);
    const hasPort = (se: Resource, port: number): boolean => {
      const ports = get(se.body, ['spec', 'ports']);
      return Array.isArray(ports) && ports.some((p) => isObject(p) && p.number === port);
    };

    for (const use of index.routeUses()) {
      const { host, port } = use.destination;
      // Built only when a client misses something: most route uses have nothing to report.
      let unregistered: Map<string, { routed: RoutedHost; namespaces: string[] }> | undefined;
      let wrongPort: Map<string, string[]> | undefined;
      for (const ns of use.clientNamespaces) {
        // A route to an ExternalName alias takes the cluster of the host it names (one alias only).
        const routed = routedHost(index, host, ns);
        const noCluster = routed.aliasAgain !== undefined;
        if (!noCluster && isClusterDomainHost(routed.host, index.clusterDomain)) continue;
        const entries = noCluster ? [] : index.serviceEntriesForDestination(routed.host, ns);
        if (entries.length === 0) {
          // Grouped by what the namespaces miss: exportTo may show them different aliases.
          const key = `${routed.host} ${routed.alias?.host ?? ''}`;
          const group = (unregistered ??= new Map()).get(key) ?? { routed, namespaces: [] };
          group.namespaces.push(ns);
          unregistered.set(key, group);
        } else if (port !== undefined && !entries.some((se) => hasPort(se, port))) {
          const names = `${entries.map(describe).join(', ')} for ${routed.host}`;
          wrongPort ??= new Map();
          wrongPort.set(names, [...(wrongPort.get(names) ?? []), ns]);
        }
      }
      if (unregistered === undefined && wrongPort === undefined) continue;
      const who = (namespaces: string[]): string =>
        use.on === MESH
          ? `sidecars in ${describeNamespaces(namespaces, all)}`
          : `the gateway (${use.on}, pods in ${listText(namespaces)})`;
      const outcome =
        use.route.kind === 'http'
          ? 'requests get 503 (no healthy upstream)'
          : 'connections are closed';
      // An error names the clients the repository shows, which make it one; a warning, every one.
      const named = (namespaces: string[]): string[] => {
        const shown = shownClients(index, namespaces, use.on);
        return shown.length > 0 ? shown : namespaces;
      };
      for (const { routed, namespaces } of unregistered?.values() ?? []) {
        report({
          resource: use.vs,
          path: [...use.destination.path, 'host'],
          ...severityForClients(index, namespaces, use.on),
          message: unregisteredMessage(host, routed, who(named(namespaces)), outcome),
        });
      }
      for (const [entries, namespaces] of wrongPort ?? []) {
        report({
          resource: use.vs,
          path: [...use.destination.path, 'port', 'number'],
          ...severityForClients(index, namespaces, use.on),
          message: `${entries} has no port ${port}, which this route sends ${who(named(namespaces))} to: ${outcome}; add the port to the ServiceEntry`,
        });
      }
    }

    for (const vs of index.ofKind(KIND.virtualService)) {
      if (!vsGateways(vs).includes(MESH)) continue;
      // The sidecar routes Istio drops for a host no service registers: all but HTTP on port 80.
      const dropped = routesOf(vs).filter(
        (route) =>
          route.matches.some((m) => scopeOfMatch(m, MESH).applies) &&
          !route.matches.some(({ match }) => reachesUnregisteredHost(route.kind, match)),
      );
      if (dropped.length === 0) continue;
      const seeing = visibleNamespaces(vs, all);
      virtualServiceHosts(vs).forEach((host, i) => {
        if (isClusterDomainHost(host, index.clusterDomain) || host === '*') return;
        const blind = seeing.filter((ns) => !index.hostRegistered(host, ns));
        if (blind.length === 0 || blind.length < seeing.length) return;
        const registryOnly = blind.every((ns) => mesh.outboundFor(ns).mode === 'REGISTRY_ONLY');
        const routes = listText(dropped.map((r) => `${r.kind}[${r.index}]`));
        report({
          resource: vs,
          path: ['spec', 'hosts', i],
          ...severityForClients(index, blind),
          message: `no ServiceEntry registers ${host} for the namespaces that see this VirtualService, so sidecars ignore its route${dropped.length === 1 ? '' : 's'} ${routes} (for an unregistered host Istio keeps only HTTP routes on port 80): ${
            registryOnly
              ? 'under REGISTRY_ONLY the traffic is dropped (502 for HTTP, connection refused otherwise)'
              : 'outside REGISTRY_ONLY the traffic goes straight to the host, around this VirtualService and any egress gateway'
          }; add a ServiceEntry for ${host}`,
        });
      });
    }
  },
});

/** Why no service is behind a route destination for `who`: its host, or the host its alias names, is not registered. */
function unregisteredMessage(
  host: string,
  routed: RoutedHost,
  who: string,
  outcome: string,
): string {
  const alias = routed.alias;
  if (!alias)
    return `no ServiceEntry with host ${host} is visible to ${who}, so Istio has no service to send this route to: ${outcome}; add one (resolution DNS) exported to them`;
  if (routed.aliasAgain)
    return `${describe(alias.resource)} is type ExternalName, so Istio routes ${host} to the cluster of ${routed.host}, and ${describe(routed.aliasAgain.resource)} makes that an ExternalName alias too: a route follows one alias only (route.go GetDestinationCluster) and Istio builds no cluster for an alias, so ${who} have none: ${outcome}; point the route (or ${describe(alias.resource)}) at the host the chain ends at`;
  return `${describe(alias.resource)} is type ExternalName, so Istio routes ${host} to the cluster of ${routed.host} (ENABLE_EXTERNAL_NAME_ALIAS, on since Istio 1.21), and no ServiceEntry with host ${routed.host} is visible to ${who}: ${outcome}; add one for ${routed.host} (resolution DNS) exported to them`;
}
