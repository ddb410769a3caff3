/**
 * Gateway servers as Istio merges them and Envoy picks them by SNI, and the egress gateway
 * workloads they configure.
 */
import type { ConfigSet } from '../config-set.js';
import { gatewayServiceHost, type EgressGateway } from '../egress-gateway.js';
import type { FieldPath } from '../field-path.js';
import { get, isObject, type JsonObject, type Resource } from '../resource.js';
import { gatewayPodsShown } from './gateway-pods.js';
import { SCAN_LIMIT, smallHostLookup, type HostLookup } from './host-lookup.js';
import { hostMatches, hostSubsetOf, stringList } from './hosts.js';
import { LabelPairIndex } from './label-index.js';
import { clusterServiceOf, splitNamespacedHost } from './names.js';
import { PerObjectMemo } from './memo.js';
import { virtualServiceHosts, type RouteKind } from './routes.js';
import { sniChooser } from './sni.js';
import {
  gatewayPodLabels,
  gatewaySelector,
  gatewaysFitting,
  labelsText,
  selectorFit,
} from './workloads.js';

/**
 * Whether a Gateway server host (`host`, `ns/host`, `./host`, `*` ...) admits a VirtualService host
 * from a VirtualService in `vsNamespace`, for a Gateway in `gatewayNamespace`.
 */
export function serverHostAdmits(
  serverHost: string,
  gatewayNamespace: string,
  vsNamespace: string,
  vsHost: string,
): boolean {
  const { namespace, host } = splitNamespacedHost(serverHost, gatewayNamespace);
  return (namespace === '*' || namespace === vsNamespace) && hostMatches(host, vsHost);
}

/** The plain host of a Gateway server host (`ns/host` -> `host`), as used for SNI. */
export function serverHostName(serverHost: string): string {
  return splitNamespacedHost(serverHost, '').host;
}

export interface GatewayServer {
  gateway: Resource;
  index: number;
  path: FieldPath;
  port: number;
  protocol: string;
  /** Hosts as written (`host`, `ns/host`, `*`). */
  hosts: readonly string[];
  /** The hosts without their namespace part (`ns/host` -> `host`): what SNI is matched against. */
  hostNames: readonly string[];
  /**
   * `tls.mode` (PASSTHROUGH when the tls block leaves it out) of a TLS server; undefined for a plaintext
   * server, which an HTTP-class server is even with a tls block (pkg/config/gateway IsTLSServer).
   */
  tlsMode?: string;
  /** The tls block as written. */
  tls?: JsonObject;
  /** The routes Istio uses for it: http (HTTP, HTTPS terminated), tcp (TLS terminated, TCP), tls (passthrough). */
  routeKind: RouteKind;
}

const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);

const PASSTHROUGH = new Set(['PASSTHROUGH', 'AUTO_PASSTHROUGH']);

/** Where older Istio releases mounted each proxy's mesh certificate (seed 004's Gateways point there). */
export const ISTIO_FILE_CERT_DIR = '/etc/certs/';

const serverCache = new WeakMap<Resource, GatewayServer[]>();

/** The servers of a Gateway, with what Istio makes of them (pkg/config/gateway IsTLSServer, IsHTTPServer). */
export function gatewayServers(gateway: Resource): readonly GatewayServer[] {
  const cached = serverCache.get(gateway);
  if (cached) return cached;
  const out: GatewayServer[] = [];
  serverCache.set(gateway, out);
  const servers = get(gateway.body, ['spec', 'servers']);
  if (!Array.isArray(servers)) return out;
  servers.forEach((s, index) => {
    const port = get(s, ['port', 'number']);
    if (!isObject(s) || typeof port !== 'number') return;
    const protocol = String(get(s, ['port', 'protocol']) ?? '').toUpperCase();
    const tls = isObject(s.tls) ? s.tls : undefined;
    // The mode's zero value is PASSTHROUGH; an HTTP-class server ignores its tls block (httpsRedirect aside).
    const tlsMode =
      tls && !HTTP_PROTOCOLS.has(protocol)
        ? typeof tls.mode === 'string'
          ? tls.mode
          : 'PASSTHROUGH'
        : undefined;
    const passthrough = tlsMode !== undefined && PASSTHROUGH.has(tlsMode);
    const routeKind: RouteKind =
      HTTP_PROTOCOLS.has(protocol) || (protocol === 'HTTPS' && !passthrough)
        ? 'http'
        : passthrough
          ? 'tls'
          : 'tcp';
    const hosts = writtenHosts(s.hosts);
    out.push({
      gateway,
      index,
      path: serverPath(index),
      port,
      protocol,
      hosts,
      hostNames: hosts.some((h) => h.includes('/')) ? hosts.map(serverHostName) : hosts,
      ...(tlsMode ? { tlsMode } : {}),
      ...(tls ? { tls } : {}),
      routeKind,
    });
  });
  return out;
}

