/**
 * The host an application's request names, as its pod's resolver and its sidecar read it.
 *
 * - A name without a dot is a Service of the client's namespace, `name.ns.svc` always a Service (the
 *   resolver's search path `<ns>.svc.<domain>`, `svc.<domain>`, `<domain>` comes first, ndots 5).
 * - `name.ns` is the Service `name.ns.svc.<domain>` where the cluster may have it: the sidecar's
 *   virtual hosts for a Service carry `name.ns` and `name.ns.svc` from any namespace
 *   (pilot/pkg/networking/core/httproute.go `generateAltVirtualHostsForKubernetesService`). So it is
 *   that Service when the repository shows it, or shows the namespace (then it is a Service the
 *   repository does not show: undetermined, DESIGN §4). In a namespace the repository does not know,
 *   the name stays as written: two labels are far more often an external domain (`httpbin.org`,
 *   `example.com`) than a Service of a namespace nothing in the repository names.
 * - Except where a ServiceEntry the client sees registers `name.ns` itself on the request's port: for
 *   HTTP, `BuildSidecarOutboundVirtualHosts` drops a Service's expanded name when another service of
 *   the listener has it as its own host (`dedupeDomains` with `knownFQDN`), so the Host header
 *   `name.ns` reaches the ServiceEntry. TLS and TCP carry no Host header: the connection goes to the
 *   address the resolver gives, the Service's ClusterIP first when it exists, and the listener for
 *   that address decides. That is the Service when the client sees it (its ClusterIP listener),
 *   undetermined when the repository shows it hidden from the client, and the ServiceEntry when the
 *   repository shows no such Service (a note names the Service that would take it).
 */
import type { Resource } from '../resource.js';
import type { IstioIndex } from './index.js';
import { isVisibleTo } from './visibility.js';
import { resolveHostName } from './names.js';
import { namespacesByName } from './namespace-selector.js';

export type RequestHost =
  | {
      /** The host the sidecar matches the request by. */
      host: string;
      /** How `host` was read from the name as written, when it differs or a resource decided it. */
      note?: string;
      /** The ServiceEntry that keeps `name.ns` as written (HTTP), for the trace. */
      entry?: Resource;
    }
  | { undetermined: { missing: string; reason: string } };

type Index = Pick<
  IstioIndex,
  | 'clusterDomain'
  | 'kubernetesServiceFor'
  | 'kubernetesServicesFor'
  | 'serviceEntriesForHost'
  | 'serviceEntriesForDestination'
  | 'knownNamespaces'
>;

export interface RequestHostQuery {
  host: string;
  /** The client's namespace. */
  namespace: string;
  /** Whether the request carries its host (plaintext HTTP's Host header). */
  http: boolean;
  /** The repository's resources (its Namespace objects show namespaces too). */
  resources: readonly Resource[];
  /** Whether a ServiceEntry registers the request's port. */
  hasPort: (entry: Resource) => boolean;
}

export function requestHost(index: Index, q: RequestHostQuery): RequestHost {
  const { host, namespace } = q;
  const domain = index.clusterDomain;
  const short = resolveHostName(host, namespace, domain);
  if (short !== host)
    return {
      host: short,
      note: `${host} is a short name: in namespace ${namespace} it is ${short}`,
    };
  const parts = host.split('.');
  if (parts.some((p) => p === '' || p === '*')) return { host };
  if (parts.length === 3 && parts[2] === 'svc')
    return {
      host: `${host}.${domain}`,
      note: `${host} is a Service name: it is ${host}.${domain}`,
    };
  if (parts.length !== 2) return { host };
  return twoLabelHost(index, q, `${host}.svc.${domain}`);
}

/** `name.ns`: the ServiceEntry for it (HTTP), the Service `name.ns.svc.<domain>`, or as written. */
function twoLabelHost(index: Index, q: RequestHostQuery, service: string): RequestHost {
  const { host, namespace } = q;
  const entry = index.serviceEntriesForDestination(host, namespace).find(q.hasPort);
  const shown =
    index.kubernetesServiceFor(service) !== undefined ||
    index.serviceEntriesForHost(service).length > 0;
  const ns = host.slice(host.indexOf('.') + 1);
  const namespaceKnown = ns === namespace || shownNamespaces(index, q.resources).has(ns);
  // A ServiceEntry registering the name as written is the repository saying it is external: a
  // Service it does not show, in a namespace it names, does not outvote it (`go.dev` with a
  // namespace `dev`), though for TLS/TCP the resolver would try that Service first.
  if (entry && (q.http || !shown))
    return { host, entry, ...entryNote(q, service, shown || namespaceKnown) };
  if (entry && !clientSeesService(index, service, namespace)) {
    return {
      undetermined: {
        missing: `the address the pod's resolver gives ${host}, and the Kubernetes Service ${service}`,
        reason: `a ServiceEntry registers ${host}, but this connection carries no Host header: it goes where the pod's resolver sends it, and its search path tries the Service ${service} first, which this workload does not see`,
      },
    };
  }
  if (shown || namespaceKnown)
    return {
      host: service,
      note: `${host} is ${shown ? 'a Service the repository shows' : `in namespace ${ns}, which the repository shows`}: the pod's resolver tries ${service} first (its search path), and the sidecar's virtual hosts for that Service carry ${host}`,
    };
  return { host };
}

/** Why a ServiceEntry keeps `name.ns` as written, where a Service of that name could contend. */
function entryNote(q: RequestHostQuery, service: string, contended: boolean): { note?: string } {
  if (!contended) return {};
  return {
    note: q.http
      ? `a ServiceEntry registers ${q.host} itself: the sidecar's virtual host for the Service ${service} gives up its alternate name ${q.host} to it (Istio's dedupeDomains), so the Host header ${q.host} reaches the ServiceEntry`
      : `a ServiceEntry registers ${q.host}; the repository shows no Service ${service}, which the pod's resolver would try first for this connection (it carries no Host header) if the cluster has it`,
  };
}

function clientSeesService(index: Index, service: string, namespace: string): boolean {
  return (
    index.kubernetesServicesFor(service, namespace).length > 0 ||
    index.serviceEntriesForHost(service).some((se) => isVisibleTo(se, namespace))
  );
}

const namespacesOf = new WeakMap<object, ReadonlySet<string>>();

/** The namespaces the repository names (knownNamespaces) or declares (Namespace objects). */
function shownNamespaces(index: Index, resources: readonly Resource[]): ReadonlySet<string> {
  let found = namespacesOf.get(resources);
  if (!found) {
    found = new Set([...index.knownNamespaces(), ...namespacesByName(resources).keys()]);
    namespacesOf.set(resources, found);
  }
  return found;
}
