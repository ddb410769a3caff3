import { shownClients } from '../src/lint/clients.js';
import { defineRule } from '../src/lint/rule.js';
import { listText } from '../src/lint/wording.js';
import {
  byWrittenHost,
  describeNamespaces,
  gatewayServers,
  hostSubsetOf,
  keptPorts,
  MESH,
  everyNamespace,
  routesOf,
  scopeOfMatch,
  serverAdmitsVirtualService,
  serviceChoice,
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
import {
  describe,
  describeOrigin,
  get,
  identityKey,
  type Resource,
} from '../src/model/resource.js';

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
        const readingsFor = sidecarPortReadings(index, vs);
        const seeing = visibleNamespaces(vs, all);
        for (const route of routes) {
          for (const m of route.matches) {
            const scope = scopeOfMatch(m, MESH);
            if (!scope.applies) continue;
            const { match, path } = m;
            const port = get(match, ['port']);
            const clients =
              scope.sourceNamespace === undefined
                ? seeing
                : seeing.filter((ns) => ns === scope.sourceNamespace);
            const found = judgeClients(index, clients, (ns) =>
              judgePort(readingsFor(ns), route.kind, typeof port === 'number' ? port : undefined),
            );
            if (!found) continue;
            const { p, protocol } = found.misfit;
            report({
              resource: vs,
              path: typeof port === 'number' ? [...path, 'port'] : path.slice(0, 3),
              ...(found.error ? {} : { severity: 'warning' as const }),
              message: `${
                route.kind === 'tls'
                  ? `port ${p} of ${listText(hosts)} is ${protocol}: sidecars use tls routes only on HTTPS/TLS ports, so this tls route never applies`
                  : `port ${p} of ${listText(hosts)} is ${protocol}, TLS the application opens itself: sidecars route it only by SNI with tls routes and ignore this ${route.kind} route, so the connection goes straight to the host; move it under tls with match.sniHosts`
              } (${found.who(all)})`,
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

/** What a sidecar's port protocol is under one assumption about the oldest registry entry. */
interface PortReading {
  protocol: string;
  /** The entry taken as the oldest, when creation order picks among `rivals`. */
  oldest?: Resource;
  rivals?: readonly Resource[];
}

/**
 * Per client namespace, the protocols of the ports the VirtualService's hosts have there, as Istio
 * resolves the hosts (`api` in `default` is api.default.svc.cluster.local, not an entry written
 * `api`) and chooses among several entries for one host (serviceChoice: the client's own namespace
 * first, then creation order, whose every candidate is read). Namespaces that see the same entries,
 * none of them their own, read alike and share one answer.
 */
function sidecarPortReadings(
  index: IstioIndex,
  vs: Resource,
): (namespace: string) => ReadonlyMap<number, PortReading[]> {
  const hosts = virtualServiceHosts(vs);
  const known = new Map<string, Map<number, PortReading[]>>();
  return (ns) => {
    const byHost = hosts.map((h): [string, Resource[]] => [
      h,
      [
        ...index.serviceEntriesFor(h, ns),
        ...index.kubernetesServicesFor(h, ns).map((s) => s.resource),
      ],
    ]);
    const seen = byHost.flatMap(([, entries]) => entries);
    const key = `${seen.some((e) => e.namespace === ns) ? ns : ''}|${seen.map(identityKey).join(',')}`;
    let out = known.get(key);
    if (out) return out;
    known.set(key, (out = new Map()));
    for (const [host, entries] of byHost) {
      for (const group of byWrittenHost(entries, host).values()) {
        const { rivals, kept } = serviceChoice(group, ns, 'sidecar');
        for (const oldest of rivals) {
          for (const [number, protocol] of keptPorts(kept(oldest))) {
            if (protocol === undefined) continue;
            const list = out.get(number) ?? [];
            list.push(rivals.length > 1 ? { protocol, oldest, rivals } : { protocol });
            out.set(number, list);
          }
        }
      }
    }
    return out;
  };
}

/** A port that misfits a route kind for a sidecar: surely, or only if one of `oldest` is the oldest. */
interface Misfit {
  p: number;
  protocol: string;
  oldest?: Resource[];
  rivals?: Resource[];
}

/**
 * Whether the route kind misfits the port (`port`, else every port of the hosts) under every reading
 * (a sure misfit), under some (creation order decides), or under none. Readings that disagree
 * without an order to blame (two services with different host names) decide nothing.
 */
function judgePort(
  readings: ReadonlyMap<number, PortReading[]>,
  kind: RouteKind,
  port: number | undefined,
): Misfit | undefined {
  const ports = port === undefined ? [...readings.keys()] : readings.has(port) ? [port] : [];
  let first: Misfit | undefined;
  const oldest = new Set<Resource>();
  const rivals = new Set<Resource>();
  for (const p of ports) {
    const list = readings.get(p)!;
    const misfits = list.filter((r) => misfitsSidecarPort(kind, r.protocol));
    if (misfits.length === 0) return undefined;
    if (misfits.length < list.length) {
      if (!list.some((r) => r.rivals)) return undefined;
      for (const r of misfits) if (r.oldest) oldest.add(r.oldest);
      for (const r of list) for (const x of r.rivals ?? []) rivals.add(x);
    }
    first ??= { p, protocol: misfits[0]!.protocol };
  }
  if (!first) return undefined;
  return rivals.size > 0 ? { ...first, oldest: [...oldest], rivals: [...rivals] } : first;
}

interface ClientsVerdict {
  misfit: Misfit;
  /** A client the repository shows surely gets it. */
  error: boolean;
  /** Whose sidecars get it, and on what it depends, for the message. */
  who: (all: readonly string[]) => string;
}

/**
 * The finding for a route's client namespaces: an error when a namespace where the repository shows
 * a client surely gets the misfit; a warning when only namespaces it does not show do, or only
 * creation order makes it one.
 */
function judgeClients(
  index: IstioIndex,
  clients: readonly string[],
  judge: (ns: string) => Misfit | undefined,
): ClientsVerdict | undefined {
  const sure = new Map<string, Misfit>();
  const byOrder: string[] = [];
  let orderMisfit: Misfit | undefined;
  for (const ns of clients) {
    const m = judge(ns);
    if (!m) continue;
    if (!m.rivals) sure.set(ns, m);
    else {
      byOrder.push(ns);
      orderMisfit ??= m;
    }
  }
  const shown = shownClients(index, sure.keys());
  if (shown.length > 0)
    return {
      misfit: sure.get(shown[0]!)!,
      error: true,
      who: (all) => `sidecars in ${describeNamespaces(shown, all)}`,
    };
  const [first] = sure.values();
  if (first)
    return {
      misfit: first,
      error: false,
      who: (all) =>
        `sidecars in ${describeNamespaces([...sure.keys()], all)}, where the repository shows no client`,
    };
  if (!orderMisfit) return undefined;
  const { oldest = [], rivals = [] } = orderMisfit;
  return {
    misfit: orderMisfit,
    error: false,
    who: (all) =>
      `sidecars in ${describeNamespaces(byOrder, all)}, if ${listText(oldest.map(describe), 'or')} is the oldest of ${listText(rivals.map(describe))}: a proxy keeps one entry for a host, the oldest, and which was created first the repository cannot show`,
  };
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
