/**
 * Name resolution as Istio's pilot does it: every host a VirtualService or DestinationRule names is
 * made fully qualified against the resource's own namespace and the cluster domain before anything
 * is matched (pilot/pkg/model/config.go ResolveShortnameToFQDN, applied in virtualservice.go
 * resolveVirtualServiceShortnames and push_context.go setDestinationRules). Kubernetes Services are
 * `<name>.<namespace>.svc.<domain>`; the domain is istiod's `--domain` flag, set by the Helm value
 * `global.proxy.clusterDomain` (default `cluster.local`).
 */
import { isIP } from 'node:net';
import type { Resource } from '../resource.js';

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/**
 * The cluster domain each resource is resolved in, where it is not the default. Istio keeps it in
 * every config's metadata (config.Meta.Domain); the index records it here for the resources it reads,
 * since resources are never changed after loading. The default is not recorded: an entry per resource
 * of a large repository cost a megabyte per 25,000 resources, for the answer nearly every one has.
 */
const domains = new WeakMap<Resource, string>();

/** Records the cluster domain the resources live in (buildIstioIndex does, for everything it reads). */
export function assignClusterDomain(resources: readonly Resource[], domain: string): void {
  if (domain === DEFAULT_CLUSTER_DOMAIN) for (const r of resources) domains.delete(r);
  else for (const r of resources) domains.set(r, domain);
}

/** The cluster domain of a resource: the one recorded for it, else Istio's default. */
export function clusterDomainOf(r: Resource): string {
  return domains.get(r) ?? DEFAULT_CLUSTER_DOMAIN;
}

/**
 * ResolveShortnameToFQDN: a name without a dot (`reviews`) is a Service in `namespace`
 * (`reviews.default.svc.cluster.local`); `*`, IP addresses and names with a dot stay as written.
 */
export function resolveHostName(host: string, namespace: string, domain: string): string {
  if (host === '' || host === '*' || host.includes('.') || isIP(host) !== 0) return host;
  return `${host}.${namespace}.svc.${domain}`;
}

/** A host a resource names, resolved against the resource's namespace and cluster domain. */
export function resolveHostOf(r: Resource, host: string): string {
  return resolveHostName(host, r.namespace, clusterDomainOf(r));
}

/** The Service host of a Kubernetes Service `name` in `namespace`. */
export function serviceHostName(name: string, namespace: string, domain: string): string {
  return `${name}.${namespace}.svc.${domain}`;
}

/** Name and namespace of a Kubernetes Service host (`name.namespace.svc.<domain>`), if it is one. */
export function clusterServiceOf(
  host: string,
  domain: string,
): { name: string; namespace: string } | undefined {
  const suffix = `.svc.${domain}`;
  if (!host.endsWith(suffix)) return undefined;
  const parts = host.slice(0, -suffix.length).split('.');
  if (parts.length !== 2 || parts.some((p) => p === '' || p === '*')) return undefined;
  return { name: parts[0]!, namespace: parts[1]! };
}

/**
 * Whether a host lies in the cluster's own service domain (`*.svc.<domain>`, wildcards included):
 * Kubernetes answers for those names, so the registry always has them, whether or not the
 * repository shows their Service.
 */
export function isClusterDomainHost(host: string, domain: string): boolean {
  return host.endsWith(`.svc.${domain}`);
}

/**
 * A gateway reference as a VirtualService writes it, as `namespace/name` (config.go
 * resolveGatewayName): a short name is in the VirtualService's namespace, `./name` too, and the
 * legacy `name.namespace[.svc.<domain>]` form names the namespace after the first dot.
 */
export function resolveGatewayName(ref: string, ownNamespace: string): string {
  const slash = ref.indexOf('/');
  if (slash !== -1) return ref.startsWith('./') ? `${ownNamespace}/${ref.slice(2)}` : ref;
  const dot = ref.indexOf('.');
  if (dot === -1) return `${ownNamespace}/${ref}`;
  const rest = ref.slice(dot + 1);
  const next = rest.indexOf('.');
  return `${next === -1 ? rest : rest.slice(0, next)}/${ref.slice(0, dot)}`;
}

/**
 * A `namespace/host` reference, as Sidecar egress hosts and Gateway server hosts write them: `*`
 * (any namespace) when no namespace is given, `.` resolved to `ownNamespace`, `~` kept (none).
 */
export function splitNamespacedHost(
  ref: string,
  ownNamespace: string,
): { namespace: string; host: string } {
  const slash = ref.indexOf('/');
  if (slash === -1) return { namespace: '*', host: ref };
  const ns = ref.slice(0, slash);
  return { namespace: ns === '.' ? ownNamespace : ns, host: ref.slice(slash + 1) };
}
