/**
 * Istio's lookup rules, written once for the lint rules and the simulator alike: host matching,
 * exportTo visibility, VirtualService-to-Gateway binding, the DestinationRule lookup path and workload
 * selection. Everything here reads resources; nothing here knows about findings.
 */
import type { ConfigSet } from './config-set.js';
import type { EgressGateway } from './egress-gateway.js';
import { KIND } from './kinds.js';
import { matchesSelector } from './mesh.js';
import { get, isObject, type Resource } from './resource.js';

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
  /** VirtualServices bound to a Gateway (listing it and exported to its namespace). */
  virtualServicesForGateway(gateway: Resource): Resource[];
  /**
   * The DestinationRule a client in `clientNamespace` uses for `host`: its own namespace first, then the
   * service's namespace, then the root namespace, each time only rules exported to the client.
   */
  destinationRuleFor(host: string, clientNamespace: string): { rule: Resource; step: 'client' | 'service' | 'root' } | undefined;
  /** Gateway resources whose selector picks these pods. */
  gatewaysSelecting(podLabels: Readonly<Record<string, string>>): Resource[];
  /** AuthorizationPolicies that apply to a workload. */
  authorizationPoliciesFor(workload: Workload): Resource[];
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
    virtualServicesForGateway(gateway) {
      const ref = gatewayRef(gateway);
      return of(KIND.virtualService).filter((vs) => isVisibleTo(vs, gateway.namespace) && vsGateways(vs).includes(ref));
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
  };
  return index;
}

function specificity(host: string): number {
  return isWild(host) ? host.length : 10_000 + host.length;
}
