/**
 * Istio's lookup rules, written once for the lint rules and the simulator alike: host matching,
 * exportTo visibility, VirtualService-to-Gateway binding, the DestinationRule lookup path and workload
 * selection. Everything here reads resources; nothing here knows about findings.
 *
 * Resources are never changed after loading or rendering, so readings (exportTo, routes, servers,
 * lookups by host) are cached per object: a rule asks the same thing for every client namespace.
 */
import type { ConfigSet } from './config-set.js';
import { gatewayServiceHost, type EgressGateway } from './egress-gateway.js';
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
  const scope = exportedTo(r);
  return scope.everywhere || scope.namespaces.has(namespace);
}

/** Where a resource is visible: everywhere (no exportTo, or `*`), else these namespaces (none for `~`). */
export interface ExportScope {
  everywhere: boolean;
  namespaces: ReadonlySet<string>;
}

/** exportTo, read once per resource (lint asks the same question for every client namespace). */
const exportScopes = new WeakMap<Resource, ExportScope>();
export function exportedTo(r: Resource): ExportScope {
  let scope = exportScopes.get(r);
  if (!scope) {
    const exportTo = stringList(get(r.body, ['spec', 'exportTo']));
    scope = {
      everywhere: exportTo.length === 0 || exportTo.includes('*'),
      namespaces: new Set(exportTo.filter((e) => e !== '~').map((e) => (e === '.' ? r.namespace : e))),
    };
    exportScopes.set(r, scope);
  }
  return scope;
}

/** The namespaces among `namespaces` that see a resource (without testing each one against exportTo). */
export function visibleNamespaces(r: Resource, namespaces: readonly string[]): string[] {
  const scope = exportedTo(r);
  if (scope.everywhere) return [...namespaces];
  let known = namespaceSets.get(namespaces);
  if (!known) namespaceSets.set(namespaces, (known = new Set(namespaces)));
  return [...scope.namespaces].filter((ns) => known.has(ns)).sort();
}
const namespaceSets = new WeakMap<readonly string[], ReadonlySet<string>>();

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
// Ports and TLS settings

/** A ServiceEntry port's protocol: the `protocol` field, else what its name says; undefined means sniffed. */
export function servicePortProtocol(port: unknown): string | undefined {
  const explicit = get(port, ['protocol']);
  if (typeof explicit === 'string' && explicit) return explicit.toUpperCase();
  const name = get(port, ['name']);
  return protocolFromPortName(typeof name === 'string' ? name : undefined);
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
  /** Every ServiceEntry that defines `host`, whatever its visibility. */
  serviceEntriesForHost(host: string): Resource[];
  /**
   * ServiceEntries visible from `namespace` that list `host` itself: what a route destination needs,
   * since Istio builds a cluster per service host as written (a `*.example.com` entry gives no cluster
   * for `api.example.com`; route.go GetDestinationCluster, ServiceForHostname).
   */
  serviceEntriesForDestination(host: string, namespace: string): Resource[];
  /** Every VirtualService with a host matching `host`, whatever it is bound to and wherever it is visible. */
  virtualServicesForHost(host: string): Resource[];
  /** Namespace that owns a service host: the ServiceEntry's, or the cluster service's. */
  serviceNamespace(host: string, clientNamespace: string): string | undefined;
  /** VirtualServices visible from `namespace`, with a host matching `host`, bound to `gateway`. */
  virtualServicesFor(host: string, namespace: string, gateway?: string): Resource[];
  /**
   * VirtualServices bound to a Gateway: listing it and exported to the namespace of the gateway pods
   * (Istio looks them up for the proxy's namespace, PushContext.VirtualServicesForGateway): the given
   * `proxyNamespace`, else the namespaces of the pods it selects, else the Gateway's own namespace.
   */
  virtualServicesForGateway(gateway: Resource, proxyNamespace?: string): Resource[];
  /**
   * The DestinationRule a client uses for `host`, as the rules Istio merges into it: looked up in the
   * client's namespace, then the service's, then the root namespace (see destinationRuleLookup).
   * `workloadLabels` are the client's pod labels, for rules with a workloadSelector; without them
   * only rules without one count (what any workload of the namespace gets).
   */
  destinationRulesFor(host: string, clientNamespace: string, workloadLabels?: Readonly<Record<string, string>>): DestinationRuleLookup | undefined;
  /** The namespaces a client's DestinationRule lookup for `host` looks in, in order. */
  destinationRuleLookupPath(host: string, clientNamespace: string): string[];
  /** Every DestinationRule whose host matches `host`, wherever it is. */
  destinationRulesForHost(host: string): Resource[];
  /** Gateway resources whose selector picks these pods. */
  gatewaysSelecting(podLabels: Readonly<Record<string, string>>): Resource[];
  /** AuthorizationPolicies that apply to a workload. */
  authorizationPoliciesFor(workload: Workload): Resource[];
  /** Namespaces the config set names (where resources live, exportTo, sourceNamespace, policy sources), sorted. */
  knownNamespaces(): readonly string[];
  /** Whether a host is a service for clients in `namespace`: an in-cluster host, or a visible ServiceEntry host. */
  hostRegistered(host: string, namespace: string): boolean;
  /** The egress gateways the config set knows of: declared, named by policies, or selected by Gateways. */
  gatewayWorkloads(): readonly GatewayWorkload[];
  /** The egress gateways whose pods a Gateway resource configures. */
  gatewayWorkloadsOf(gateway: Resource): readonly GatewayWorkload[];
  /**
   * The egress gateway whose Service is `host` (istio-<name>.<namespace>.svc.cluster.local): one the
   * config set knows, else, for a host named like one, the gateway we must assume (not declared, pods
   * labelled with the gateway label only).
   */
  gatewayWorkloadForHost(host: string): GatewayService | undefined;
  /** Every route destination with the proxies that use it (sidecars per namespace, gateway pods). */
  routeUses(): readonly RouteUse[];
  /** Sidecars sending traffic to an egress gateway's Service, per namespace and port, with the TLS they use. */
  gatewayClients(): readonly GatewayClient[];
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
  // Lookups by host, so rules stay linear in the size of the config set.
  const serviceEntriesByHost = hostLookup(of(KIND.serviceEntry), hostsOf);
  const virtualServicesByHost = hostLookup(of(KIND.virtualService), hostsOf);
  const destinationRulesByHost = hostLookup(of(KIND.destinationRule), (dr) => [destinationRuleHost(dr)]);
  let lookUpDestinationRules: DestinationRuleLookupFn | undefined;
  const lookups = new Map<string, DestinationRuleLookup | undefined>();
  const registered = new Map<string, boolean>();
  // Derived views, computed once on first use.
  let namespaces: string[] | undefined;
  let workloads: GatewayWorkload[] | undefined;
  let workloadsByGateway: Map<Resource, GatewayWorkload[]> | undefined;
  let uses: RouteUse[] | undefined;
  let clients: GatewayClient[] | undefined;
  const servicesByHost = new Map<string, GatewayService | undefined>();

  const index: IstioIndex = {
    all,
    rootNamespace,
    ofKind: of,
    serviceEntriesFor: (host, namespace) => serviceEntriesByHost(host).filter((se) => isVisibleTo(se, namespace)),
    serviceEntriesForHost: (host) => serviceEntriesByHost(host),
    serviceEntriesForDestination: (host, namespace) => index.serviceEntriesFor(host, namespace).filter((se) => hostsOf(se).includes(host)),
    virtualServicesForHost: (host) => virtualServicesByHost(host),
    serviceNamespace(host, clientNamespace) {
      return clusterServiceNamespace(host) ?? index.serviceEntriesFor(host, clientNamespace)[0]?.namespace;
    },
    virtualServicesFor: (host, namespace, gateway = MESH) =>
      virtualServicesByHost(host).filter((vs) => isVisibleTo(vs, namespace) && vsGateways(vs).includes(gateway)),
    virtualServicesForGateway(gateway, proxyNamespace) {
      const ref = gatewayRef(gateway);
      const podNamespaces = proxyNamespace !== undefined ? [proxyNamespace] : index.gatewayWorkloadsOf(gateway).map((w) => w.namespace);
      const proxyNamespaces = podNamespaces.length > 0 ? podNamespaces : [gateway.namespace];
      return of(KIND.virtualService).filter((vs) => vsGateways(vs).includes(ref) && proxyNamespaces.some((ns) => isVisibleTo(vs, ns)));
    },
    destinationRulesForHost: (host) => destinationRulesByHost(host),
    destinationRulesFor(host, clientNamespace, workloadLabels) {
      const key = `${host}|${clientNamespace}|${workloadLabels ? labelsKey(workloadLabels) : ''}`;
      if (!lookups.has(key)) {
        lookUpDestinationRules ??= destinationRuleLookup(of(KIND.destinationRule), rootNamespace);
        lookups.set(key, lookUpDestinationRules(host, clientNamespace, index.serviceNamespace(host, clientNamespace), workloadLabels));
      }
      return lookups.get(key);
    },
    destinationRuleLookupPath(host, clientNamespace) {
      const service = index.serviceNamespace(host, clientNamespace);
      return [...new Set([clientNamespace, ...(service ? [service] : []), rootNamespace])];
    },
    gatewaysSelecting: (podLabels) => of(KIND.gateway).filter((g) => gatewaySelects(g, podLabels)),
    authorizationPoliciesFor: (workload) => of(KIND.authorizationPolicy).filter((p) => policyAppliesTo(p, workload, rootNamespace)),
    knownNamespaces: () => (namespaces ??= collectNamespaces(cs, all)),
    hostRegistered(host, namespace) {
      const key = `${host}|${namespace}`;
      let known = registered.get(key);
      if (known === undefined) registered.set(key, (known = isInClusterHost(host) || index.serviceEntriesFor(host, namespace).length > 0));
      return known;
    },
    gatewayWorkloads: () => (workloads ??= collectGatewayWorkloads(cs, of(KIND.gateway))),
    gatewayWorkloadsOf(gateway) {
      if (!workloadsByGateway) {
        workloadsByGateway = new Map();
        for (const w of index.gatewayWorkloads()) for (const g of w.gateways) workloadsByGateway.set(g, [...(workloadsByGateway.get(g) ?? []), w]);
      }
      return workloadsByGateway.get(gateway) ?? [];
    },
    gatewayWorkloadForHost(host) {
      if (!servicesByHost.has(host)) {
        const known = index.gatewayWorkloads().find((w): w is GatewayService => w.serviceHost === host);
        servicesByHost.set(host, known ?? assumedGatewayWorkload(host, cs.defaults.gatewayLabel, of(KIND.gateway)));
      }
      return servicesByHost.get(host);
    },
    routeUses: () => (uses ??= collectRouteUses(index)),
    gatewayClients: () => (clients ??= collectGatewayClients(index)),
  };

  // The index never changes: remember the lookups a simulation repeats for every cell of an access matrix.
  index.virtualServicesForGateway = remember(index.virtualServicesForGateway, (g, ns) => `${gatewayRef(g)}|${ns ?? ''}`);
  index.gatewaysSelecting = remember(index.gatewaysSelecting, labelsKey);

  return index;
}

