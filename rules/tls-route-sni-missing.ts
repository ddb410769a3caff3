import { defineRule } from '../src/lint/rule.js';
import { listText } from '../src/lint/wording.js';
import {
  gatewayServers,
  hostSubsetOf,
  isVisibleTo,
  MESH,
  everyNamespace,
  routesOf,
  scopeOfMatch,
  serverAdmitsVirtualService,
  servicePortProtocol,
  stringList,
  vsGateways,
  type GatewayServer,
  type IstioIndex,
  type RouteKind,
  virtualServiceHosts,
  visibleNamespaces,
} from '../src/model/istio.js';
import { KIND } from '../src/model/kinds.js';
import { protocolClass } from '../src/model/protocol.js';
import { describeOrigin, get, isObject, type Resource } from '../src/model/resource.js';

/**
 * TLS the application opens itself is routed by SNI: `tls` routes with `match[].sniHosts`, each within
 * the VirtualService's hosts (Istio's webhook rejects an empty list or a host outside them, validation.go
 * validateTLSMatch). Sidecars use only `tls` routes on HTTPS/TLS ports (tls.go: no http, no tcp there)
 * and never on other ports; gateways use them only on PASSTHROUGH servers, while a server that
 * terminates TLS hands what it decrypts to http (HTTPS) or tcp (TLS) routes (gateway.go).
 *
 * A missing `sniHosts` field (and the `sni_hosts` spelling) is the schema stage's finding, not this rule's.
 */
export default defineRule({
  meta: {
    id: 'tls-route-sni-missing',
    severity: 'error',
    description:
      'TLS traffic not routed by SNI: empty or out-of-hosts sniHosts, http/tcp routes on HTTPS/TLS ports or passthrough servers, tls routes where TLS is terminated',
    kinds: ['VirtualService', 'ServiceEntry', 'Gateway'],
  },
  check({ index, report }) {
    const all = everyNamespace(index);
    for (const vs of index.ofKind(KIND.virtualService)) {
      const hosts = stringList(get(vs.body, ['spec', 'hosts']));
      const routes = routesOf(vs);

      for (const route of routes) {
        if (route.kind !== 'tls') continue;
        for (const { match, path } of route.matches) {
          const sni = get(match, ['sniHosts']);
          if (!Array.isArray(sni)) continue; // missing: a schema finding
          if (sni.length === 0) {
            report({
              resource: vs,
              path: [...path, 'sniHosts'],
              message:
                'sniHosts is empty: Istio rejects a TLS match without SNI hosts; list the hosts this route is for',
            });
          }
          sni.forEach((h, k) => {
            if (typeof h === 'string' && !hosts.some((vh) => hostSubsetOf(h, vh))) {
              report({
                resource: vs,
                path: [...path, 'sniHosts', k],
                message: `${h} is not within the VirtualService hosts (${listText(hosts)}): Istio rejects the VirtualService; SNI hosts must be among them`,
              });
            }
          });
        }
      }

      if (vsGateways(vs).includes(MESH)) {
        const protocols = sidecarPortProtocols(index, vs, all);
        for (const route of routes) {
          for (const m of route.matches) {
            if (!scopeOfMatch(m, MESH).applies) continue;
            const { match, path } = m;
            const port = get(match, ['port']);
            // The port the match is for, else every port of the hosts, must all be misfits.
            const p = typeof port === 'number' ? port : allMisfits(protocols, route.kind);
            const proto = p === undefined ? undefined : protocols.get(p);
            if (p === undefined || proto === undefined || !misfitsSidecarPort(route.kind, proto))
              continue;
            report({
              resource: vs,
              path: typeof port === 'number' ? [...path, 'port'] : path.slice(0, 3),
              message:
                route.kind === 'tls'
                  ? `port ${p} of ${listText(hosts)} is ${proto}: sidecars use tls routes only on HTTPS/TLS ports, so this tls route never applies`
                  : `port ${p} of ${listText(hosts)} is ${proto}, TLS the application opens itself: sidecars route it only by SNI with tls routes and ignore this ${route.kind} route, so the connection goes straight to the host; move it under tls with match.sniHosts`,
            });
          }
        }
      }

      for (const ref of vsGateways(vs)) {
        const gateway = index.gatewayByRef(ref);
        if (!gateway) continue;
        const servers = gatewayServers(gateway).filter((s) => serverAdmitsVirtualService(s, vs));
        for (const route of routes) {
          for (const m of route.matches) {
            if (!scopeOfMatch(m, ref).applies) continue;
            const { match, path } = m;
            const port = get(match, ['port']);
            // Reported when every server the match may land on is a misfit (counted, not listed).
            let candidates = 0;
            let misfits = 0;
            let firstMisfit: GatewayServer | undefined;
            for (const s of servers) {
              if (typeof port === 'number' && s.port !== port) continue;
              candidates++;
              if (s.tlsMode !== undefined && s.routeKind !== route.kind) {
                misfits++;
                firstMisfit ??= s;
              }
            }
            if (firstMisfit === undefined || misfits < candidates) continue;
            report({
              resource: vs,
              path: typeof port === 'number' ? [...path, 'port'] : path.slice(0, 3),
              message: gatewayMisfit(firstMisfit, route.kind),
            });
          }
        }
      }
    }
  },
});

