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
  const to = exportedTo(r);
  return to === '*' || to.includes(namespace);
}

/** The namespaces a resource is visible from: `*` for all, else the list (empty for `~`). */
export function exportedTo(r: Resource): '*' | string[] {
  const exportTo = stringList(get(r.body, ['spec', 'exportTo']));
  if (exportTo.length === 0 || exportTo.includes('*')) return '*';
  return [...new Set(exportTo.filter((e) => e !== '~').map((e) => (e === '.' ? r.namespace : e)))];
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
  /** The `tls` block in effect, or undefined when the rules set none for this port and subset. */
  tls?: JsonObject;
  /** The rule and field that decided (the tls block, or the policy that left it out). */
  rule: Resource;
  path: FieldPath;
  /** False when a subset was asked for and no rule defines it. */
  subsetFound: boolean;
}

/**
 * The client TLS settings DestinationRules give a port, optionally for a subset, the way Istio merges
 * them. Several rules for one host in one namespace act as one (Istio's mergeDestinationRule): the
 * first top-level trafficPolicy wins and subsets are taken from the first rule defining them. Within a
 * policy, port-level settings replace the policy's own; a subset's policy replaces the rule's when it
 * sets `tls` or has port-level settings for this port.
 */
export function destinationRuleTls(rules: Resource | readonly Resource[], port: number, subset?: string): ClientTlsSetting {
  const list: readonly Resource[] = Array.isArray(rules) ? rules : [rules as Resource];
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
  const top = list.find((dr) => get(dr.body, ['spec', 'trafficPolicy']) !== undefined) ?? list[0]!;
  const effective = { rule: top, ...resolve(get(top.body, ['spec', 'trafficPolicy']), ['spec', 'trafficPolicy']) };
  if (subset === undefined) return { ...tlsOnly(effective), subsetFound: true };
  for (const dr of list) {
    const subsets = get(dr.body, ['spec', 'subsets']);
    const i = Array.isArray(subsets) ? subsets.findIndex((s) => get(s, ['name']) === subset) : -1;
    if (i === -1) continue;
    const own = resolve(get((subsets as unknown[])[i], ['trafficPolicy']), ['spec', 'subsets', i, 'trafficPolicy']);
    return { ...tlsOnly(own.tls || own.portLevel ? { rule: dr, ...own } : effective), subsetFound: true };
  }
  return { ...tlsOnly(effective), rule: list[0]!, path: ['spec', 'subsets'], subsetFound: false };
}