/** `fn` with its results remembered by `key` (arrays are copied, so callers may change them). */
function remember<A extends unknown[], R>(fn: (...args: A) => R, key: (...args: A) => string): (...args: A) => R {
  const cache = new Map<string, R>();
  return (...args) => {
    const k = key(...args);
    if (!cache.has(k)) cache.set(k, fn(...args));
    const v = cache.get(k)!;
    return (Array.isArray(v) ? [...v] : v) as R;
  };
}

/** A function from a host to the resources whose hosts match it, in their original order. */
function hostLookup(resources: readonly Resource[], hostsOfResource: (r: Resource) => string[]): (host: string) => Resource[] {
  const position = new Map(resources.map((r, i) => [r, i]));
  const exact = new Map<string, Resource[]>();
  const wildcard: Resource[] = [];
  for (const r of resources) {
    const hosts = new Set(hostsOfResource(r));
    for (const h of hosts) if (!isWild(h)) exact.set(h, [...(exact.get(h) ?? []), r]);
    if ([...hosts].some(isWild)) wildcard.push(r);
  }
  const matches = (r: Resource, host: string): boolean => hostsOfResource(r).some((h) => hostMatches(h, host));
  const cache = new Map<string, Resource[]>();
  return (host) => {
    let found = cache.get(host);
    if (!found) {
      found = isWild(host)
        ? resources.filter((r) => matches(r, host))
        : [...new Set([...(exact.get(host) ?? []), ...wildcard.filter((r) => matches(r, host))])].sort((a, b) => position.get(a)! - position.get(b)!);
      cache.set(host, found);
    }
    return found;
  };
}

function labelsKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort());
}

// ---------------------------------------------------------------------------------------------------
// DestinationRules: how Istio merges them and which one a client uses

export function destinationRuleHost(dr: Resource): string {
  return String(get(dr.body, ['spec', 'host']) ?? '');
}

export interface DestinationRuleLookup {
  /**
   * The rules Istio merges into the one the client uses, oldest first: the first top-level
   * trafficPolicy wins, a subset comes from the first rule that defines it (mergeDestinationRule).
   */
  rules: readonly Resource[];
  /** Where the lookup stopped: the client's namespace, the service's, or the root namespace. */
  step: 'client' | 'service' | 'root';
}

type DestinationRuleLookupFn = (
  host: string,
  clientNamespace: string,
  serviceNamespace: string | undefined,
  workloadLabels?: Readonly<Record<string, string>>,
) => DestinationRuleLookup | undefined;

/** Rules Istio merged into one (ConsolidatedDestRule): the first one's exportTo and selector stand for all. */
interface MergedRules {
  rules: Resource[];
  exportTo: ReadonlySet<string>;
  selector?: Readonly<Record<string, string>>;
}