/**
 * A server's hosts: the written list itself when it holds strings only (the usual case), else its
 * strings. Servers are kept for every Gateway, and a copy of each list (and of its host names, the
 * same list without `ns/` parts) was most of their memory.
 */
function writtenHosts(written: unknown): readonly string[] {
  return Array.isArray(written) && written.every((h) => typeof h === 'string')
    ? (written as string[])
    : stringList(written);
}

/** `spec.servers[i]`, one (read-only) list per index for every Gateway's servers. */
const serverPaths: FieldPath[] = [];

function serverPath(index: number): FieldPath {
  return (serverPaths[index] ??= Object.freeze(['spec', 'servers', index]));
}

/**
 * The hosts of a VirtualService that a Gateway server takes (pilot/pkg/networking/core
 * pickMatchingGatewayHosts): a server host, namespace-qualified ones included, admits them. A gateway
 * uses the VirtualService on that server only when there is one.
 */
export function serverVirtualServiceHosts(server: GatewayServer, vs: Resource): string[] {
  return virtualServiceHosts(vs).filter((h) =>
    server.hosts.some((sh) => serverHostAdmits(sh, server.gateway.namespace, vs.namespace, h)),
  );
}

/**
 * The domains of the virtual hosts a VirtualService's routes join on a plaintext HTTP server: each
 * host it shares with the server, the narrower of the two (host.Names.Intersection). The gateway's
 * route table has one virtual host per domain, of every server on the port; Envoy takes the one
 * whose domain matches the Host most specifically (gateway.go buildGatewayHTTPRouteConfig,
 * vHostDedupMap), so a VirtualService's routes apply only where its domain is that one.
 */
export function virtualHostDomains(server: GatewayServer, vs: Resource): string[] {
  const out = new Set<string>();
  for (const h of virtualServiceHosts(vs)) {
    for (const sh of server.hosts) {
      if (!serverHostAdmits(sh, server.gateway.namespace, vs.namespace, h)) continue;
      const host = serverHostName(sh);
      out.add((hostSubsetOf(h, host) ? h : host).toLowerCase());
    }
  }
  return [...out];
}

/**
 * Whether a Gateway server takes any host of a VirtualService (serverVirtualServiceHosts is not
 * empty), without listing them: rules and route uses ask for every VirtualService and gateway.
 */
export function serverAdmitsVirtualService(server: GatewayServer, vs: Resource): boolean {
  for (const h of virtualServiceHosts(vs)) {
    for (const sh of server.hosts)
      if (serverHostAdmits(sh, server.gateway.namespace, vs.namespace, h)) return true;
  }
  return false;
}

/** The VirtualServices a Gateway server takes, prepared for the requests through it. */
export interface ServerVirtualServices {
  /** Those the server takes any host of (serverAdmitsVirtualService), in their order. */
  admitted: readonly Resource[];
  /** Those with a host the server takes that matches `host`, in their order. */
  forHost(host: string): readonly Resource[];
}

