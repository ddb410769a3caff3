/**
 * Istio's lookup rules, written once for the lint rules and the simulator alike: host matching,
 * exportTo visibility, VirtualService-to-Gateway binding, the DestinationRule lookup path and workload
 * selection. Everything here reads resources; nothing here knows about findings.
 */
import type { ConfigSet } from './config-set.js';
import { assumedGateway, type EgressGateway } from './egress-gateway.js';
import type { FieldPath } from './field-path.js';
import { KIND } from './kinds.js';
import { matchesSelector } from './mesh.js';
import { protocolFromPortName } from './protocol.js';
import { get, isObject, type JsonObject, type Resource } from './resource.js';

export const MESH = 'mesh';

// ---------------------------------------------------------------------------------------------------
// Hosts

const isWild = (h: string): boolean => h.startsWith('*');

/** Istio's host.Name.Matches: either side may be a wildcard (`*.example.com`, `*`). */
export function hostMatches(a: string, b: string): boolean {
  const aw = isWild(a);
  const bw = isWild(b);
  if (aw && bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** Istio's host.Name.SubsetOf: every host `a` stands for is also covered by `b`. */
export function hostSubsetOf(a: string, b: string): boolean {
  const aw = isWild(a);
  const bw = isWild(b);
  if (aw) return bw && a.length >= b.length && a.slice(1).endsWith(b.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** The namespace of an in-cluster service host (`name.ns.svc.cluster.local`), if it is one. */
export function clusterServiceNamespace(host: string): string | undefined {
  const m = /^[^.]+\.([^.]+)\.svc\.cluster\.local$/.exec(host);
  return m?.[1];
}

export function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

// ---------------------------------------------------------------------------------------------------
// Visibility

/**
 * Whether a ServiceEntry, VirtualService or DestinationRule is visible from `namespace`. No exportTo
 * means everywhere (Istio's default); `.` is the resource's own namespace, `*` everywhere, `~` nowhere.
 */
export function isVisibleTo(r: Resource, namespace: string): boolean {
  const exportTo = stringList(get(r.body, ['spec', 'exportTo']));
  if (exportTo.length === 0) return true;
  return exportTo.some((e) => e === '*' || e === namespace || (e === '.' && r.namespace === namespace));
}

// ---------------------------------------------------------------------------------------------------
// VirtualServices and Gateways

/** A gateway reference as Istio resolves it: `mesh`, or `namespace/name` (short names are the VS's namespace). */
export function normalizeGatewayRef(ref: string, fromNamespace: string): string {
  if (ref === MESH) return MESH;
  return ref.includes('/') ? ref : `${fromNamespace}/${ref}`;
}

/** The gateways a VirtualService applies to; none listed means the sidecars (`mesh`). */
export function vsGateways(vs: Resource): string[] {
  const listed = stringList(get(vs.body, ['spec', 'gateways']));
  return listed.length === 0 ? [MESH] : listed.map((g) => normalizeGatewayRef(g, vs.namespace));
}

/** Gateways a single route match applies to: its own `gateways`, else the VirtualService's. */
export function matchGateways(vs: Resource, match: unknown): string[] {
  const own = stringList(get(match, ['gateways']));
  return own.length === 0 ? vsGateways(vs) : own.map((g) => normalizeGatewayRef(g, vs.namespace));
}

export function gatewayRef(gateway: Resource): string {
  return `${gateway.namespace}/${gateway.name}`;
}

/**
 * Whether a Gateway server host (`host`, `ns/host`, `./host`, `*` ...) admits a VirtualService host
 * from a VirtualService in `vsNamespace`, for a Gateway in `gatewayNamespace`.
 */
export function serverHostAdmits(serverHost: string, gatewayNamespace: string, vsNamespace: string, vsHost: string): boolean {
  const slash = serverHost.indexOf('/');
  const ns = slash === -1 ? '*' : serverHost.slice(0, slash);
  const host = slash === -1 ? serverHost : serverHost.slice(slash + 1);
  const nsOk = ns === '*' || (ns === '.' ? vsNamespace === gatewayNamespace : ns === vsNamespace);
  return nsOk && hostMatches(host, vsHost);
}

/** The plain host of a Gateway server host (`ns/host` -> `host`), as used for SNI. */
export function serverHostName(serverHost: string): string {
  const slash = serverHost.indexOf('/');
  return slash === -1 ? serverHost : serverHost.slice(slash + 1);
}

// ---------------------------------------------------------------------------------------------------
// Workloads

export interface Workload {
  namespace: string;
  labels: Readonly<Record<string, string>>;
}

/** Labels the pods of an egress gateway carry: the gateway label plus its podLabels. */
export function gatewayPodLabels(gw: EgressGateway): Record<string, string> {
  return { ...gw.podLabels, ...gw.selector };
}

/** `spec.selector.matchLabels` (AuthorizationPolicy, PeerAuthentication) or `spec.workloadSelector.labels`. */
export function workloadSelectorOf(r: Resource): Record<string, string> | undefined {
  const sel = get(r.body, ['spec', 'selector', 'matchLabels']) ?? get(r.body, ['spec', 'workloadSelector', 'labels']);
  return isObject(sel) ? (sel as Record<string, string>) : undefined;
}

/**
 * Whether a namespaced policy (AuthorizationPolicy and friends) applies to the workload: its selector
 * matches in its own namespace, or, from the root namespace, in every namespace.
 */
export function policyAppliesTo(policy: Resource, workload: Workload, rootNamespace: string): boolean {
  if (policy.namespace !== rootNamespace && policy.namespace !== workload.namespace) return false;
  return matchesSelector(workloadSelectorOf(policy), workload.labels);
}

/** Whether a Gateway resource's selector picks these pods (Istio does not scope it to a namespace). */
export function gatewaySelects(gateway: Resource, podLabels: Readonly<Record<string, string>>): boolean {
  const sel = get(gateway.body, ['spec', 'selector']);
  if (!isObject(sel) || Object.keys(sel).length === 0) return false;
  return matchesSelector(sel as Record<string, string>, podLabels);
}

// ---------------------------------------------------------------------------------------------------
// Route matches: which routes of a VirtualService a given proxy builds into its configuration

/** The proxy a route is built for: a sidecar (`gateway: 'mesh'`) or a gateway (`namespace/name` of the Gateway). */
export interface ProxyView extends Workload {
  gateway: string;
}

function portMatches(match: unknown, listenPort: number): boolean {
  const port = get(match, ['port']);
  return typeof port !== 'number' || port === 0 || port === listenPort;
}

function sourceMatches(match: unknown, proxy: Workload): boolean {
  const labels = get(match, ['sourceLabels']);
  const ns = get(match, ['sourceNamespace']);
  return (
    matchesSelector(isObject(labels) ? (labels as Record<string, string>) : undefined, proxy.labels) &&
    (typeof ns !== 'string' || ns === '' || ns === proxy.namespace)
  );
}

/**
 * Whether an HTTP route match is built for this proxy on this port (Istio's TranslateRoute and
 * sourceMatchHTTP). A match that names `gateways` applies to those gateways and Istio then ignores its
 * `sourceLabels` and `sourceNamespace`; a match without `gateways` is filtered by them instead.
 */
export function httpMatchApplies(vs: Resource, match: unknown, proxy: ProxyView, listenPort: number): boolean {
  if (match === undefined) return true;
  if (!portMatches(match, listenPort)) return false;
  const own = stringList(get(match, ['gateways']));
  if (own.length > 0) return own.some((g) => normalizeGatewayRef(g, vs.namespace) === proxy.gateway);
  return sourceMatches(match, proxy);
}

/** Whether a TLS or TCP route match applies on a sidecar (Istio's matchTLS/matchTCP): every condition must hold. */
export function l4MatchAppliesToSidecar(vs: Resource, match: unknown, proxy: ProxyView, listenPort: number): boolean {
  if (match === undefined) return true;
  const own = stringList(get(match, ['gateways']));
  const gatewayOk = own.length === 0 || own.some((g) => normalizeGatewayRef(g, vs.namespace) === proxy.gateway);
  return gatewayOk && portMatches(match, listenPort) && sourceMatches(match, proxy);
}

/** Whether a TLS or TCP route match applies on a gateway server (Istio's l4SingleMatch): only port and gateways count. */
export function l4MatchAppliesToGateway(vs: Resource, match: unknown, gatewayRef: string, serverPort: number): boolean {
  if (match === undefined) return true;
  const own = stringList(get(match, ['gateways']));
  return portMatches(match, serverPort) && (own.length === 0 || own.some((g) => normalizeGatewayRef(g, vs.namespace) === gatewayRef));
}

/** Envoy's server_names match: an exact name, or a `*.suffix` wildcard; `*` matches any SNI. */
export function sniMatches(pattern: string, sni: string | undefined): boolean {
  if (pattern === '*') return true;
  if (sni === undefined) return false;
  return pattern.startsWith('*.') ? sni.endsWith(pattern.slice(1)) : pattern.toLowerCase() === sni.toLowerCase();
}

// ---------------------------------------------------------------------------------------------------
// Ports and TLS settings

/** A ServiceEntry port's protocol: the `protocol` field, else what its name says; undefined means sniffed. */
export function servicePortProtocol(port: unknown): string | undefined {
  const explicit = get(port, ['protocol']);
  if (typeof explicit === 'string' && explicit) return explicit.toUpperCase();
  const name = get(port, ['name']);
  return protocolFromPortName(typeof name === 'string' ? name : undefined);
}

export interface ClientTlsSetting {
  /** The `tls` block in effect, or undefined when the rule sets none for this port and subset. */
  tls?: JsonObject;
  /** The field of the DestinationRule that decided (the tls block, or the policy that left it out). */
  path: FieldPath;
  /** False when a subset was asked for and the rule does not define it. */
  subsetFound: boolean;
}

/**
 * The client TLS settings a DestinationRule gives a port, optionally for a subset, the way Istio merges
 * them: port-level settings replace the policy's own, and a subset's policy replaces the rule's when it
 * sets `tls` or has port-level settings for this port.
 */
export function destinationRuleTls(dr: Resource, port: number, subset?: string): ClientTlsSetting {
  const resolve = (policy: unknown, base: FieldPath): { tls?: JsonObject; path: FieldPath; portLevel: boolean } => {
    const levels = get(policy, ['portLevelSettings']);
    if (Array.isArray(levels)) {
      const i = levels.findIndex((l) => get(l, ['port', 'number']) === port);
      if (i !== -1) {
        const tls = get(levels[i], ['tls']);
        return { ...(isObject(tls) ? { tls } : {}), path: [...base, 'portLevelSettings', i], portLevel: true };
      }
    }
    const tls = get(policy, ['tls']);
    return isObject(tls) ? { tls, path: [...base, 'tls'], portLevel: false } : { path: base, portLevel: false };
  };
  let effective = resolve(get(dr.body, ['spec', 'trafficPolicy']), ['spec', 'trafficPolicy']);
  if (subset === undefined) return { ...tlsOnly(effective), subsetFound: true };
  const subsets = get(dr.body, ['spec', 'subsets']);
  const list: unknown[] = Array.isArray(subsets) ? subsets : [];
  const i = list.findIndex((s) => get(s, ['name']) === subset);
  if (i === -1) return { ...tlsOnly(effective), path: ['spec', 'subsets'], subsetFound: false };
  const own = resolve(get(list[i], ['trafficPolicy']), ['spec', 'subsets', i, 'trafficPolicy']);
  if (own.tls || own.portLevel) effective = own;
  return { ...tlsOnly(effective), subsetFound: true };
}

function tlsOnly(x: { tls?: JsonObject; path: FieldPath }): { tls?: JsonObject; path: FieldPath } {
  return x.tls ? { tls: x.tls, path: x.path } : { path: x.path };
}

// ---------------------------------------------------------------------------------------------------
// Gateway servers

export interface GatewayServer {
  gateway: Resource;
  path: FieldPath;
  port: number;
  protocol: string;
  /** Hosts as written (`host`, `ns/host`, `*`). */
  hosts: string[];
  /** `tls.mode`, when the server has a tls block. */
  tlsMode?: string;
  tls?: JsonObject;
}

/** The servers of a Gateway resource, in order. */
export function gatewayServers(gateway: Resource): GatewayServer[] {
  const servers = get(gateway.body, ['spec', 'servers']);
  if (!Array.isArray(servers)) return [];
  const out: GatewayServer[] = [];
  servers.forEach((s, i) => {
    const port = get(s, ['port', 'number']);
    if (typeof port !== 'number') return;
    const tls = get(s, ['tls']);
    const mode = get(tls, ['mode']);
    out.push({
      gateway,
      path: ['spec', 'servers', i],
      port,
      protocol: String(get(s, ['port', 'protocol']) ?? '').toUpperCase(),
      hosts: stringList(get(s, ['hosts'])),
      ...(isObject(tls) ? { tls, tlsMode: typeof mode === 'string' ? mode : 'SIMPLE' } : {}),
    });
  });
  return out;
}

/**
 * The TLS server on one port that takes a connection with this SNI, as Envoy picks the filter chain:
 * an exact server name first, then the longest wildcard, then a server for any host (`*`). A server
 * repeating a host already taken on the port is dropped, as Istio does when merging gateways.
 */
export function serverForSni(servers: readonly GatewayServer[], sni: string | undefined): GatewayServer | undefined {
  const taken = new Set<string>();
  const kept = servers.filter((s) => {
    const names = s.hosts.map(serverHostName);
    if (names.some((h) => taken.has(h))) return false;
    names.forEach((h) => taken.add(h));
    return true;
  });
  // A server listing `*` gets no server_names at all: it takes any SNI, but only when nothing else does.
  const score = (s: GatewayServer): number => {
    const names = s.hosts.map(serverHostName);
    if (names.includes('*')) return 0;
    return Math.max(-1, ...names.map((h) => (!sniMatches(h, sni) ? -1 : h.startsWith('*.') ? h.length : 100_000)));
  };
  let best: GatewayServer | undefined;
  let bestScore = -1;
  for (const s of kept) {
    const sc = score(s);
    if (sc > bestScore) {
      best = s;
      bestScore = sc;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------
// The index: hand-written and rendered Istio resources seen together

export interface IstioIndex {
  /** Schema-valid hand-written resources plus everything rendered from policies. */
  readonly all: readonly Resource[];
  readonly rootNamespace: string;
  ofKind(kind: string): readonly Resource[];
  /** ServiceEntries visible from `namespace` that define `host`. */
  serviceEntriesFor(host: string, namespace: string): Resource[];
  /** Namespace that owns a service host: the ServiceEntry's, or the cluster service's. */
  serviceNamespace(host: string, clientNamespace: string): string | undefined;
  /** VirtualServices visible from `namespace`, with a host matching `host`, bound to `gateway`. */
  virtualServicesFor(host: string, namespace: string, gateway?: string): Resource[];
  /**
   * VirtualServices bound to a Gateway (listing it and exported to `viewNamespace`: Istio checks the
   * namespace of the gateway proxy, which defaults here to the Gateway resource's own).
   */
  virtualServicesForGateway(gateway: Resource, viewNamespace?: string): Resource[];
  /**
   * The DestinationRule a client in `clientNamespace` uses for `host`: its own namespace first, then the
   * service's namespace, then the root namespace, each time only rules exported to the client.
   */
  destinationRuleFor(host: string, clientNamespace: string): { rule: Resource; step: 'client' | 'service' | 'root' } | undefined;
  /** Gateway resources whose selector picks these pods. */
  gatewaysSelecting(podLabels: Readonly<Record<string, string>>): Resource[];
  /** AuthorizationPolicies that apply to a workload. */
  authorizationPoliciesFor(workload: Workload): Resource[];
  /**
   * The egress gateway behind an in-mesh Service host: a declared IstioGateway whose Service it is, or,
   * for a host named like one (`istio-<name>.<ns>.svc.cluster.local`), the gateway we must assume.
   */
  egressGatewayFor(host: string): { gateway: EgressGateway; declared: boolean } | undefined;
}

export function buildIstioIndex(cs: ConfigSet, rendered: readonly Resource[]): IstioIndex {
  const kinds = [KIND.serviceEntry, KIND.virtualService, KIND.destinationRule, KIND.gateway, KIND.sidecar, KIND.authorizationPolicy, KIND.peerAuthentication];
  const byKind = new Map<string, Resource[]>();
  for (const k of kinds) byKind.set(k, [...cs.ofKind(k)]);
  for (const r of rendered) byKind.get(r.kind)?.push(r);
  const all = [...byKind.values()].flat();
  const rootNamespace = cs.mesh.rootNamespace;
  const of = (k: string): Resource[] => byKind.get(k) ?? [];

  const hostsOf = (r: Resource): string[] => stringList(get(r.body, ['spec', 'hosts']));

  const index: IstioIndex = {
    all,
    rootNamespace,
    ofKind: of,
    serviceEntriesFor: (host, namespace) =>
      of(KIND.serviceEntry).filter((se) => isVisibleTo(se, namespace) && hostsOf(se).some((h) => hostMatches(h, host))),
    serviceNamespace(host, clientNamespace) {
      return clusterServiceNamespace(host) ?? index.serviceEntriesFor(host, clientNamespace)[0]?.namespace;
    },
    virtualServicesFor: (host, namespace, gateway = MESH) =>
      of(KIND.virtualService).filter(
        (vs) => isVisibleTo(vs, namespace) && vsGateways(vs).includes(gateway) && hostsOf(vs).some((h) => hostMatches(h, host)),
      ),
    virtualServicesForGateway(gateway, viewNamespace = gateway.namespace) {
      const ref = gatewayRef(gateway);
      return of(KIND.virtualService).filter((vs) => isVisibleTo(vs, viewNamespace) && vsGateways(vs).includes(ref));
    },
    destinationRuleFor(host, clientNamespace) {
      const drHost = (dr: Resource): string => String(get(dr.body, ['spec', 'host']) ?? '');
      const pick = (ns: string, requireExport: boolean): Resource | undefined => {
        const candidates = of(KIND.destinationRule).filter(
          (dr) => dr.namespace === ns && hostMatches(drHost(dr), host) && (!requireExport || isVisibleTo(dr, clientNamespace)),
        );
        // Most specific host first: an exact host beats a wildcard, a longer wildcard beats a shorter one.
        candidates.sort((a, b) => specificity(drHost(b)) - specificity(drHost(a)));
        return candidates[0];
      };
      if (clientNamespace !== rootNamespace) {
        const own = pick(clientNamespace, false);
        if (own) return { rule: own, step: 'client' };
      } else {
        const own = pick(rootNamespace, false);
        if (own) return { rule: own, step: 'root' };
      }
      const svcNs = index.serviceNamespace(host, clientNamespace);
      if (svcNs && svcNs !== clientNamespace) {
        const svc = pick(svcNs, true);
        if (svc) return { rule: svc, step: 'service' };
      }
      const root = pick(rootNamespace, true);
      return root ? { rule: root, step: 'root' } : undefined;
    },
    gatewaysSelecting: (podLabels) => of(KIND.gateway).filter((g) => gatewaySelects(g, podLabels)),
    authorizationPoliciesFor: (workload) => of(KIND.authorizationPolicy).filter((p) => policyAppliesTo(p, workload, rootNamespace)),
    egressGatewayFor(host) {
      const declared = cs.gateways.filter((g) => g.serviceHost === host);
      const gateway = declared.find((g) => g.gatewayType === 'egress') ?? declared[0];
      if (gateway) return { gateway, declared: true };
      const m = /^istio-([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc\.cluster\.local$/.exec(host);
      return m ? { gateway: assumedGateway(m[1]!, { ...cs.defaults, gatewayNamespace: m[3]! }), declared: false } : undefined;
    },
  };
  return index;
}

function specificity(host: string): number {
  return isWild(host) ? host.length : 10_000 + host.length;
}