function tlsOnly(x: { tls?: JsonObject; rule: Resource; path: FieldPath }): Omit<ClientTlsSetting, 'subsetFound'> {
  return x.tls ? { tls: x.tls, rule: x.rule, path: x.path } : { rule: x.rule, path: x.path };
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

const serversRead = new WeakMap<Resource, readonly GatewayServer[]>();

/** The servers of a Gateway resource, in order (read once per resource). */
export function gatewayServers(gateway: Resource): readonly GatewayServer[] {
  let servers = serversRead.get(gateway);
  if (!servers) serversRead.set(gateway, (servers = readGatewayServers(gateway)));
  return servers;
}

function readGatewayServers(gateway: Resource): GatewayServer[] {
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
  return sniSelector(servers)(sni);
}

/** serverForSni prepared once for a set of servers, for many lookups. */
export function sniSelector(servers: readonly GatewayServer[]): (sni: string | undefined) => GatewayServer | undefined {
  const exact = new Map<string, GatewayServer>();
  const wildcards: [suffix: string, server: GatewayServer][] = [];
  let any: GatewayServer | undefined;
  const taken = new Set<string>();
  for (const s of servers) {
    const names = s.hosts.map(serverHostName);
    if (names.some((h) => taken.has(h))) continue;
    names.forEach((h) => taken.add(h));
    // A server listing `*` gets no server_names at all: it takes any SNI, but only when nothing else does.
    if (names.includes('*')) any ??= s;
    else {
      for (const h of names) {
        if (h.startsWith('*.')) wildcards.push([h.slice(1), s]);
        else if (!exact.has(h.toLowerCase())) exact.set(h.toLowerCase(), s);
      }
    }
  }
  wildcards.sort((a, b) => b[0].length - a[0].length);
  return (sni) => {
    if (sni === undefined) return any;
    return exact.get(sni.toLowerCase()) ?? wildcards.find(([suffix]) => sni.endsWith(suffix))?.[1] ?? any;
  };
}

// ---------------------------------------------------------------------------------------------------
// The index: hand-written and rendered Istio resources seen together

export interface RuleLookup {
  /** The first rule found, and where on the lookup path. */
  rule: Resource;
  step: 'client' | 'service' | 'root';
  /** The rules Istio merges with it (same host and namespace, compatible exportTo), `rule` first. */
  merged: readonly Resource[];
}

export interface IstioIndex {
  /** Schema-valid hand-written resources plus everything rendered from policies. */
  readonly all: readonly Resource[];
  readonly rootNamespace: string;
  ofKind(kind: string): readonly Resource[];
  /** ServiceEntries visible from `namespace` that define `host`. */
  serviceEntriesFor(host: string, namespace: string): Resource[];
  /** Every ServiceEntry that defines `host`, wherever it is visible (for explaining why it is not). */
  serviceEntriesNaming(host: string): readonly Resource[];
  /** Every VirtualService with a host matching `host`, whatever it is bound to and wherever it is visible. */
  virtualServicesNaming(host: string): readonly Resource[];
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
  destinationRuleFor(host: string, clientNamespace: string): RuleLookup | undefined;
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
  const entriesNaming = byHost(of(KIND.serviceEntry), hostsOf);
  const servicesNaming = byHost(of(KIND.virtualService), hostsOf);
  const groupOnce = (resources: readonly Resource[], keys: (r: Resource) => string[]): (() => Map<string, Resource[]>) => {
    let groups: Map<string, Resource[]> | undefined;
    return () => {
      if (!groups) {
        groups = new Map();
        for (const r of resources) {
          for (const k of new Set(keys(r))) {
            const list = groups.get(k);
            if (list) list.push(r);
            else groups.set(k, [r]);
          }
        }
      }
      return groups;
    };
  };
  const servicesByGateway = groupOnce(of(KIND.virtualService), vsGateways);
  const rulesByNamespace = groupOnce(of(KIND.destinationRule), (dr) => [dr.namespace]);
  const rulesByHost = new Map<string, (host: string) => readonly Resource[]>();
  const rulesIn = (ns: string): ((host: string) => readonly Resource[]) => {
    let lookup = rulesByHost.get(ns);
    if (!lookup) rulesByHost.set(ns, (lookup = byHost(rulesByNamespace().get(ns) ?? [], (dr) => [String(get(dr.body, ['spec', 'host']) ?? '')])));
    return lookup;
  };

  const index: IstioIndex = {
    all,
    rootNamespace,
    ofKind: of,
    serviceEntriesFor: (host, namespace) => entriesNaming(host).filter((se) => isVisibleTo(se, namespace)),
    serviceEntriesNaming: (host) => entriesNaming(host),
    virtualServicesNaming: (host) => servicesNaming(host),
    serviceNamespace(host, clientNamespace) {
      return clusterServiceNamespace(host) ?? index.serviceEntriesFor(host, clientNamespace)[0]?.namespace;
    },
    virtualServicesFor: (host, namespace, gateway = MESH) =>
      servicesNaming(host).filter((vs) => isVisibleTo(vs, namespace) && vsGateways(vs).includes(gateway)),
    virtualServicesForGateway(gateway, viewNamespace = gateway.namespace) {
      return (servicesByGateway().get(gatewayRef(gateway)) ?? []).filter((vs) => isVisibleTo(vs, viewNamespace));
    },
    destinationRuleFor(host, clientNamespace) {
      const drHost = (dr: Resource): string => String(get(dr.body, ['spec', 'host']) ?? '');
      const pick = (ns: string, requireExport: boolean, step: RuleLookup['step']): RuleLookup | undefined => {
        const candidates = rulesIn(ns)(host).filter((dr) => !requireExport || isVisibleTo(dr, clientNamespace));
        // Most specific host first: an exact host beats a wildcard, a longer wildcard beats a shorter one.
        candidates.sort((a, b) => specificity(drHost(b)) - specificity(drHost(a)));
        const rule = candidates[0];
        if (!rule) return undefined;
        // Later rules for the same host merge in when their exportTo equals or covers the first one's.
        const covers = (later: Resource): boolean => {
          const a = exportedTo(rule);
          const b = exportedTo(later);
          return b === '*' || (a !== '*' && a.every((n) => b.includes(n)));
        };
        const selectorless = (dr: Resource): boolean => get(dr.body, ['spec', 'workloadSelector']) === undefined;
        const merged = [rule, ...candidates.filter((dr) => dr !== rule && drHost(dr) === drHost(rule) && selectorless(dr) && selectorless(rule) && covers(dr))];
        return { rule, step, merged };
      };
      if (clientNamespace !== rootNamespace) {
        const own = pick(clientNamespace, false, 'client');
        if (own) return own;
      } else {
        const own = pick(rootNamespace, false, 'root');
        if (own) return own;
      }
      const svcNs = index.serviceNamespace(host, clientNamespace);
      if (svcNs && svcNs !== clientNamespace) {
        const svc = pick(svcNs, true, 'service');
        if (svc) return svc;
      }
      return pick(rootNamespace, true, 'root');
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
  // The index never changes: remember the lookups a simulation repeats for every cell of an access matrix.
  const remember = <A extends unknown[], R>(fn: (...args: A) => R, key: (...args: A) => string): ((...args: A) => R) => {
    const cache = new Map<string, R>();
    return (...args) => {
      const k = key(...args);
      if (!cache.has(k)) cache.set(k, fn(...args));
      const v = cache.get(k)!;
      return (Array.isArray(v) ? [...v] : v) as R;
    };
  };
  const labelsKey = (labels: Readonly<Record<string, string>>): string => JSON.stringify(Object.entries(labels).sort());
  index.virtualServicesForGateway = remember(index.virtualServicesForGateway, (g, ns) => `${gatewayRef(g)}|${ns ?? g.namespace}`);
  index.destinationRuleFor = remember(index.destinationRuleFor, (host, ns) => `${host}|${ns}`);
  index.gatewaysSelecting = remember(index.gatewaysSelecting, labelsKey);
  return index;
}

/**
 * Resources with a host matching `host`, in their original order, found through a map of their exact
 * hosts (wildcard hosts are checked one by one) and remembered: an access matrix asks for every cell.
 */
function byHost(resources: readonly Resource[], hostsOf: (r: Resource) => string[]): (host: string) => readonly Resource[] {
  const exact = new Map<string, number[]>();
  const wild: number[] = [];
  resources.forEach((r, i) => {
    for (const h of new Set(hostsOf(r))) {
      if (isWild(h)) wild.push(i);
      else exact.set(h, [...(exact.get(h) ?? []), i]);
    }
  });
  const cache = new Map<string, readonly Resource[]>();
  return (host) => {
    let found = cache.get(host);
    if (!found) {
      const matches = (r: Resource): boolean => hostsOf(r).some((h) => hostMatches(h, host));
      const ids = isWild(host) ? resources.map((_, i) => i) : [...new Set([...(exact.get(host) ?? []), ...wild])].sort((a, b) => a - b);
      found = ids.map((i) => resources[i]!).filter(matches);
      cache.set(host, found);
    }
    return found;
  };
}

function specificity(host: string): number {
  return isWild(host) ? host.length : 10_000 + host.length;
}