/**
 * serverVirtualServiceHosts for every VirtualService `bound` to the server's Gateway and visible in
 * `proxyNamespace` (where its pods run), read once per server and namespace: every request through
 * the gateway asks, and a scan per request grows with requests times VirtualServices.
 */
export function serverVirtualServices(
  server: GatewayServer,
  proxyNamespace: string,
  bound: () => readonly Resource[],
): ServerVirtualServices {
  return serverVirtualServicesMemo.get(server, proxyNamespace, () => {
    const admitted = admittedByServer(server, boundByHost(server.gateway, proxyNamespace, bound));
    const byHost = smallHostLookup(admitted, (vs) => serverVirtualServiceHosts(server, vs));
    return { admitted, forHost: (host) => byHost.matching(host) };
  });
}

const serverVirtualServicesMemo = new PerObjectMemo<GatewayServer, string, ServerVirtualServices>();

/** The VirtualServices bound to a Gateway for one proxy namespace, by host and in their order. */
interface BoundByHost {
  lookup: HostLookup;
  /** Where a VirtualService is in the bound list. */
  position: (vs: Resource) => number;
}

const boundByHostMemo = new PerObjectMemo<Resource, string, BoundByHost>();

/**
 * The VirtualServices `bound` to a Gateway, looked up by host, built once per Gateway and proxy
 * namespace: a rendered Gateway has a server per destination and a VirtualService per destination,
 * so testing every one per server grew with destinations squared.
 */
function boundByHost(
  gateway: Resource,
  proxyNamespace: string,
  bound: () => readonly Resource[],
): BoundByHost {
  return boundByHostMemo.get(gateway, proxyNamespace, () => {
    const services = bound();
    // A Map of positions only where a scan of the list would cost more (see smallHostLookup).
    const positions =
      services.length > SCAN_LIMIT ? new Map(services.map((vs, i) => [vs, i])) : undefined;
    return {
      lookup: smallHostLookup(services, virtualServiceHosts),
      position: (vs) => positions?.get(vs) ?? services.indexOf(vs),
    };
  });
}

/**
 * The bound VirtualServices a server takes (serverAdmitsVirtualService), in their order: only those
 * with a host matching one of the server's can be, and the lookup gives those.
 */
function admittedByServer(server: GatewayServer, { lookup, position }: BoundByHost): Resource[] {
  const candidates = new Set<Resource>();
  for (const h of server.hostNames) for (const vs of lookup.matching(h)) candidates.add(vs);
  return [...candidates]
    .filter((vs) => serverAdmitsVirtualService(server, vs))
    .sort((a, b) => position(a) - position(b));
}

/** The server terminates TLS and verifies a client certificate, so authorization sees the client's identity. */
export function serverSeesClientIdentity(s: GatewayServer): boolean {
  return s.tlsMode === 'ISTIO_MUTUAL' || s.tlsMode === 'MUTUAL' || s.tlsMode === 'OPTIONAL_MUTUAL';
}

/** The server expects the mesh's own mTLS: ISTIO_MUTUAL, or MUTUAL with Istio's file-mounted certificates. */
export function serverExpectsMeshMtls(s: GatewayServer): boolean {
  if (s.tlsMode === 'ISTIO_MUTUAL') return true;
  const ca = get(s.tls, ['caCertificates']);
  return (
    (s.tlsMode === 'MUTUAL' || s.tlsMode === 'OPTIONAL_MUTUAL') &&
    typeof ca === 'string' &&
    ca.startsWith(ISTIO_FILE_CERT_DIR)
  );
}

/** The servers of some Gateways on one port of their pods, as Istio merges them (pilot/pkg/model/gateway.go mergeGateways). */
export interface PortServers {
  /** Every server on the port, in the order of their Gateways. */
  servers: readonly GatewayServer[];
  /** A plaintext server that comes first owns the port: Istio skips the TLS servers after it. */
  plaintext?: GatewayServer;
  /**
   * With an HTTP `plaintext` owner, every plaintext HTTP server on the port in order: Istio builds
   * one route table (`http.<port>`) from all their Gateways' VirtualServices (ServersByRouteName).
   */
  plaintextHttp: readonly GatewayServer[];
  /** The TLS servers Istio keeps, each its own filter chain (none when a plaintext server owns the port). */
  tls: readonly GatewayServer[];
  /** The TLS server whose filter chain takes a connection with this SNI (see sniChooser). */
  forSni: (sni: string | undefined) => GatewayServer | undefined;
}

