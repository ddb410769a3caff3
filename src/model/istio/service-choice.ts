/**
 * Which registry entry a proxy uses for a host that several entries (ServiceEntries, a Kubernetes
 * Service) define. Istio keeps one service per host name for a proxy; what it keeps is decided by a
 * fixed precedence first and by creation order only within what that leaves:
 *
 * - a sidecar's scope (pilot/pkg/model/sidecar.go `selectServices`, PILOT_UNIFIED_SIDECAR_SCOPE on by
 *   default): the entries in the proxy's own namespace, else the namespace of a Kubernetes Service,
 *   else the namespace of the first entry in the list `servicesExportedToNamespace` gives
 *   (push_context.go: entries exported to the namespace by name or privately, then public ones, each
 *   sorted by `SortServicesByCreationTime`, whose tie-break on equal timestamps is the host, then the
 *   namespace);
 * - a gateway's scope (`DefaultSidecarScopeForGateway`): the first entry of that list, with no
 *   preference for the gateway's namespace; but a gateway shares the namespace's default sidecar
 *   scope when a sidecar there asked first (push_context.go `doGetSidecarScope`), so either rule
 *   may apply and both are tried;
 * - then `appendSidecarServices`: a Kubernetes Service wins over ServiceEntries; the first entry
 *   (the oldest) is kept, and later entries of its namespace with the same resolution, labels,
 *   workload selector and exportTo (`canMergeServices`) add the ports it lacks; others are ignored.
 */
import { get, type Resource } from '../resource.js';
import { mostSpecificMatch, servicePortProtocol, stringList } from './hosts.js';
import { serviceEntryResolution } from './resolution.js';
import { isKubernetesService, kubernetesPortProtocol } from './services.js';
import { exportedTo } from './visibility.js';
import { labelsKey, workloadSelectorOf } from './workloads.js';

export type ProxyScope = 'sidecar' | 'gateway';

export interface ServiceChoice {
  /** The entries of which Istio keeps the oldest; one when the precedence alone decides. */
  rivals: readonly Resource[];
  /** What narrowed the entries down to the rivals, when something did: for the reader. */
  precedence?: string;
  /** The entries Istio uses when `oldest` (one of `rivals`) is kept: it, then those it merges ports from. */
  kept(oldest: Resource): Resource[];
}

/** `entries`: visible to (and imported by) the proxy of `namespace`, all defining one host as written. */
export function serviceChoice(
  entries: readonly Resource[],
  namespace: string,
  scope: ProxyScope,
): ServiceChoice {
  const pool = namespacePool(entries, namespace);
  const bySidecarRule = firstInList(pool.entries);
  const byGatewayRule = scope === 'gateway' ? firstInList(entries) : bySidecarRule;
  const rivals = [...new Set([...bySidecarRule.entries, ...byGatewayRule.entries])];
  const why = [pool.why, bySidecarRule.why, byGatewayRule.why].filter(
    (w): w is string => w !== undefined,
  );
  return {
    rivals,
    ...(rivals.length < entries.length && why.length > 0
      ? { precedence: [...new Set(why)].join('; ') }
      : {}),
    kept: (oldest) =>
      isKubernetesService(oldest)
        ? [oldest]
        : [oldest, ...entries.filter((e) => e !== oldest && canMerge(oldest, e))],
  };
}

/** selectServices: the proxy's own namespace, else a Kubernetes Service's, else every namespace. */
function namespacePool(entries: readonly Resource[], namespace: string): Narrowed {
  const own = entries.filter((e) => e.namespace === namespace);
  if (own.length > 0 && own.length < entries.length)
    return { entries: own, why: `a sidecar prefers entries of its own namespace ${namespace}` };
  if (own.length > 0) return { entries };
  const kube = entries.find(isKubernetesService);
  return kube
    ? {
        entries: entries.filter((e) => e.namespace === kube.namespace),
        why: 'a Kubernetes Service comes before ServiceEntries',
      }
    : { entries };
}

interface Narrowed {
  entries: readonly Resource[];
  why?: string;
}

/**
 * The candidates for the first entry of servicesExportedToNamespace's list: a Kubernetes Service
 * replaces any ServiceEntry; otherwise the entries of the earliest export rank, by creation order.
 */
function firstInList(pool: readonly Resource[]): Narrowed {
  const kube = pool.find(isKubernetesService);
  if (kube)
    return pool.length > 1
      ? { entries: [kube], why: 'a Kubernetes Service comes before ServiceEntries' }
      : { entries: [kube] };
  const rank = (e: Resource): number => (exportedTo(e).everywhere ? 1 : 0);
  const best = Math.min(...pool.map(rank));
  const first = pool.filter((e) => rank(e) === best);
  return first.length < pool.length
    ? {
        entries: first,
        why: 'entries exported to the namespace by name or privately come before public ones',
      }
    : { entries: first };
}

/** canMergeServices: one namespace and registry, the same resolution, labels, selector, exportTo. */
function canMerge(kept: Resource, other: Resource): boolean {
  if (isKubernetesService(other) || other.namespace !== kept.namespace) return false;
  const selector = (se: Resource): string => labelsKey(workloadSelectorOf(se) ?? {});
  return (
    serviceEntryResolution(kept) === serviceEntryResolution(other) &&
    labelsKey(kept.labels) === labelsKey(other.labels) &&
    selector(kept) === selector(other) &&
    sameExport(kept, other)
  );
}

function sameExport(a: Resource, b: Resource): boolean {
  const x = exportedTo(a);
  const y = exportedTo(b);
  return (
    x.everywhere === y.everywhere &&
    x.namespaces.size === y.namespaces.size &&
    [...x.namespaces].every((ns) => y.namespaces.has(ns))
  );
}

/**
 * Entries by the host name of theirs that matches `host` most specifically, most specific first:
 * Istio makes a service per host name as written, so each group is one service to choose for.
 */
export function byWrittenHost(entries: readonly Resource[], host: string): Map<string, Resource[]> {
  const groups = new Map<string, Resource[]>();
  for (const e of entries) {
    const names = isKubernetesService(e) ? [host] : stringList(get(e.body, ['spec', 'hosts']));
    const name = mostSpecificMatch(names, host) ?? host;
    const list = groups.get(name);
    if (list) list.push(e);
    else groups.set(name, [e]);
  }
  return new Map([...groups].sort(([a], [b]) => (mostSpecificMatch([a, b], host) === a ? -1 : 1)));
}

/** The number of a registry entry's port: `number` in a ServiceEntry, `port` in a Kubernetes Service. */
export function entryPortNumber(entry: Resource, port: unknown): unknown {
  return get(port, [isKubernetesService(entry) ? 'port' : 'number']);
}

/** The protocol of a registry entry's port, as Istio reads it for that kind of entry. */
export function entryPortProtocol(entry: Resource, port: unknown): string | undefined {
  return isKubernetesService(entry) ? kubernetesPortProtocol(port) : servicePortProtocol(port);
}

/**
 * The ports of the service Istio builds from `kept` (ServiceChoice.kept: the oldest, then the
 * entries it merges ports from): a port number the oldest lacks comes from the first that has it.
 */
export function keptPorts(kept: readonly Resource[]): Map<number, string | undefined> {
  const out = new Map<number, string | undefined>();
  for (const entry of kept) {
    const ports = get(entry.body, ['spec', 'ports']);
    if (!Array.isArray(ports)) continue;
    for (const p of ports) {
      const n = entryPortNumber(entry, p);
      if (typeof n === 'number' && !out.has(n)) out.set(n, entryPortProtocol(entry, p));
    }
  }
  return out;
}