/** Merged rules by host, exact hosts and wildcards apart (consolidatedDestRules). */
interface RulePool {
  specific: Map<string, MergedRules[]>;
  wildcard: Map<string, MergedRules[]>;
}

/**
 * Istio's DestinationRule index and lookup (pilot/pkg/model/push_context.go setDestinationRules and
 * destinationRule; destination_rule.go mergeDestinationRule; sidecar.go SidecarScope.DestinationRule),
 * with the default exportTo `*`. Rules are taken selector-first, then in our stable order (standing in
 * for creation time). Per namespace Istio keeps the rules its own clients may use (exportTo empty, `*`,
 * `.` or naming it) and the rules it exports elsewhere; rules for one host merge when their exportTo
 * is the same (or covers an earlier one's) and their workload selectors agree.
 *
 * A lookup takes the most specific host among the client namespace's own rules (for a client in the
 * root namespace: its private rules), else among the service namespace's exported rules, else the root
 * namespace's, keeping only rules exported to the client; the first step with a match decides, even
 * when nothing it found applies. Of what it found, a rule of the client's namespace whose
 * workloadSelector picks the client wins, else the last rule without a selector.
 */
function destinationRuleLookup(destinationRules: readonly Resource[], rootNamespace: string): DestinationRuleLookupFn {
  const selectorOf = (dr: Resource): Record<string, string> | undefined => {
    const labels = get(dr.body, ['spec', 'workloadSelector', 'matchLabels']);
    return isObject(labels) ? (labels as Record<string, string>) : undefined;
  };
  const sameLabels = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean =>
    labelsKey(a) === labelsKey(b);
  const newPool = (): RulePool => ({ specific: new Map(), wildcard: new Map() });
  const merge = (pool: RulePool, dr: Resource, exportTo: ReadonlySet<string>): void => {
    const host = destinationRuleHost(dr);
    const byHost = isWild(host) ? pool.wildcard : pool.specific;
    const selector = selectorOf(dr);
    const entry: MergedRules = { rules: [dr], exportTo, ...(selector ? { selector } : {}) };
    const list = byHost.get(host);
    if (!list) {
      byHost.set(host, [entry]);
      return;
    }
    let separate = true;
    for (const merged of list) {
      if (sameSet(exportTo, merged.exportTo)) separate = false;
      else if (merged.exportTo.size > 0 && [...merged.exportTo].every((e) => exportTo.has(e))) separate = true;
      else {
        separate = true;
        continue;
      }
      if (selector && merged.selector && !sameLabels(selector, merged.selector)) {
        separate = true;
        continue;
      }
      if (!selector === !merged.selector) separate = false;
      merged.rules.push(dr);
    }
    if (separate) list.push(entry);
  };

  const ownRules = new Map<string, RulePool>();
  const exportedRules = new Map<string, RulePool>();
  const rootPrivateRules = newPool();
  const poolIn = (pools: Map<string, RulePool>, ns: string): RulePool => {
    let pool = pools.get(ns);
    if (!pool) pools.set(ns, (pool = newPool()));
    return pool;
  };
  const ordered = [...destinationRules].sort((a, b) => Number(!selectorOf(a)) - Number(!selectorOf(b)));
  for (const dr of ordered) {
    // A rule with a workloadSelector is never exported (exportTo `.`).
    const exportTo: ReadonlySet<string> = selectorOf(dr) ? new Set(['.']) : new Set(stringList(get(dr.body, ['spec', 'exportTo'])));
    if (exportTo.size === 0 || exportTo.has('*') || exportTo.has('.') || exportTo.has(dr.namespace)) merge(poolIn(ownRules, dr.namespace), dr, exportTo);
    const privateOnly = exportTo.size === 1 && (exportTo.has('.') || exportTo.has(dr.namespace));
    if (!privateOnly) merge(poolIn(exportedRules, dr.namespace), dr, exportTo);
    else if (dr.namespace === rootNamespace) merge(rootPrivateRules, dr, exportTo);
  }

  return (host, clientNamespace, serviceNamespace, workloadLabels) => {
    const use = (found: readonly MergedRules[], step: DestinationRuleLookup['step']): DestinationRuleLookup | undefined => {
      let catchAll: MergedRules | undefined;
      for (const merged of found) {
        if (!merged.selector) catchAll = merged;
        else if (workloadLabels && merged.rules[0]!.namespace === clientNamespace && matchesSelector(merged.selector, workloadLabels))
          return { rules: merged.rules, step };
      }
      return catchAll ? { rules: catchAll.rules, step } : undefined;
    };
    const exportedFrom = (ns: string): MergedRules[] =>
      (mostSpecificHostMatch(host, exportedRules.get(ns)) ?? []).filter(
        (m) => m.exportTo.size === 0 || m.exportTo.has('*') || m.exportTo.has(clientNamespace),
      );
    const own = mostSpecificHostMatch(host, clientNamespace === rootNamespace ? rootPrivateRules : ownRules.get(clientNamespace));
    if (own) return use(own, clientNamespace === rootNamespace ? 'root' : 'client');
    const service = serviceNamespace !== undefined ? exportedFrom(serviceNamespace) : [];
    if (service.length > 0) return use(service, 'service');
    const root = exportedFrom(rootNamespace);
    return root.length > 0 ? use(root, 'root') : undefined;
  };
}