/**
 * Protocols of the ports the VirtualService's hosts have, in ServiceEntries visible where it is. The
 * hosts as Istio resolves them: `api` in `default` is api.default.svc.cluster.local, not a
 * ServiceEntry host written `api`.
 */
function sidecarPortProtocols(
  index: IstioIndex,
  vs: Resource,
  all: readonly string[],
): Map<number, string> {
  const namespaces = visibleNamespaces(vs, all);
  const entries = new Set(virtualServiceHosts(vs).flatMap((h) => index.serviceEntriesForHost(h)));
  const out = new Map<number, string>();
  // Entries that disagree on whether a port carries TLS: the one a sidecar keeps depends on
  // precedence and creation order (serviceentry-conflict warns), so the port is judged by neither.
  const disputed = new Set<number>();
  for (const se of entries) {
    if (!namespaces.some((ns) => isVisibleTo(se, ns))) continue;
    const ports = get(se.body, ['spec', 'ports']);
    if (!Array.isArray(ports)) continue;
    for (const p of ports) {
      if (!isObject(p) || typeof p.number !== 'number' || disputed.has(p.number)) continue;
      const proto = servicePortProtocol(p);
      if (!proto) continue;
      const known = out.get(p.number);
      if (known === undefined) out.set(p.number, proto);
      else if ((protocolClass(known) === 'tls') !== (protocolClass(proto) === 'tls')) {
        out.delete(p.number);
        disputed.add(p.number);
      }
    }
  }
  return out;
}

/** The first of the ports when every one misfits `kind`; undefined when there are none or one fits. */
function allMisfits(protocols: ReadonlyMap<number, string>, kind: RouteKind): number | undefined {
  let first: number | undefined;
  for (const [p, proto] of protocols) {
    if (!misfitsSidecarPort(kind, proto)) return undefined;
    first ??= p;
  }
  return first;
}

function misfitsSidecarPort(kind: RouteKind, protocol: string): boolean {
  const tlsPort = protocolClass(protocol) === 'tls';
  return kind === 'tls' ? !tlsPort : tlsPort;
}

function gatewayMisfit(s: GatewayServer, kind: RouteKind): string {
  const server = `${describeOrigin(s.gateway)} server port ${s.port} (${s.protocol}, tls.mode ${s.tlsMode})`;
  if (s.routeKind === 'tls')
    return `${server} passes TLS through: Istio routes it only by SNI with tls routes, so this ${kind} route never applies there; use tls with match.sniHosts`;
  const uses =
    s.routeKind === 'http'
      ? 'http routes (the server is HTTPS)'
      : 'tcp routes (the server is not HTTPS)';
  return `${server} terminates TLS and routes what it decrypts with ${uses}: this ${kind} route never applies there${kind === 'tls' ? '; tls routes apply only to PASSTHROUGH servers' : ''}`;
}