/** The servers of some Gateways (those on one set of pods), port by port, as Istio merges them. */
export function serversByPort(gateways: readonly Resource[]): ReadonlyMap<number, PortServers> {
  const onPort = new Map<number, GatewayServer[]>();
  for (const s of gateways.flatMap(gatewayServers)) {
    const list = onPort.get(s.port);
    if (list) list.push(s);
    else onPort.set(s.port, [s]);
  }
  const out = new Map<number, PortServers>();
  for (const [port, servers] of onPort) {
    const first = servers[0]!;
    const plaintext = first.tlsMode === undefined ? first : undefined;
    const tls = plaintext ? [] : servers.filter((s) => s.tlsMode !== undefined);
    const plaintextHttp = plaintext?.routeKind === 'http' ? servers.filter(isPlaintextHttp) : [];
    out.set(port, {
      servers,
      ...(plaintext ? { plaintext } : {}),
      plaintextHttp,
      tls,
      forSni: serverChooser(tls),
    });
  }
  return out;
}

/** A server Istio merges into a port's HTTP route table (canMergeProtocols: HTTP with HTTP only). */
function isPlaintextHttp(s: GatewayServer): boolean {
  return s.tlsMode === undefined && s.routeKind === 'http';
}

/**
 * The Gateways whose servers on one port Istio merges in an order that matters (oldest Gateway first,
 * pilot/pkg/model/gateway.go MergeGateways): plaintext and TLS servers together (the first server
 * decides what the port speaks); TLS servers of different Gateways for one host (the first keeps
 * it); plaintext HTTP servers of different Gateways whose hosts overlap, as their VirtualServices'
 * routes for a host join one virtual host server by server, oldest Gateway first, and the first
 * route that matches wins (gateway.go buildGatewayHTTPRouteConfig). Empty when the order changes
 * nothing.
 */
export function gatewaysMergedByAge(servers: readonly GatewayServer[]): readonly Resource[] {
  let found = mergedByAge.get(servers);
  if (!found) mergedByAge.set(servers, (found = gatewaysMergedByAgeOf(servers)));
  return found;
}

/**
 * Remembered per server list: the simulator asks for every request through a port, and the lists
 * (SimulationContext.serversOn) are shared, so reading them each time made access quadratic.
 */
const mergedByAge = new WeakMap<readonly GatewayServer[], readonly Resource[]>();

function gatewaysMergedByAgeOf(servers: readonly GatewayServer[]): Resource[] {
  const gateways = [...new Set(servers.map((s) => s.gateway))];
  if (gateways.length < 2) return [];
  const plaintext = servers.some((s) => s.tlsMode === undefined);
  if (plaintext && servers.some((s) => s.tlsMode !== undefined)) return gateways;
  const rivals = plaintext
    ? gatewaysWithOverlappingHosts(servers.filter(isPlaintextHttp))
    : gatewaysWithSameHost(servers);
  return gateways.filter((g) => rivals.has(g));
}

/** TLS servers: a host name written the same in servers of two Gateways (CheckDuplicates). */
function gatewaysWithSameHost(servers: readonly GatewayServer[]): Set<Resource> {
  const owner = new Map<string, Resource>();
  const rivals = new Set<Resource>();
  for (const s of servers) {
    for (const h of s.hostNames) {
      const first = owner.get(h);
      if (!first) owner.set(h, s.gateway);
      else if (first !== s.gateway) rivals.add(first).add(s.gateway);
    }
  }
  return rivals;
}

