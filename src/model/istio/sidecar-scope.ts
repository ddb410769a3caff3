/**
 * What a `Sidecar` resource lets its workloads see (pilot/pkg/model/sidecar.go): each egress listener
 * imports configuration by `namespace/host` (`*` any namespace, `.` the Sidecar's own, `~` none; the
 * host `*`, a wildcard or an exact name). A service or VirtualService not imported does not exist for
 * the workload: under REGISTRY_ONLY its host goes to the BlackHoleCluster, and routes to it find no
 * cluster. The listener declaring the request's port decides for that port, else the one without a
 * port. A Sidecar without `egress` imports everything.
 */
import type { FieldPath } from '../field-path.js';
import { get, isObject, type Resource } from '../resource.js';
import { hostMatches, stringList } from './hosts.js';
import { splitNamespacedHost } from './names.js';

export interface SidecarImport {
  imported: boolean;
  /** The egress listener that decided (index into spec.egress), when the Sidecar has egress. */
  listener?: number;
}

/** The egress listener of a Sidecar serving `port`, or undefined when the Sidecar declares none. */
export function egressListener(
  sidecar: Resource,
  port: number,
): { index: number; hosts: string[] } | undefined {
  const egress = get(sidecar.body, ['spec', 'egress']);
  if (!Array.isArray(egress) || egress.length === 0) return undefined;
  const withPort = egress.findIndex((l) => get(l, ['port', 'number']) === port);
  const index = withPort !== -1 ? withPort : egress.findIndex((l) => !isObject(get(l, ['port'])));
  return { index, hosts: index === -1 ? [] : stringList(get(egress[index], ['hosts'])) };
}

/** Whether a Sidecar imports config of `configNamespace` named `hosts` (any of them) for `port`. */
export function sidecarImports(
  sidecar: Resource | undefined,
  port: number,
  configNamespace: string,
  hosts: readonly string[],
): SidecarImport {
  if (!sidecar) return { imported: true };
  const listener = egressListener(sidecar, port);
  if (!listener) return { imported: true };
  const imported = listener.hosts.some((entry) => {
    const { namespace, host } = splitNamespacedHost(entry, sidecar.namespace);
    const nsOk = namespace === '*' || namespace === configNamespace;
    return nsOk && hosts.some((h) => host === '*' || hostMatches(host, h));
  });
  return { imported, listener: listener.index };
}

/** Where a Sidecar sends traffic for unknown destinations instead of passing it through. */
export interface EgressProxy {
  /** As written: Istio builds the cluster name from it without resolving short names. */
  host: string;
  port?: number;
  subset?: string;
  path: FieldPath;
}

/**
 * A Sidecar's `outboundTrafficPolicy.egressProxy`: under ALLOW_ANY, unknown destinations go to this
 * service instead of the PassthroughCluster, for HTTP (the catch-all virtual host, httproute.go) and
 * TCP/TLS alike (the catch-all filter chain, listener_builder.go buildOutboundCatchAllNetworkFiltersOnly),
 * through the cluster GetDestinationCluster names. Istio accepts it only with mode ALLOW_ANY and a
 * port (pkg/config/validation/validation.go); the schema stage reports the rest.
 */
export function egressProxyOf(sidecar: Resource | undefined): EgressProxy | undefined {
  const proxy = get(sidecar?.body, ['spec', 'outboundTrafficPolicy', 'egressProxy']);
  const host = get(proxy, ['host']);
  if (typeof host !== 'string' || !host) return undefined;
  const port = get(proxy, ['port', 'number']);
  const subset = get(proxy, ['subset']);
  return {
    host: host.toLowerCase(),
    ...(typeof port === 'number' ? { port } : {}),
    ...(typeof subset === 'string' && subset ? { subset } : {}),
    path: ['spec', 'outboundTrafficPolicy', 'egressProxy'],
  };
}