/** Istio's MostSpecificHostMatch: the pool's entry for the exact host, else for the longest wildcard covering it. */
function mostSpecificHostMatch(host: string, pool: RulePool | undefined): MergedRules[] | undefined {
  if (!pool) return undefined;
  const exact = (isWild(host) ? pool.wildcard : pool.specific).get(host);
  if (exact) return exact;
  const needle = isWild(host) ? host.slice(1) : host;
  let best: string | undefined;
  for (const h of pool.wildcard.keys()) {
    if (needle.endsWith(h.slice(1)) && (best === undefined || h.length > best.length)) best = h;
  }
  return best === undefined ? undefined : pool.wildcard.get(best);
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

// ---------------------------------------------------------------------------------------------------
// Namespaces

/**
 * Stands for every namespace the config set does not name. It is not a valid namespace name, so it
 * never collides: exportTo `*` (or none) reaches it, a list of names does not.
 */
export const OTHER_NAMESPACES = '<other namespaces>';

function collectNamespaces(cs: ConfigSet, istio: readonly Resource[]): string[] {
  const out = new Set<string>();
  for (const r of cs.resources) if (!cs.invalid.has(r)) out.add(r.namespace);
  for (const r of istio) {
    out.add(r.namespace);
    for (const e of stringList(get(r.body, ['spec', 'exportTo']))) if (e !== '*' && e !== '.' && e !== '~') out.add(e);
    if (r.kind === KIND.virtualService) {
      for (const route of routesOf(r)) for (const m of route.matches) if (typeof m.match?.sourceNamespace === 'string') out.add(m.match.sourceNamespace);
    }
  }
  for (const p of cs.policies) for (const d of p.destinations) for (const f of d.from) out.add(f.namespace);
  return [...out].sort();
}

/** The namespaces a client may be in: every namespace the config set names, and OTHER_NAMESPACES. */
export function everyNamespace(index: IstioIndex): string[] {
  return [...index.knownNamespaces(), OTHER_NAMESPACES];
}

/**
 * `mytest, default`, or `namespaces other than default` when the list includes OTHER_NAMESPACES
 * (`all` names every namespace that was considered, to say which ones are fine).
 */
export function describeNamespaces(namespaces: readonly string[], all: readonly string[]): string {
  const named = namespaces.filter((n) => n !== OTHER_NAMESPACES);
  if (!namespaces.includes(OTHER_NAMESPACES)) return named.join(', ');
  const fine = all.filter((n) => n !== OTHER_NAMESPACES && !namespaces.includes(n));
  return fine.length === 0 ? 'every namespace' : `namespaces other than ${fine.join(', ')}`;
}

/** Hosts of Kubernetes Services: short names and `*.svc.cluster.local`. */
export function isInClusterHost(host: string): boolean {
  return !host.includes('.') || host.endsWith('.svc.cluster.local');
}

// ---------------------------------------------------------------------------------------------------
// VirtualService routes

export type RouteKind = 'http' | 'tls' | 'tcp';
export const ROUTE_KINDS: readonly RouteKind[] = ['http', 'tls', 'tcp'];

export interface RouteMatchRef {
  /** Undefined for a route without matches (it matches everything). */
  match?: JsonObject;
  index?: number;
  path: FieldPath;
}

export interface RouteDestinationRef {
  host: string;
  subset?: string;
  port?: number;
  /** Path of the `destination` object. */
  path: FieldPath;
}

export interface VsRoute {
  kind: RouteKind;
  index: number;
  path: FieldPath;
  /** The route as written. */
  route: JsonObject;
  matches: RouteMatchRef[];
  destinations: RouteDestinationRef[];
}

const routeCache = new WeakMap<Resource, VsRoute[]>();

/** The http, tls and tcp routes of a VirtualService with their matches and destinations (read once). */
export function routesOf(vs: Resource): readonly VsRoute[] {
  const cached = routeCache.get(vs);
  if (cached) return cached;
  const out: VsRoute[] = [];
  routeCache.set(vs, out);
  for (const kind of ROUTE_KINDS) {
    const routes = get(vs.body, ['spec', kind]);
    if (!Array.isArray(routes)) continue;
    routes.forEach((route, index) => {
      if (!isObject(route)) return;
      const path: FieldPath = ['spec', kind, index];
      const matchList = Array.isArray(route.match) ? route.match : [];
      const matches: RouteMatchRef[] = matchList.flatMap((m, i) => (isObject(m) ? [{ match: m, index: i, path: [...path, 'match', i] }] : []));
      if (matches.length === 0) matches.push({ path });
      const destinations: RouteDestinationRef[] = [];
      if (Array.isArray(route.route)) {
        route.route.forEach((r, i) => {
          const dest = get(r, ['destination']);
          if (!isObject(dest) || typeof dest.host !== 'string') return;
          const port = get(dest, ['port', 'number']);
          destinations.push({
            host: dest.host,
            ...(typeof dest.subset === 'string' && dest.subset ? { subset: dest.subset } : {}),
            ...(typeof port === 'number' ? { port } : {}),
            path: [...path, 'route', i, 'destination'],
          });
        });
      }
      out.push({ kind, index, path, route, matches, destinations });
    });
  }
  return out;
}

/**
 * For a VirtualService host no service registers, Istio still builds sidecar routes, but only HTTP
 * ones on port 80 ("a gross HACK" in route.go buildSidecarVirtualHostsForVirtualService); its other
 * routes never reach a sidecar.
 */
export function reachesUnregisteredHost(kind: RouteKind, match: JsonObject | undefined): boolean {
  const port = get(match, ['port']);
  return kind === 'http' && (port === undefined || port === 80);
}

export interface MatchScope {
  /** Whether the match applies on the proxies of that gateway (`mesh`: the sidecars). */
  applies: boolean;
  /** The namespace it is limited to, when Istio honours `sourceNamespace` there. */
  sourceNamespace?: string;
  /** The labels it is limited to, when Istio honours `sourceLabels` there. */
  sourceLabels?: Readonly<Record<string, string>>;
  /**
   * `sourceLabels`/`sourceNamespace` are written but ignored: Istio skips them in an HTTP match that
   * names gateways (pilot/pkg/networking/core/route/route.go, sourceMatchHTTP), and in any TLS or TCP
   * match on a gateway (gateway.go l4SingleMatch checks only port and gateways).
   */
  sourceIgnored: boolean;
}

/**
 * Where a route match applies, the way Istio builds routes: the VirtualService must be bound to the
 * gateway (`mesh` for sidecars), a match's own `gateways` narrow that. Source labels and namespace
 * limit HTTP matches that name no gateways (on sidecars and gateways alike, sourceMatchHTTP) and
 * TLS/TCP matches on sidecars (tls.go matchTLS/matchTCP); elsewhere Istio ignores them.
 */
export function matchScope(vs: Resource, kind: RouteKind, match: JsonObject | undefined, gateway: string): MatchScope {
  const bound = vsGateways(vs).includes(gateway);
  const own = stringList(get(match, ['gateways'])).map((g) => normalizeGatewayRef(g, vs.namespace));
  const labels = get(match, ['sourceLabels']);
  const sourceLabels = isObject(labels) && Object.keys(labels).length > 0 ? (labels as Record<string, string>) : undefined;
  const ns = get(match, ['sourceNamespace']);
  const sourceNamespace = typeof ns === 'string' && ns ? ns : undefined;
  const applies = bound && (own.length === 0 || own.includes(gateway));
  const honoured = kind === 'http' ? own.length === 0 : gateway === MESH;
  if (!honoured) return { applies, sourceIgnored: sourceLabels !== undefined || sourceNamespace !== undefined };
  return { applies, ...(sourceNamespace ? { sourceNamespace } : {}), ...(sourceLabels ? { sourceLabels } : {}), sourceIgnored: false };
}

/** The proxy a route is built for: a sidecar (`gateway: 'mesh'`) or a gateway (`namespace/name` of the Gateway). */
export interface ProxyView extends Workload {
  gateway: string;
}

/**
 * Whether Istio builds a route match into this proxy's configuration for a listener (sidecar) or
 * server (gateway) port: where matchScope says it applies, on the match's port (none or 0: any), and
 * for the source this proxy is, where Istio checks it (route.go TranslateRoute, tls.go, gateway.go).
 */
export function matchAppliesTo(vs: Resource, kind: RouteKind, match: JsonObject | undefined, proxy: ProxyView, port: number): boolean {
  const scope = matchScope(vs, kind, match, proxy.gateway);
  const matchPort = get(match, ['port']);
  return (
    scope.applies &&
    (typeof matchPort !== 'number' || matchPort === 0 || matchPort === port) &&
    (scope.sourceNamespace === undefined || scope.sourceNamespace === proxy.namespace) &&
    matchesSelector(scope.sourceLabels, proxy.labels)
  );
}

/** Envoy's server_names match: an exact name (any case), or a `*.suffix` wildcard; `*` matches any SNI. */
export function sniMatches(pattern: string, sni: string | undefined): boolean {
  if (pattern === '*') return true;
  if (sni === undefined) return false;
  return pattern.startsWith('*.') ? sni.toLowerCase().endsWith(pattern.slice(1).toLowerCase()) : pattern.toLowerCase() === sni.toLowerCase();
}

export interface RouteUse {
  vs: Resource;
  route: VsRoute;
  destination: RouteDestinationRef;
  /** `mesh`, or the `namespace/name` of the Gateway the route applies on. */
  on: string;
  /**
   * Namespaces of the proxies that send traffic along it: the sidecars' namespaces (OTHER_NAMESPACES
   * for namespaces the config set does not name), or the namespace of the gateway's pods.
   */
  clientNamespaces: string[];
}

function collectRouteUses(index: IstioIndex): RouteUse[] {
  const namespaces = everyNamespace(index);
  const gatewaysByRef = new Map(index.ofKind(KIND.gateway).map((g) => [gatewayRef(g), g]));
  const out: RouteUse[] = [];
  for (const vs of index.ofKind(KIND.virtualService)) {
    const hosts = stringList(get(vs.body, ['spec', 'hosts']));
    // A sidecar uses the VirtualService when it sees it and one of its hosts is a service there.
    const seeing = visibleNamespaces(vs, namespaces);
    const registered = seeing.filter((ns) => hosts.some((h) => index.hostRegistered(h, ns)));
    for (const route of routesOf(vs)) {
      for (const on of vsGateways(vs)) {
        const clients = new Set<string>();
        for (const { match } of route.matches) {
          const scope = matchScope(vs, route.kind, match, on);
          if (!scope.applies) continue;
          if (on === MESH) {
            for (const ns of reachesUnregisteredHost(route.kind, match) ? seeing : registered) {
              if (scope.sourceNamespace === undefined || scope.sourceNamespace === ns) clients.add(ns);
            }
          } else {
            // The gateway uses the VirtualService when a server of it accepts one of its hosts.
            const gateway = gatewaysByRef.get(on);
            if (!gateway || !gatewayServers(gateway).some((s) => serverVirtualServiceHosts(s, vs).length > 0)) continue;
            for (const w of index.gatewayWorkloadsOf(gateway)) {
              if (!isVisibleTo(vs, w.namespace) || (scope.sourceNamespace !== undefined && scope.sourceNamespace !== w.namespace)) continue;
              if (scope.sourceLabels === undefined || selectorFit(scope.sourceLabels, w.labels) !== 'conflicts') clients.add(w.namespace);
            }
          }
        }
        if (clients.size === 0) continue;
        for (const destination of route.destinations) out.push({ vs, route, destination, on, clientNamespaces: [...clients].sort() });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Client TLS (DestinationRules and auto mTLS)

export interface ClientTls {
  /** DISABLE, SIMPLE, MUTUAL or ISTIO_MUTUAL. */
  mode: string;
  sni?: string;
  /** The Secret with the client certificate, for MUTUAL/SIMPLE origination. */
  credentialName?: string;
  /** Where it was set: the DestinationRule and the path of its `tls` object. */
  resource: Resource;
  path: FieldPath;
}

export interface SubsetRef {
  resource: Resource;
  index: number;
  subset: JsonObject;
}

const subsetCache = new WeakMap<readonly Resource[], Map<string, SubsetRef>>();

/** The subsets the merged DestinationRules define (the first definition of a name wins, as in Istio). */
export function subsetsOf(rules: readonly Resource[]): Map<string, SubsetRef> {
  const cached = subsetCache.get(rules);
  if (cached) return cached;
  const out = new Map<string, SubsetRef>();
  subsetCache.set(rules, out);
  for (const resource of rules) {
    const subsets = get(resource.body, ['spec', 'subsets']);
    if (!Array.isArray(subsets)) continue;
    subsets.forEach((subset, index) => {
      if (isObject(subset) && typeof subset.name === 'string' && !out.has(subset.name)) out.set(subset.name, { resource, index, subset });
    });
  }
  return out;
}

/**
 * The TLS settings a client uses toward a host port (and subset), merged the way Istio does
 * (pilot/pkg/networking/util MergeSubsetTrafficPolicy): a port-level setting replaces the level above it
 * wholesale, a subset's policy overrides the rule's. Undefined when nothing sets TLS: auto mTLS decides.
 */
export function clientTlsFor(rules: readonly Resource[], port: number | undefined, subset?: string): ClientTls | undefined {
  interface Level {
    tls?: unknown;
    path: FieldPath;
    resource: Resource;
    portLevel: boolean;
  }
  const select = (resource: Resource, policyPath: FieldPath): Level | undefined => {
    const policy = get(resource.body, policyPath);
    if (!isObject(policy)) return undefined;
    const settings = Array.isArray(policy.portLevelSettings) ? policy.portLevelSettings : [];
    const i = port === undefined ? -1 : settings.findIndex((s) => get(s, ['port', 'number']) === port);
    if (i >= 0) return { tls: get(settings[i], ['tls']), path: [...policyPath, 'portLevelSettings', i, 'tls'], resource, portLevel: true };
    return { tls: policy.tls, path: [...policyPath, 'tls'], resource, portLevel: false };
  };
  const top = topLevelPolicyRule(rules);
  const base = top ? select(top, ['spec', 'trafficPolicy']) : undefined;
  const defined = subset === undefined ? undefined : subsetsOf(rules).get(subset);
  const own = defined ? select(defined.resource, ['spec', 'subsets', defined.index, 'trafficPolicy']) : undefined;
  const chosen = own && (own.tls !== undefined || own.portLevel || !base) ? own : base;
  if (!chosen || !isObject(chosen.tls)) return undefined;
  const { mode, sni, credentialName } = chosen.tls;
  return {
    // The mode's zero value is DISABLE: a tls block without one turns TLS (and auto mTLS) off.
    mode: typeof mode === 'string' ? mode : 'DISABLE',
    ...(typeof sni === 'string' && sni ? { sni } : {}),
    ...(typeof credentialName === 'string' && credentialName ? { credentialName } : {}),
    resource: chosen.resource,
    path: chosen.path,
  };
}

/** The first of the merged rules with a top-level trafficPolicy: Istio keeps that one's (the oldest). */
const topLevelPolicies = new WeakMap<readonly Resource[], Resource | null>();
function topLevelPolicyRule(rules: readonly Resource[]): Resource | undefined {
  let top = topLevelPolicies.get(rules);
  if (top === undefined) topLevelPolicies.set(rules, (top = rules.find((r) => isObject(get(r.body, ['spec', 'trafficPolicy']))) ?? null));
  return top ?? undefined;
}

/** The SNI Istio sends with ISTIO_MUTUAL when no `sni` is set (model.BuildDNSSrvSubsetKey). */
export function istioMtlsSni(host: string, port: number, subset?: string): string {
  return `outbound_.${port}_.${subset ?? ''}_.${host}`;
}

/**
 * What a client proxy sends toward a host port (and subset): the TLS its DestinationRule sets, else
 * auto mTLS (pilot/pkg/networking/core/cluster_tls.go buildUpstreamTLSSettings).
 */
export interface OutboundTls {
  /** The DestinationRules the client merges for the host, if it finds any. */
  lookup?: DestinationRuleLookup;
  /** False when a subset is asked for and those rules do not define it: the route fails before any TLS. */
  subsetResolved: boolean;
  /** The TLS a DestinationRule sets, when one does. */
  setting?: ClientTls;
  /**
   * DISABLE, SIMPLE, MUTUAL or ISTIO_MUTUAL; `unknown` when no rule sets TLS and nobody knows whether
   * the server pods carry the tlsMode label that turns auto mTLS on.
   */
  mode: string;
  /** ISTIO_MUTUAL: the `sni` set, else the one Istio derives (istioMtlsSni); SIMPLE/MUTUAL: the `sni` set. */
  sni?: string;
  /** No rule set TLS, so auto mTLS (or its absence) decided. */
  auto: boolean;
  /** The PeerAuthentication whose mode DISABLE turns auto mTLS off for the server's namespace. */
  mtlsDisabledBy?: Resource;
}

export interface OutboundTlsQuery {
  host: string;
  port: number;
  subset?: string;
  clientNamespace: string;
  /** The client's pod labels, when known (for DestinationRules with a workloadSelector). */
  clientLabels?: Readonly<Record<string, string>>;
  /**
   * Whether the server's pods carry `security.istio.io/tlsMode: istio` (auto mTLS then applies unless
   * PeerAuthentication disables it); undefined when unknown; false for hosts outside the mesh.
   */
  serverLabelled: boolean | undefined;
  /** The namespace of the server's pods, whose PeerAuthentication mode counts. */
  serverNamespace?: string;
}

export function outboundTls(index: IstioIndex, q: OutboundTlsQuery): OutboundTls {
  const lookup = index.destinationRulesFor(q.host, q.clientNamespace, q.clientLabels);
  const subsetResolved = q.subset === undefined || (lookup !== undefined && subsetsOf(lookup.rules).has(q.subset));
  const setting = lookup ? clientTlsFor(lookup.rules, q.port, q.subset) : undefined;
  const derivedSni = istioMtlsSni(q.host, q.port, q.subset);
  const base = { ...(lookup ? { lookup } : {}), subsetResolved };
  if (setting) {
    const sni = setting.sni ?? (setting.mode === 'ISTIO_MUTUAL' ? derivedSni : undefined);
    return { ...base, setting, mode: setting.mode, ...(sni ? { sni } : {}), auto: false };
  }
  const mtls = q.serverLabelled !== false && q.serverNamespace !== undefined ? peerAuthenticationMode(index, q.serverNamespace) : undefined;
  if (mtls?.mode === 'DISABLE') return { ...base, mode: 'DISABLE', auto: true, mtlsDisabledBy: mtls.resource };
  if (q.serverLabelled === undefined) return { ...base, mode: 'unknown', sni: derivedSni, auto: true };
  return q.serverLabelled ? { ...base, mode: 'ISTIO_MUTUAL', sni: derivedSni, auto: true } : { ...base, mode: 'DISABLE', auto: true };
}

/**
 * The mTLS mode PeerAuthentication sets for a namespace: a namespace-wide one (no selector), else the
 * mesh-wide one in the root namespace; what Istio reads to decide auto mTLS for a service
 * (PushContext.BestEffortInferServiceMTLSMode, GetNamespaceMutualTLSMode). UNSET inherits.
 */
export function peerAuthenticationMode(index: IstioIndex, namespace: string): { mode: string; resource: Resource } | undefined {
  const wide = (ns: string): { mode: string; resource: Resource } | undefined => {
    for (const pa of index.ofKind(KIND.peerAuthentication)) {
      if (pa.namespace !== ns || workloadSelectorOf(pa) !== undefined) continue;
      const mode = get(pa.body, ['spec', 'mtls', 'mode']);
      if (typeof mode === 'string' && mode !== 'UNSET') return { mode, resource: pa };
    }
    return undefined;
  };
  return wide(namespace) ?? wide(index.rootNamespace);
}

export interface GatewayClient {
  use: RouteUse;
  namespace: string;
  workload: GatewayWorkload;
  /** The gateway Service port the route sends to. */
  port: number;
  subset?: string;
  /** What the client sends (`unknown` when the config set does not say whether auto mTLS applies). */
  tls: OutboundTls;
}

function collectGatewayClients(index: IstioIndex): GatewayClient[] {
  const out: GatewayClient[] = [];
  for (const use of index.routeUses()) {
    if (use.on !== MESH) continue;
    const workload = index.gatewayWorkloadForHost(use.destination.host);
    if (!workload) continue;
    const port = use.destination.port ?? onlyServicePort(workload);
    if (port === undefined) continue;
    const { subset, host } = use.destination;
    for (const namespace of use.clientNamespaces) {
      const tls = outboundTls(index, {
        host,
        port,
        ...(subset ? { subset } : {}),
        clientNamespace: namespace,
        serverLabelled: workload.tlsModeLabelled,
        serverNamespace: workload.namespace,
      });
      out.push({ use, namespace, workload, port, ...(subset ? { subset } : {}), tls });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Gateway servers

export interface GatewayServer {
  gateway: Resource;
  index: number;
  path: FieldPath;
  port: number;
  protocol: string;
  /** Hosts as written (`host`, `ns/host`, `*`). */
  hosts: string[];
  /** The hosts without their namespace part (`ns/host` -> `host`): what SNI is matched against. */
  hostNames: string[];
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
    const tlsMode = tls && !HTTP_PROTOCOLS.has(protocol) ? (typeof tls.mode === 'string' ? tls.mode : 'PASSTHROUGH') : undefined;
    const passthrough = tlsMode !== undefined && PASSTHROUGH.has(tlsMode);
    const routeKind: RouteKind = HTTP_PROTOCOLS.has(protocol) || (protocol === 'HTTPS' && !passthrough) ? 'http' : passthrough ? 'tls' : 'tcp';
    out.push({
      gateway,
      index,
      path: ['spec', 'servers', index],
      port,
      protocol,
      hosts: stringList(s.hosts),
      hostNames: stringList(s.hosts).map(serverHostName),
      ...(tlsMode ? { tlsMode } : {}),
      ...(tls ? { tls } : {}),
      routeKind,
    });
  });
  return out;
}

/**
 * The hosts of a VirtualService that a Gateway server takes (pilot/pkg/networking/core
 * pickMatchingGatewayHosts): a server host, namespace-qualified ones included, admits them. A gateway
 * uses the VirtualService on that server only when there is one.
 */
export function serverVirtualServiceHosts(server: GatewayServer, vs: Resource): string[] {
  return stringList(get(vs.body, ['spec', 'hosts'])).filter((h) =>
    server.hosts.some((sh) => serverHostAdmits(sh, server.gateway.namespace, vs.namespace, h)),
  );
}

/** The server terminates TLS and verifies a client certificate, so authorization sees the client's identity. */
export function serverSeesClientIdentity(s: GatewayServer): boolean {
  return s.tlsMode === 'ISTIO_MUTUAL' || s.tlsMode === 'MUTUAL' || s.tlsMode === 'OPTIONAL_MUTUAL';
}

/** The server expects the mesh's own mTLS: ISTIO_MUTUAL, or MUTUAL with Istio's file-mounted certificates. */
export function serverExpectsMeshMtls(s: GatewayServer): boolean {
  if (s.tlsMode === 'ISTIO_MUTUAL') return true;
  const ca = get(s.tls, ['caCertificates']);
  return (s.tlsMode === 'MUTUAL' || s.tlsMode === 'OPTIONAL_MUTUAL') && typeof ca === 'string' && ca.startsWith(ISTIO_FILE_CERT_DIR);
}

/** The servers of some Gateways on one port of their pods, as Istio merges them (pilot/pkg/model/gateway.go mergeGateways). */
export interface PortServers {
  /** Every server on the port, in the order of their Gateways. */
  servers: readonly GatewayServer[];
  /** A plaintext server that comes first owns the port: Istio skips the TLS servers after it. */
  plaintext?: GatewayServer;
  /** The TLS servers Istio keeps, each its own filter chain (none when a plaintext server owns the port). */
  tls: readonly GatewayServer[];
  /** The TLS server whose filter chain takes a connection with this SNI (see sniSelector). */
  forSni: (sni: string | undefined) => GatewayServer | undefined;
}

export function serversOnPort(gateways: readonly Resource[], port: number): PortServers {
  const servers = gateways.flatMap(gatewayServers).filter((s) => s.port === port);
  const first = servers[0];
  const plaintext = first && first.tlsMode === undefined ? first : undefined;
  const tls = plaintext ? [] : servers.filter((s) => s.tlsMode !== undefined);
  return { servers, ...(plaintext ? { plaintext } : {}), tls, forSni: sniSelector(tls) };
}

/**
 * The TLS server on one port that takes a connection with this SNI, as Envoy picks the filter chain
 * Istio builds per server (listener.go toFilterChainMatch: server_names are the server hosts, none
 * for `*`): an exact name first, then the longest wildcard, then a server for any host. A server
 * repeating a host already taken on the port is dropped, as Istio does when merging gateways
 * (CheckDuplicates).
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
    const names = s.hostNames;
    if (names.some((h) => taken.has(h))) continue;
    names.forEach((h) => taken.add(h));
    if (names.includes('*')) any ??= s;
    else {
      for (const h of names) {
        if (h.startsWith('*.')) wildcards.push([h.slice(1).toLowerCase(), s]);
        else if (!exact.has(h.toLowerCase())) exact.set(h.toLowerCase(), s);
      }
    }
  }
  wildcards.sort((a, b) => b[0].length - a[0].length);
  return (sni) => {
    if (sni === undefined) return any;
    const name = sni.toLowerCase();
    return exact.get(name) ?? wildcards.find(([suffix]) => name.endsWith(suffix))?.[1] ?? any;
  };
}

// ---------------------------------------------------------------------------------------------------
// Egress gateway workloads

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
  /** Gateway resources (hand-written or rendered) whose selector picks its pods. */
  gateways: Resource[];
}

/** An egress gateway whose Service is known. */
export type GatewayService = GatewayWorkload & { name: string; serviceHost: string };

/** For a host named like a gateway Service (istio-<name>.<ns>.svc.cluster.local), the gateway we must assume. */
function assumedGatewayWorkload(host: string, gatewayLabel: string, gateways: readonly Resource[]): GatewayService | undefined {
  const m = /^istio-([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc\.cluster\.local$/.exec(host);
  if (!m) return undefined;
  const labels = { [gatewayLabel]: m[1]! };
  return {
    name: m[1]!,
    namespace: m[3]!,
    serviceHost: host,
    labels,
    gateways: gateways.filter((g) => {
      const selector = get(g.body, ['spec', 'selector']);
      return isObject(selector) && selectorFit(selector as Record<string, string>, labels) === 'matches';
    }),
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

/** How a label selector relates to pods of which only some labels are known. */
export type SelectorFit = 'matches' | 'conflicts' | 'unknown';

/**
 * `conflicts` when a selected label has another value, `matches` when at least one selected label is
 * known to be there and none conflicts (the others are assumed present), `unknown` otherwise.
 */
export function selectorFit(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): SelectorFit {
  let known = false;
  for (const [k, v] of Object.entries(selector)) {
    if (!(k in labels)) continue;
    if (labels[k] !== v) return 'conflicts';
    known = true;
  }
  return known ? 'matches' : 'unknown';
}

/** `k=v, k2=v2` */
export function labelsText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** `egress gateway egressgateway`, or `gateway pods istio=x` when its name is unknown. */
export function describeGatewayWorkload(w: GatewayWorkload): string {
  return w.name !== undefined ? `egress gateway ${w.name}` : `gateway pods ${labelsText(w.labels)}`;
}

function collectGatewayWorkloads(cs: ConfigSet, gateways: readonly Resource[]): GatewayWorkload[] {
  const { gatewayLabel, gatewayNamespace } = cs.defaults;
  const out: GatewayWorkload[] = [];
  const byName = new Map<string, GatewayWorkload>();
  const add = (w: GatewayWorkload): void => {
    out.push(w);
    if (w.name !== undefined) byName.set(w.name, w);
  };
  for (const g of cs.gateways) {
    if (byName.has(g.name)) continue;
    const tlsMode = g.podLabels[TLS_MODE_LABEL];
    add({ name: g.name, namespace: g.namespace, serviceHost: g.serviceHost, labels: gatewayPodLabels(g), tlsModeLabelled: tlsMode === 'istio', declaration: g, gateways: [] });
  }
  for (const p of cs.policies) {
    if (byName.has(p.gateway)) continue;
    const g = cs.gateway(p.gateway);
    add({ name: g.name, namespace: g.namespace, serviceHost: g.serviceHost, labels: { ...g.selector }, gateways: [] });
  }
  // Gateways selecting pods of no gateway seen so far stand for one more: named after their gateway
  // label when they use it, in the gateway namespace (where Istio installs gateways).
  for (const gw of gateways) {
    const selector = get(gw.body, ['spec', 'selector']);
    if (!isObject(selector) || Object.keys(selector).length === 0) continue;
    const labels = selector as Record<string, string>;
    if (out.some((w) => selectorFit(labels, w.labels) === 'matches')) continue;
    const name = typeof labels[gatewayLabel] === 'string' ? labels[gatewayLabel] : undefined;
    add({
      ...(name !== undefined ? { name, serviceHost: gatewayServiceHost(name, gatewayNamespace) } : {}),
      namespace: gatewayNamespace,
      labels: { ...labels },
      gateways: [],
    });
  }
  for (const w of out) {
    for (const gw of gateways) {
      const selector = get(gw.body, ['spec', 'selector']);
      if (isObject(selector) && selectorFit(selector as Record<string, string>, w.labels) === 'matches') w.gateways.push(gw);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Authorization policies

export type AuthzAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

export function authzAction(policy: Resource): AuthzAction {
  const action = get(policy.body, ['spec', 'action']);
  return action === 'DENY' || action === 'AUDIT' || action === 'CUSTOM' ? action : 'ALLOW';
}

export interface AuthzRuleRef {
  policy: Resource;
  index: number;
  path: FieldPath;
  rule: JsonObject;
}

export function authzRules(policy: Resource): AuthzRuleRef[] {
  const rules = get(policy.body, ['spec', 'rules']);
  if (!Array.isArray(rules)) return [];
  return rules.flatMap((rule, index) => (isObject(rule) ? [{ policy, index, path: ['spec', 'rules', index] as FieldPath, rule }] : []));
}

export interface AuthzCondition {
  /** The field as users write it: `hosts`, `methods`, `principals`, `request.headers[x-id]`... */
  field: string;
  path: FieldPath;
  /** Index of the `to` entry it belongs to; undefined for `from` and `when` conditions, which hold for every `to`. */
  toIndex?: number;
}

const HTTP_ONLY_OPERATION = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];
const HTTP_ONLY_SOURCE = ['requestPrincipals', 'notRequestPrincipals'];
const HTTP_ONLY_WHEN = /^request\.(headers\[|auth\.)/;
const IDENTITY_SOURCE = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts'];
const IDENTITY_WHEN = /^source\.(principal|namespace|serviceAccount)$/;

/**
 * Whether Istio can evaluate a condition (a field of a rule's `to.operation` or `from.source`, or a
 * `when` key) only on HTTP: hosts, methods, paths, request principals, `request.*` keys.
 */
export function isHttpOnlyCondition(where: 'operation' | 'source' | 'when', field: string): boolean {
  if (where === 'operation') return HTTP_ONLY_OPERATION.includes(field);
  if (where === 'source') return HTTP_ONLY_SOURCE.includes(field);
  return HTTP_ONLY_WHEN.test(field);
}

function conditions(ref: AuthzRuleRef, operation: string[], source: string[], when: RegExp): AuthzCondition[] {
  const out: AuthzCondition[] = [];
  const present = (v: unknown): boolean => Array.isArray(v) && v.length > 0;
  const to = Array.isArray(ref.rule.to) ? ref.rule.to : [];
  to.forEach((t, i) => {
    for (const field of operation) if (present(get(t, ['operation', field]))) out.push({ field, path: [...ref.path, 'to', i, 'operation', field], toIndex: i });
  });
  const from = Array.isArray(ref.rule.from) ? ref.rule.from : [];
  from.forEach((f, i) => {
    for (const field of source) if (present(get(f, ['source', field]))) out.push({ field, path: [...ref.path, 'from', i, 'source', field] });
  });
  const whens = Array.isArray(ref.rule.when) ? ref.rule.when : [];
  whens.forEach((w, i) => {
    const key = get(w, ['key']);
    if (typeof key === 'string' && when.test(key)) out.push({ field: key, path: [...ref.path, 'when', i, 'key'] });
  });
  return out;
}

/**
 * Conditions Istio can evaluate on HTTP only: on a TCP filter chain an ALLOW rule using them is skipped
 * (it allows nothing), and a DENY or AUDIT rule is built without them, so it matches more
 * (pilot/pkg/security/authz/model: generator.go returns an error for TCP, model.go checkError).
 */
export function httpOnlyConditions(ref: AuthzRuleRef): AuthzCondition[] {
  return conditions(ref, HTTP_ONLY_OPERATION, HTTP_ONLY_SOURCE, HTTP_ONLY_WHEN);
}

/** Conditions on the source's mesh identity, which Envoy reads from the client's mTLS certificate. */
export function identityConditions(ref: AuthzRuleRef): AuthzCondition[] {
  return conditions(ref, [], IDENTITY_SOURCE, IDENTITY_WHEN);
}

/**
 * Whether a condition of the rule can take part on this destination port: a `to` entry applies to
 * the ports its operation lists (all when it lists none); `from` and `when` conditions go with every
 * `to` entry (all ports when the rule has none).
 */
export function conditionAppliesToPort(ref: AuthzRuleRef, condition: AuthzCondition, port: number): boolean {
  const to = Array.isArray(ref.rule.to) ? ref.rule.to : [];
  const entries = condition.toIndex !== undefined ? [to[condition.toIndex]] : to;
  if (entries.length === 0) return true;
  return entries.some((t) => {
    const ports = stringList(get(t, ['operation', 'ports']));
    const notPorts = stringList(get(t, ['operation', 'notPorts']));
    return (ports.length === 0 || ports.includes(String(port))) && !notPorts.includes(String(port));
  });
}

/**
 * The egress gateways an AuthorizationPolicy applies to: it lives in their pods' namespace or in the
 * root namespace, and its selector picks their pods (or it has none).
 */
export function authzGatewayTargets(index: IstioIndex, policy: Resource): GatewayWorkload[] {
  const selector = workloadSelectorOf(policy);
  const selectsAll = !selector || Object.keys(selector).length === 0;
  return index
    .gatewayWorkloads()
    .filter((w) => (policy.namespace === index.rootNamespace || policy.namespace === w.namespace) && (selectsAll || selectorFit(selector, w.labels) === 'matches'));
}

/** The egress gateways (and the Gateway resources) through which traffic for `host` leaves: gateway legs of VirtualServices for it. */
export function gatewaysCarrying(index: IstioIndex, host: string): { workload: GatewayWorkload; gateway: Resource }[] {
  const out: { workload: GatewayWorkload; gateway: Resource }[] = [];
  for (const use of index.routeUses()) {
    if (use.on === MESH || !stringList(get(use.vs.body, ['spec', 'hosts'])).some((h) => hostMatches(h, host))) continue;
    const gateway = index.ofKind(KIND.gateway).find((g) => gatewayRef(g) === use.on);
    if (!gateway) continue;
    for (const workload of index.gatewayWorkloadsOf(gateway)) {
      if (!out.some((c) => c.workload === workload && c.gateway === gateway)) out.push({ workload, gateway });
    }
  }
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
  const how = s.tlsMode === undefined ? '' : s.routeKind === 'tls' ? ', passed through' : `, ${s.tlsMode}`;
  return `port ${s.port} (${s.protocol}${how})`;
}