/**
 * HTTP servers: hosts of two Gateways' servers that one request host can match (host.Name.Matches).
 * Of two overlapping hosts one is the other or a wildcard suffix of it, so each host looks up only
 * itself, its wildcard suffixes and `*`: linear in the hosts, as a port may have thousands.
 */
function gatewaysWithOverlappingHosts(servers: readonly GatewayServer[]): Set<Resource> {
  const byHost = new Map<string, Set<Resource>>();
  for (const s of servers) {
    for (const h of s.hostNames) {
      const set = byHost.get(h.toLowerCase()) ?? new Set<Resource>();
      byHost.set(h.toLowerCase(), set.add(s.gateway));
    }
  }
  const rivals = new Set<Resource>();
  const added = new Set<string>();
  const addAll = (host: string): void => {
    if (added.has(host)) return;
    added.add(host);
    for (const g of byHost.get(host)!) rivals.add(g);
  };
  for (const [host, own] of byHost) {
    const [only] = own;
    for (const key of [host, ...wildcardSuffixes(host)]) {
      const other = byHost.get(key);
      // Two Gateways: several on this host, or another one on an overlapping host.
      if (!other || (own.size === 1 && other.size === 1 && other.has(only!))) continue;
      addAll(host);
      addAll(key);
    }
  }
  return rivals;
}

/** `a.b.c` -> `*.b.c`, `*.c`, `*`; `*.b.c` -> `*.c`, `*`. */
function wildcardSuffixes(host: string): string[] {
  const labels = (host.startsWith('*.') ? host.slice(2) : host).split('.');
  const out: string[] = [];
  for (let i = 1; i < labels.length; i++) out.push(`*.${labels.slice(i).join('.')}`);
  if (host !== '*') out.push('*');
  return out;
}

/** The TLS server on one port that takes a connection with this SNI (see sniChooser). */
export function serverForSni(
  servers: readonly GatewayServer[],
  sni: string | undefined,
): GatewayServer | undefined {
  return serverChooser(servers)(sni);
}

function serverChooser(
  servers: readonly GatewayServer[],
): (sni: string | undefined) => GatewayServer | undefined {
  return sniChooser(servers, (s) => s.hostNames);
}

export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';

export interface GatewayWorkload {
  /** The egress gateway's name (the value of its gateway label), when known. */
  name?: string;
  /** Namespace of its pods. */
  namespace: string;
  /** Its Service host, when its name is known. */
  serviceHost?: string;
  /** Labels its pods are known to carry (they may carry more). */
  labels: Readonly<Record<string, string>>;
  /**
   * Whether its pods carry `security.istio.io/tlsMode: istio`, which makes client sidecars use mTLS
   * automatically when no DestinationRule sets TLS (unless PeerAuthentication disables it); undefined
   * when the config set does not say.
   */
  tlsModeLabelled?: boolean;
  /** The IstioGateway that declares it. */
  declaration?: EgressGateway;
  /**
   * Its namespace is egress-lint's assumption (the gateway namespace) for a Gateway selecting pods
   * nothing in the repository shows (gateway-pods.ts gatewayPodsShown).
   */
  namespaceAssumed?: boolean;
  /** Gateway resources (hand-written or rendered) whose selector picks its pods. */
  gateways: Resource[];
}

/** An egress gateway whose Service is known. */
export type GatewayService = GatewayWorkload & { name: string; serviceHost: string };

