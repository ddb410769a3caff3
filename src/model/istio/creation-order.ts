/**
 * Where Istio lets creation order decide: several objects that each claim the same thing for the same
 * proxies, of which Istio uses one (the oldest) and ignores the rest. The repository cannot show
 * creation order, so these are groups to warn about, never a guess at the winner.
 */
import { KIND } from '../kinds.js';
import type { Resource } from '../resource.js';
import type { IstioIndex } from './index.js';
import { MESH, virtualServiceHosts, vsGateways } from './routes.js';
import { everyNamespace, isVisibleTo } from './visibility.js';
import { labelsKey, workloadSelectorOf } from './workloads.js';

export interface HostClaim {
  host: string;
  /** The VirtualServices for the host that the sidecars of `namespaces` all see. */
  virtualServices: Resource[];
  namespaces: string[];
}

/**
 * Hosts that several sidecar VirtualServices (bound to `mesh`) define for the same namespaces: a
 * sidecar builds one virtual host per host and port and drops the later ones ("duplicate domain from
 * virtual service", pilot/pkg/networking/core/httproute.go). Indexed by host, so only hosts claimed
 * twice are compared.
 */
export function conflictingHostClaims(index: IstioIndex): HostClaim[] {
  const byHost = new Map<string, Resource[]>();
  for (const vs of index.ofKind(KIND.virtualService)) {
    if (!vsGateways(vs).includes(MESH)) continue;
    for (const host of new Set(virtualServiceHosts(vs))) {
      const list = byHost.get(host);
      if (list) list.push(vs);
      else byHost.set(host, [vs]);
    }
  }
  const out: HostClaim[] = [];
  for (const [host, all] of byHost) {
    if (all.length < 2) continue;
    // Namespaces that see the same set of VirtualServices form one claim.
    const groups = new Map<string, HostClaim>();
    for (const ns of everyNamespace(index)) {
      const seen = all.filter((vs) => isVisibleTo(vs, ns));
      if (seen.length < 2) continue;
      const key = seen.map((vs) => `${vs.namespace}/${vs.name}`).join(',');
      const claim = groups.get(key);
      if (claim) claim.namespaces.push(ns);
      else groups.set(key, { host, virtualServices: seen, namespaces: [ns] });
    }
    out.push(...groups.values());
  }
  return out;
}

/**
 * Sidecars that apply to the same workloads: in one namespace, several without a selector, or several
 * with the same selector. Istio uses the oldest (pilot/pkg/model/push_context.go initSidecarScopes sorts
 * by creation time). Selectors that merely overlap depend on pod labels the repository may not show.
 */
export function sidecarsForSameWorkloads(index: IstioIndex): Resource[][] {
  const groups = new Map<string, Resource[]>();
  for (const sc of index.ofKind(KIND.sidecar)) {
    const selector = workloadSelectorOf(sc);
    const key = `${sc.namespace}|${selector ? labelsKey(selector) : ''}`;
    const list = groups.get(key);
    if (list) list.push(sc);
    else groups.set(key, [sc]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}

/** `list` with `oldest` moved first: the order Istio merges in when `oldest` is the oldest. */
export function withOldest<T>(list: readonly T[], oldest: T): T[] {
  return [oldest, ...list.filter((x) => x !== oldest)];
}

/**
 * One list per assumption about which of `rivals` is the oldest (the simulator tries them one run
 * each, rules check them all); just `list` when fewer than two rivals make the order matter.
 */
export function creationOrders<T>(list: readonly T[], rivals: readonly T[]): (readonly T[])[] {
  return rivals.length < 2 ? [list] : rivals.map((r) => withOldest(list, r));
}
