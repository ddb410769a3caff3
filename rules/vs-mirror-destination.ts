import { severityForClients } from '../src/lint/clients.js';
import { defineRule } from '../src/lint/rule.js';
import type { Severity } from '../src/model/finding.js';
import {
  describeNamespaces,
  everyNamespace,
  MESH,
  mirrorReach,
  mirrorsOf,
  routesOf,
  type MirrorReach,
  virtualServiceHosts,
  visibleNamespaces,
  vsGateways,
  type IstioIndex,
} from '../src/model/istio.js';
import { KIND } from '../src/model/kinds.js';
import type { Resource } from '../src/model/resource.js';

/**
 * A mirror (`mirror`, `mirrors[].destination`) sends a copy of each request to another service. Like a
 * route destination its host must be a service the proxy knows and its subset defined in the
 * DestinationRule the proxy uses (istioctl analyzers/virtualservice/destinationhosts.go and
 * destinationrules.go check mirrors too); otherwise the copies go nowhere while the original request
 * succeeds, so nobody notices the audit or shadow traffic is missing. Hosts are resolved as Istio
 * resolves them (a short name is a Service in the VirtualService's namespace). An error when the
 * proxies hit include a client the repository shows (src/lint/clients.ts), else a warning.
 */
export default defineRule({
  meta: {
    id: 'vs-mirror-destination',
    severity: 'error',
    description:
      'VirtualService mirror (mirror, mirrors[]) to a host no visible ServiceEntry registers, or to a subset no DestinationRule defines: the copies are dropped',
    kinds: ['VirtualService', 'ServiceEntry', 'DestinationRule'],
  },
  check({ index, report }) {
    const all = everyNamespace(index);
    for (const vs of index.ofKind(KIND.virtualService)) {
      const mirrors = routesOf(vs)
        .filter((r) => r.kind === 'http')
        .flatMap((r) => mirrorsOf(vs, r.route, r.path));
      if (mirrors.length === 0) continue;
      const clients = clientNamespaces(vs, index, all);
      const severityFor = (namespaces: string[]): { severity?: Severity } =>
        namespaces.some((ns) => clients.gatewayPods.has(ns))
          ? {}
          : severityForClients(index, namespaces);
      for (const mirror of mirrors) {
        const { host, subset, path } = mirror;
        const reach = new Map(clients.all.map((ns) => [ns, mirrorReach(index, mirror, ns)]));
        const where = (pick: (r: MirrorReach) => boolean): string[] =>
          clients.all.filter((ns) => pick(reach.get(ns)!));
        // Named once for the message: an alias sends the copies to the host it names (route.go).
        const target = (namespaces: string[]): string => {
          const routed = reach.get(namespaces[0]!)!.routed;
          return routed.alias
            ? `${routed.host} (which the ExternalName alias ${host} names)`
            : host;
        };
        const unregistered = where((r) => r.unregistered);
        if (unregistered.length > 0) {
          const to = target(unregistered);
          const { routed } = reach.get(unregistered[0]!)!;
          const why = routed.aliasAgain
            ? 'an ExternalName alias too: a mirror follows one alias, and Istio builds no cluster for an alias'
            : 'no visible ServiceEntry or in-cluster service';
          const fix = routed.aliasAgain
            ? 'point the mirror at the host the chain of aliases ends at'
            : `add a ServiceEntry for ${routed.host} exported to them`;
          report({
            resource: vs,
            path: [...path, 'host'],
            ...severityFor(unregistered),
            message: `mirror host ${to} is not registered for proxies in ${describeNamespaces(unregistered, all)} (${why}), so the mirrored copies are dropped while the original requests go through; ${fix}`,
          });
          continue;
        }
        const missing = where((r) => r.subsetMissing);
        if (missing.length === 0) continue;
        const to = target(missing);
        report({
          resource: vs,
          path: [...path, 'subset'],
          ...severityFor(missing),
          message: `mirror subset "${subset}" of ${to} is defined by no DestinationRule that proxies in ${describeNamespaces(missing, all)} use, so the mirrored copies are dropped while the original requests go through; define the subset in the DestinationRule for ${reach.get(missing[0]!)!.routed.host}`,
        });
      }
    }
  },
});

/**
 * Where the VirtualService's routes run: sidecars of the namespaces that see it and know one of its
 * hosts (elsewhere the whole VirtualService is ignored, serviceentry-missing's finding), and its
 * gateways' pods.
 */
function clientNamespaces(
  vs: Resource,
  index: IstioIndex,
  all: readonly string[],
): { all: string[]; gatewayPods: Set<string> } {
  const out = new Set<string>();
  const gatewayPods = new Set<string>();
  const hosts = virtualServiceHosts(vs);
  for (const ref of vsGateways(vs)) {
    if (ref === MESH) {
      for (const ns of visibleNamespaces(vs, all))
        if (hosts.some((h) => index.hostRegistered(h, ns))) out.add(ns);
    } else {
      const gateway = index.gatewayByRef(ref);
      if (gateway)
        for (const ns of index.gatewayProxyNamespaces(gateway)) {
          out.add(ns);
          gatewayPods.add(ns);
        }
    }
  }
  return { all: [...out], gatewayPods };
}