/** For a host named like a gateway Service (istio-<name>.<ns>.svc.<domain>), the gateway we must assume. */
export function assumedGatewayWorkload(
  host: string,
  gatewayLabel: string,
  gateways: readonly Resource[],
  domain: string,
): GatewayService | undefined {
  const service = clusterServiceOf(host, domain);
  const m = service && /^istio-([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(service.name);
  if (!m) return undefined;
  const labels = { [gatewayLabel]: m[1]! };
  return {
    name: m[1]!,
    namespace: service.namespace,
    serviceHost: host,
    labels,
    gateways: gatewaysFitting(gateways, { namespace: service.namespace, labels }),
  };
}

/**
 * The port a route to the gateway without `destination.port` goes to (GetDestinationCluster): its
 * Service's only port, when the IstioGateway declares exactly one.
 */
export function onlyServicePort(w: GatewayWorkload): number | undefined {
  const ports = w.declaration?.ports ?? [];
  return ports.length === 1 ? ports[0]!.port : undefined;
}

/** `egress gateway egressgateway`, or `gateway pods istio=x` when its name is unknown. */
export function describeGatewayWorkload(w: GatewayWorkload): string {
  return w.name !== undefined ? `egress gateway ${w.name}` : `gateway pods ${labelsText(w.labels)}`;
}

export function collectGatewayWorkloads(
  cs: ConfigSet,
  gateways: readonly Resource[],
  gatewayApi: readonly GatewayWorkload[] = [],
): GatewayWorkload[] {
  const { gatewayLabel, gatewayNamespace } = cs.defaults;
  const out: GatewayWorkload[] = [];
  const byName = new Map<string, GatewayWorkload>();
  const byLabels = new LabelPairIndex<GatewayWorkload>();
  const add = (w: GatewayWorkload): void => {
    out.push(w);
    if (w.name !== undefined) byName.set(w.name, w);
    byLabels.add(w, w.labels);
  };
  for (const g of cs.gateways) {
    if (byName.has(g.name)) continue;
    const tlsMode = g.podLabels[TLS_MODE_LABEL];
    add({
      name: g.name,
      namespace: g.namespace,
      serviceHost: g.serviceHost,
      labels: gatewayPodLabels(g),
      tlsModeLabelled: tlsMode === 'istio',
      declaration: g,
      gateways: [],
    });
  }
  // The Deployments Istio runs for Gateway API Gateways (gateway-api.ts).
  for (const w of gatewayApi) add({ ...w, gateways: [] });
  for (const p of cs.policies) {
    if (byName.has(p.gateway)) continue;
    const g = cs.gateway(p.gateway);
    add({
      name: g.name,
      namespace: g.namespace,
      serviceHost: g.serviceHost,
      labels: { ...g.selector },
      gateways: [],
    });
  }
  // Gateways selecting pods of no gateway seen so far stand for one more: named after their gateway
  // label when they use it, in the gateway namespace (where Istio installs gateways).
  for (const gw of gateways) {
    const labels = gatewaySelector(gw);
    if (!labels) continue;
    if (byLabels.sharing(labels).some((w) => selectorFit(labels, w.labels) === 'matches')) continue;
    const name = typeof labels[gatewayLabel] === 'string' ? labels[gatewayLabel] : undefined;
    add({
      ...(name !== undefined
        ? { name, serviceHost: gatewayServiceHost(name, gatewayNamespace, cs.mesh.clusterDomain) }
        : {}),
      namespace: gatewayNamespace,
      labels: { ...labels },
      gateways: [],
      ...(gatewayPodsShown(cs.resources, gatewayNamespace, labels)
        ? {}
        : { namespaceAssumed: true }),
    });
  }
  for (const w of out) w.gateways.push(...gatewaysFitting(gateways, w));
  return out;
}

export interface WorkloadServer extends GatewayServer {
  workload: GatewayWorkload;
  /** The port the gateway's proxy listens on (the Service port's targetPort), which authorization `ports` name. */
  listenPort: number;
}

/** The Gateway servers on an egress gateway's pods. */
export function workloadServers(workload: GatewayWorkload): WorkloadServer[] {
  const ports = workload.declaration?.ports ?? [];
  return workload.gateways.flatMap(gatewayServers).map((s) => ({
    ...s,
    workload,
    listenPort: ports.find((p) => p.port === s.port)?.targetPort ?? s.port,
  }));
}

/** `port 444 (TLS, terminated)` */
export function describeServerPort(s: GatewayServer): string {
  const how =
    s.tlsMode === undefined ? '' : s.routeKind === 'tls' ? ', passed through' : `, ${s.tlsMode}`;
  return `port ${s.port} (${s.protocol}${how})`;
}
