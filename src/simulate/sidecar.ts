/**
 * The client's sidecar: the outbound listener the request lands on, and the route it takes there.
 *
 * - The host must be registered for the workload (a ServiceEntry exported to its namespace with the
 *   port; on port 80 a VirtualService host alone also makes a route). Otherwise the outbound traffic
 *   policy decides: REGISTRY_ONLY -> BlackHoleCluster, ALLOW_ANY -> PassthroughCluster.
 * - HTTP ports route on requests; a VirtualService whose routes none apply to this workload is dropped
 *   for it, and the service's default route (straight out) takes over.
 * - TLS ports route on SNI: with TLS routes for this workload, a connection whose SNI none matches
 *   falls through to the outbound policy; without any, the default route goes straight out.
 * - TCP ports: the first tcp route that applies, else the default route.
 */
import {
  hostMatches,
  isVisibleTo,
  lookupRank,
  matchesApplyingTo,
  MESH,
  virtualServiceHosts,
  mostSpecific,
  sniMatches,
  stringList,
  entriesForAddress,
  captured,
  isClusterDomainHost,
  type Captured,
  type Destination,
  sharedTlsListenerEntries,
  attachedEntry,
  sidecarImports,
  egressProxyOf,
  type EgressProxy,
  type ProxyView,
  type AliasTarget,
  clusterDomainOf,
  isKubernetesService,
  serviceHostName,
} from '../model/istio.js';
import type { FieldPath } from '../model/field-path.js';
import type { OutboundMode } from '../config/project-config.js';
import type { OutboundDeclaration } from '../model/mesh.js';
import { protocolClass, type ProtocolClass } from '../model/protocol.js';
import { describe, get, isObject, type JsonObject, type Resource } from '../model/resource.js';
import { rejectedFor, type SimulationContext } from './context.js';
import { noteMirrors } from './mirrors.js';
import { describeInner, viaGateway } from './gateway.js';
import { unmodelledMeshRoute } from './gateway-api.js';
import {
  builtHttpRoutes,
  firstMatching,
  l4Routes,
  pickDestination,
  sniHostsOf,
  type RouteDestination,
} from './routes.js';
import { expect, outcome, undetermined, type Outcome, type Trace } from './trace.js';
import {
  describeSource,
  type AppRequest,
  type SourceWorkload,
  type Stage,
  type Upstream,
  type Verdict,
} from './types.js';
import {
  explainInvisible,
  singleServicePort,
  findServicePort,
  leaveMesh,
  routeDestinationHost,
  visibleEntries,
  type EntryView,
  type ServicePort,
} from './upstream.js';

interface AtSidecar {
  ctx: SimulationContext;
  t: Trace;
  src: SourceWorkload;
  req: AppRequest;
  proxy: ProxyView;
  mode: OutboundDeclaration;
  name: string;
  entry?: ServicePort;
  /** The service the request's host is an alias of (an ExternalName Service names it). */
  alias?: AliasTarget;
  /** The Sidecar resource that scopes what this workload sees, if any. */
  sidecar?: Resource;
}

/**
 * Whether the workload's Sidecar imports a ServiceEntry or VirtualService for the port; when it does
 * not, the trace says which egress listener left it out.
 */
function importedBy(t: Trace, sidecar: Resource | undefined, port: number, r: Resource): boolean {
  // A Kubernetes Service is imported by its host, `<name>.<namespace>.svc.<domain>` (sidecar.go).
  const hosts =
    r.kind === 'VirtualService'
      ? virtualServiceHosts(r)
      : isKubernetesService(r)
        ? [serviceHostName(r.name, r.namespace, clusterDomainOf(r))]
        : stringList(get(r.body, ['spec', 'hosts']));
  const result = sidecarImports(sidecar, port, r.namespace, hosts);
  if (!result.imported)
    t.decide(
      'sidecar',
      `${describe(sidecar!)} does not import ${describe(r)} (namespace ${r.namespace}) for port ${port}, so this workload does not see it`,
      sidecar,
      ['spec', 'egress', result.listener ?? 0, 'hosts'],
    );
  return result.imported;
}

/**
 * The ServiceEntries that take the request: by name, or for an IP destination by their `addresses`
 * (most specific first; the sidecar has a listener per service address and port).
 */
function entriesFor(
  ctx: SimulationContext,
  req: AppRequest,
  namespace: string,
  alias: AliasTarget | undefined,
  view: EntryView & { imported: (r: Resource) => boolean },
): Resource[] {
  if (alias) return 'host' in alias ? visibleEntries(ctx, alias.host, namespace, false, view) : [];
  if (!req.ip) return visibleEntries(ctx, req.host, namespace, false, view);
  const visible = ctx.index.ofKind('ServiceEntry').filter((se) => isVisibleTo(se, namespace));
  return entriesForAddress(visible, req.ip, req.port).filter(view.imported);
}

/** The host Istio names the service by: the request's, or for an IP destination the entry's first host. */
function serviceHost(s: Pick<AtSidecar, 'req' | 'entry' | 'alias'>): string {
  if (s.alias && 'host' in s.alias) return s.alias.host;
  if (!s.req.ip || !s.entry) return s.req.host;
  return stringList(get(s.entry.entry.body, ['spec', 'hosts']))[0] ?? s.req.host;
}

export function fromSidecar(
  ctx: SimulationContext,
  t: Trace,
  src: SourceWorkload,
  req: AppRequest,
): Outcome {
  const bypass = bypassesSidecar(ctx, t, src, req);
  if (bypass) return bypass;
  const name = `sidecar of ${describeSource(src)}`;
  const sidecar = sidecarOf(ctx, t, src);
  const mode = ctx.cs.mesh.outboundUnder(sidecar);
  t.hop('application', name, describeApp(req));
  t.decide(
    'sidecar',
    `outbound traffic policy ${mode.mode} (${modeOrigin(mode)})`,
    mode.resource,
    mode.path,
  );
  for (const r of rejectedFor(ctx, req.host)) {
    t.decide(
      'sidecar',
      `${describe(r)} names ${req.host} but Istio rejects it (it fails validation), so it takes no part`,
      r,
      ['spec'],
    );
  }

  const imported = (r: Resource): boolean => importedBy(t, sidecar, req.port, r);
  const alias = req.ip ? undefined : aliasOf(ctx, t, req.host);
  const entries = entriesFor(ctx, req, src.namespace, alias, { t, at: 'sidecar', imported });
  const entry = findServicePort(entries, req.port);
  const host = alias && 'host' in alias ? alias.host : req.host;
  if (!entry && ctx.index.isUnshownClusterHost(host)) return unshownService(t, host);
  const gatewayApi = unmodelledMeshRoute(ctx, t, host);
  if (gatewayApi) return gatewayApi;
  const s: AtSidecar = {
    ctx,
    t,
    src,
    req,
    proxy: { namespace: src.namespace, labels: src.labels, gateway: MESH },
    mode,
    name,
    ...(entry ? { entry } : {}),
    ...(alias ? { alias } : {}),
    ...(sidecar ? { sidecar } : {}),
  };
  const services = virtualServicesFor(s).filter(imported);
  let cls: ProtocolClass | undefined;
  if (entry) {
    cls = entry.protocol ? protocolClass(entry.protocol) : req.scheme === 'http' ? 'http' : 'tcp';
    t.decideOnce(
      'sidecar',
      req.ip
        ? `${describe(entry.entry)} takes connections to ${req.ip}:${req.port} (${entry.protocol ?? 'protocol sniffed'}) by its addresses, as service ${serviceHost(s)}, for namespace ${src.namespace}`
        : `${describe(entry.entry)} registers ${req.host}:${req.port} (${entry.protocol ?? 'protocol sniffed'}) for namespace ${src.namespace}`,
      entry.entry,
      req.ip ? ['spec', 'addresses'] : entry.path,
    );
  } else if (
    req.scheme === 'http' &&
    req.port === 80 &&
    services.some((vs) => builtHttpRoutes(vs, s.proxy, 80).length > 0)
  ) {
    // Istio gives VirtualService hosts without a service a virtual host on port 80 (route.go).
    cls = 'http';
  }
  if (!cls && req.scheme === 'https' && !req.ip) {
    const wider = widerTlsRoutes(s, services);
    if (wider.length > 0) return tlsRoute(s, wider);
  }
  if (!cls) return unregistered(s, '');
  if (cls === 'http' && req.scheme !== 'http') {
    return outcome(
      'broken',
      `the application sends ${describeInner(req.scheme)} to port ${req.port}, which ${describe(entry!.entry)} declares ${entry!.protocol}: the sidecar parses HTTP and fails`,
      'the connection fails (the sidecar expects plaintext HTTP on this port)',
    );
  }
  if (cls === 'http') return httpRoute(s, services);
  if (cls === 'tls') return tlsRoute(s, services);
  return tcpRoute(s, services);
}

/** The ExternalName alias the host is, noted on the trace: its ports and DestinationRules do nothing. */
function aliasOf(ctx: SimulationContext, t: Trace, host: string): AliasTarget | undefined {
  const alias = ctx.index.aliasTargetFor(host);
  if (!alias) return undefined;
  if ('loop' in alias) {
    t.decide(
      'sidecar',
      `${describe(alias.loop.resource)} is type ExternalName in a loop of aliases: Kubernetes DNS answers NXDOMAIN and Istio registers no service for ${host}`,
      alias.loop.resource,
      ['spec', 'externalName'],
    );
    return alias;
  }
  t.decide(
    'sidecar',
    `${describe(alias.via.resource)} is type ExternalName: Istio treats ${host} as an alias of ${alias.host} (its ports and any DestinationRule for ${host} do nothing)`,
    alias.via.resource,
    ['spec', 'externalName'],
  );
  return alias;
}

/** The Sidecar resource that applies to the workload: of several of equal rank, the oldest. */
function sidecarOf(ctx: SimulationContext, t: Trace, src: SourceWorkload): Resource | undefined {
  const candidates = ctx.cs.mesh.sidecarsFor(src.namespace, src.labels);
  if (candidates.length === 0) return undefined;
  return t.oldest('sidecar', `the workloads ${describeSource(src)}`, candidates);
}

/** An in-cluster name whose Service the repository does not show: whether it exists decides everything. */
function unshownService(t: Trace, host: string): Outcome {
  t.decide(
    'sidecar',
    `${host} is an in-cluster name; Kubernetes registers its Service with Istio, but the repository does not show it (its ports and protocols decide the route)`,
  );
  return undetermined(
    `the Kubernetes Service ${host}`,
    `${host} is a Kubernetes Service name the repository does not declare: whether it exists, and on which ports and protocols, decides what the sidecar does`,
  );
}

/**
 * VirtualServices whose hosts are wider than the registry: their tls routes join the sidecar's shared
 * listener on the port through a registered service they attach to, so their sniHosts take the
 * connection though its host is not registered.
 */
function widerTlsRoutes(s: AtSidecar, services: readonly Resource[]): Resource[] {
  const visible = s.ctx.index
    .ofKind('ServiceEntry')
    .filter((se) => isVisibleTo(se, s.src.namespace));
  const listener = sharedTlsListenerEntries(visible, s.req.port);
  return services.filter((vs) => {
    const se = attachedEntry(vs, listener);
    if (!se || !Array.isArray(get(vs.body, ['spec', 'tls']))) return false;
    s.t.decide(
      'sidecar',
      `${describe(vs)} attaches to ${describe(se)}, which opens the sidecar's TLS listener on port ${s.req.port}; its tls routes match SNI there, registered or not`,
      vs,
      ['spec', 'hosts'],
    );
    return true;
  });
}

/**
 * A workload without a sidecar, or a destination its iptables let pass, connects straight out: no
 * route, ServiceEntry or outbound traffic policy applies (REGISTRY_ONLY included).
 */
function bypassesSidecar(
  ctx: SimulationContext,
  t: Trace,
  src: SourceWorkload,
  req: AppRequest,
): Outcome | undefined {
  const i = ctx.interception(src);
  const to: Destination = req.ip
    ? { ip: req.ip }
    : {
        name:
          !req.host.includes('.') || isClusterDomainHost(req.host, ctx.cs.mesh.clusterDomain)
            ? 'in-cluster'
            : 'external',
      };
  const c: Captured = i.noSidecar ? { by: 'none', source: i.noSidecar } : captured(i, req.port, to);
  const why = c.source?.text ?? "Istio's default interception";
  if (c.by === 'dns') {
    if (c.source?.resource) t.decide('application', why, c.source.resource, c.source.path);
    return undetermined(
      `the address DNS gives ${req.host}`,
      `whether the sidecar sees connections to ${req.host} depends on the address DNS gives it (${why})`,
    );
  }
  if (c.by === 'sidecar') return undefined;
  const workload = describeSource(src);
  t.decide(
    'application',
    i.noSidecar
      ? `${workload} has no sidecar: ${why}`
      : `the iptables rules of ${workload} let ${req.ip ?? req.host}:${req.port} pass the sidecar: ${why}`,
    c.source?.resource,
    c.source?.path,
  );
  if (!i.noSidecar && !req.ip)
    t.note(
      `${req.host} is taken to resolve to ${'name' in to && to.name === 'external' ? 'a public address' : 'a cluster address'}, which the sidecar's interception ranges leave out`,
    );
  t.hop('application', `${req.host}:${req.port}`, `${describeApp(req)}, not through a sidecar`);
  t.upstream = asSent(req, 'application');
  return outcome(
    'allowed-direct',
    i.noSidecar
      ? `${workload} has no sidecar, so the mesh does not see its traffic: it connects straight to ${req.host}:${req.port}, and no outbound traffic policy applies`
      : `the connection to ${req.host}:${req.port} is not redirected to the sidecar, so it goes straight out and no outbound traffic policy applies`,
    expect.allowed(req),
  );
}

/** The connection as the application opened it, leaving unchanged from `by`. */
function asSent(req: AppRequest, by: Stage): Upstream {
  return {
    host: req.host,
    port: req.port,
    tls: req.scheme === 'https' ? 'app' : 'none',
    by,
    ...(req.scheme === 'http' ? { seenByServer: `http://${req.host}${req.path}` } : {}),
  };
}

function describeApp(req: AppRequest): string {
  if (req.scheme === 'http') return `plaintext HTTP ${req.method} ${req.url}`;
  if (req.scheme === 'https')
    return `TLS originated by the application (SNI ${req.host}); methods and paths are not visible`;
  return `a TCP stream to port ${req.port}`;
}

function modeOrigin(d: OutboundDeclaration): string {
  const ignored = d.unreadable
    ? `; the mesh config in ${describe(d.unreadable.resource)} cannot be used (${d.unreadable.problem}), so the defaults are`
    : '';
  switch (d.source) {
    case 'config':
      return `project config mesh.outboundTrafficPolicy${ignored}`;
    case 'default':
      return ignored
        ? `Istio's default${ignored}`
        : "Istio's default, nothing in the repository says otherwise";
    default:
      return `from ${d.source}${d.resource ? ` ${d.resource.namespace}/${d.resource.name}` : ''}`;
  }
}

/**
 * The VirtualServices for the host that the workload's sidecar sees, in the order its routes are
 * built: exact hosts before wildcards (Envoy picks the most specific domain), then Istio's lookup rank.
 */
function virtualServicesFor(s: AtSidecar): Resource[] {
  return [...s.ctx.index.virtualServicesFor(serviceHost(s), s.src.namespace)].sort(
    (a, b) =>
      specificity(s, b) - specificity(s, a) ||
      lookupRank(a, s.src.namespace) - lookupRank(b, s.src.namespace),
  );
}

function specificity(s: AtSidecar, vs: Resource): number {
  return Math.max(
    ...virtualServiceHosts(vs)
      .filter((h) => hostMatches(h, serviceHost(s)))
      .map((h) => (h.startsWith('*') ? h.length : 10_000)),
  );
}

/**
 * The VirtualService whose routes the sidecar uses: the first in Istio's order that `serves` the
 * request. Of several for the same host and lookup rank, a sidecar keeps the oldest and drops the
 * others ("duplicate domain from virtual service", pilot/pkg/networking/core/httproute.go), so which
 * one that is, is creation order.
 */
function firstServing(
  s: AtSidecar,
  services: readonly Resource[],
  serves: (vs: Resource) => boolean,
): Resource | undefined {
  const first = services.find(serves);
  if (!first) return undefined;
  const rank = (vs: Resource): string => `${specificity(s, vs)}|${lookupRank(vs, s.src.namespace)}`;
  const tied = services.filter((vs) => rank(vs) === rank(first) && serves(vs));
  return s.t.oldest('sidecar', `${serviceHost(s)}:${s.req.port} on the ${s.name}`, tied);
}

/** What the sidecar does with a destination it has no listener or route for: the outbound policy decides. */
export function unregisteredVerdict(mode: OutboundMode): Verdict {
  return mode === 'REGISTRY_ONLY' ? 'blocked-unregistered' : 'allowed-direct';
}

/**
 * Whether a workload of `namespace` sees anything about `host` (an in-cluster host the repository
 * does not show counts: it may exist); when not, unregisteredVerdict decides.
 */
export function seesHost(ctx: SimulationContext, namespace: string, host: string): boolean {
  const alias = ctx.index.aliasTargetFor(host);
  if (alias) return 'host' in alias && seesHost(ctx, namespace, alias.host);
  return (
    ctx.index.serviceEntriesForHost(host).some((se) => isVisibleTo(se, namespace)) ||
    ctx.index.virtualServicesFor(host, namespace).length > 0 ||
    ctx.index.kubernetesServicesFor(host, namespace).length > 0 ||
    ctx.index.isUnshownClusterHost(host)
  );
}

function unregistered(s: AtSidecar, why: string): Outcome {
  const { req, src, mode, t } = s;
  explainInvisible(s.ctx, t, 'sidecar', req.host, src.namespace, req.port);
  const target = s.alias && 'host' in s.alias ? ` (an alias of ${s.alias.host})` : '';
  const what = `${req.host}:${req.port}${target}${why ? ` ${why}` : ' is not registered for this workload'}`;
  if (unregisteredVerdict(mode.mode) === 'blocked-unregistered') {
    return outcome(
      'blocked-unregistered',
      `${what}, and REGISTRY_ONLY sends unknown destinations to the BlackHoleCluster`,
      expect.blackHole(req),
    );
  }
  const proxy = mode.resource === s.sidecar ? egressProxyOf(s.sidecar) : undefined;
  if (proxy) return toEgressProxy(s, proxy, what);
  // Kubernetes DNS answered the alias with its target's address: the connection goes there.
  const to = s.alias && 'host' in s.alias ? s.alias.host : req.host;
  t.upstream = { ...asSent(req, 'sidecar'), host: to };
  t.hop(s.name, `${to}:${req.port}`, `passed through as sent (PassthroughCluster)`);
  return outcome(
    'allowed-direct',
    `${what}, and ${mode.mode} lets the sidecar pass it through (PassthroughCluster), bypassing any egress gateway`,
    expect.allowed(req),
  );
}

/**
 * ALLOW_ANY with the Sidecar's egressProxy: the unknown destination goes to that service as a route
 * destination would (an egress gateway, an in-cluster Service, a ServiceEntry host), not straight out.
 */
function toEgressProxy(s: AtSidecar, proxy: EgressProxy, what: string): Outcome {
  const sidecar = s.sidecar!;
  s.t.decide(
    'sidecar',
    `${what}: under ALLOW_ANY, ${describe(sidecar)} sends unknown destinations to its egress proxy ${proxy.host}${proxy.port ? `:${proxy.port}` : ''} instead of passing them through`,
    sidecar,
    proxy.path,
  );
  s.t.note(
    `the egress proxy ${proxy.host} gets the request as the application sent it (Host ${s.req.host}); what the proxy does with it beyond that, egress-lint cannot see`,
  );
  return forward(s, sidecar, proxy);
}

/** The registered service's own route: straight to the host, no VirtualService involved. */
function defaultRoute(s: AtSidecar, why: string): Outcome {
  if (!s.entry) return unregistered(s, why);
  const host = serviceHost(s);
  s.t.decide(
    'sidecar',
    `${why}: the default route of ${describe(s.entry.entry)} sends it straight to ${host}:${s.req.port}`,
    s.entry.entry,
    s.entry.path,
  );
  return direct(s, { host, port: s.req.port, path: s.entry.path }, false);
}

function direct(s: AtSidecar, d: RouteDestination, routed: boolean): Outcome {
  const left = leaveMesh(s.ctx, s.t, {
    at: 'sidecar',
    viewNamespace: s.src.namespace,
    viewLabels: s.src.labels,
    from: s.name,
    host: d.host,
    port: d.port ?? s.req.port,
    ...(d.subset ? { subset: d.subset } : {}),
    inner: s.req.scheme,
    routed,
    req: s.req,
  });
  if (left) return left;
  return outcome(
    'allowed-direct',
    `the sidecar sends it straight to ${s.t.upstream?.host ?? d.host}:${s.t.upstream?.port ?? d.port ?? s.req.port}, bypassing any egress gateway`,
    expect.allowed(s.req),
  );
}

/** Follow a route destination: an egress gateway, an in-cluster Service, or the external host itself. */
function forward(s: AtSidecar, vs: Resource, routed: RouteDestination): Outcome {
  const host = routeDestinationHost(s.ctx, s.t, 'sidecar', routed.host, s.src.namespace, s.req);
  if (typeof host !== 'string') return host;
  const d = host === routed.host ? routed : { ...routed, host };
  // Without a port, the only port of the service the route names: for an alias, the ExternalName
  // Service's own, not its target's (route.go GetDestinationCluster).
  const port =
    d.port ??
    singleServicePort(s.ctx, routed.host, s.src.namespace, { t: s.t, at: 'sidecar' }) ??
    s.req.port;
  const gw = s.ctx.index.gatewayWorkloadForHost(d.host);
  if (gw && !sidecarImports(s.sidecar, port, gw.namespace, [gw.serviceHost]).imported) {
    s.t.decide(
      'sidecar',
      `${describe(s.sidecar!)} does not import ${gw.serviceHost} (namespace ${gw.namespace}) for port ${port}`,
      s.sidecar,
      ['spec', 'egress'],
    );
    return outcome(
      'broken',
      `${describe(vs)} sends it to ${gw.serviceHost}, which the workload's Sidecar does not import: Envoy has no cluster for it`,
      expect.noCluster(s.req),
    );
  }
  if (gw) {
    return viaGateway(s.ctx, s.t, {
      src: s.src,
      req: s.req,
      route: vs,
      routePath: d.path,
      destination: d,
      port,
      gateway: gw,
      inner: s.req.scheme,
      sidecar: s.name,
    });
  }
  if (isClusterDomainHost(d.host, s.ctx.index.clusterDomain)) {
    s.t.decide(
      'sidecar',
      `${describe(vs)} sends it to ${d.host}:${port}, an in-cluster Service that is not an egress gateway`,
      vs,
      d.path,
    );
    if (s.ctx.index.isUnshownClusterHost(d.host)) return unshownService(s.t, d.host);
    return direct(s, { ...d, port }, true);
  }
  s.t.decide('sidecar', `${describe(vs)} sends it straight to ${d.host}:${port}`, vs, d.path);
  return direct(s, { ...d, port }, true);
}

function httpRoute(s: AtSidecar, services: Resource[]): Outcome {
  const { t, req } = s;
  const serves = (vs: Resource): boolean => builtHttpRoutes(vs, s.proxy, req.port).length > 0;
  for (const vs of services) {
    if (serves(vs)) break;
    t.decide(
      'sidecar',
      `${describe(vs)} has no HTTP route for this workload on port ${req.port}, so Istio drops it for this sidecar`,
      vs,
      ['spec', 'http'],
    );
  }
  const vs = firstServing(s, services, serves);
  if (!vs)
    return defaultRoute(s, `no VirtualService routes ${req.host}:${req.port} for this workload`);
  const hit = firstMatching(t, 'sidecar', builtHttpRoutes(vs, s.proxy, req.port), req);
  if (!hit) {
    return outcome(
      'broken',
      `${describe(vs)} routes ${req.host} for this workload, but none of its routes matches ${req.method} ${req.path}`,
      expect.noRoute(),
    );
  }
  const routeName = typeof hit.route.name === 'string' ? ` (${hit.route.name})` : '';
  t.decide('sidecar', `${describe(vs)} http[${hit.index}]${routeName} matches`, vs, hit.path);
  return httpAction(s, vs, hit.route, hit.index);
}

function httpAction(s: AtSidecar, vs: Resource, route: JsonObject, index: number): Outcome {
  const direct = route.directResponse;
  if (isObject(direct)) {
    const status = Number(direct.status ?? 0);
    const policy = vs.rendered?.policy;
    return outcome(
      'blocked-unregistered',
      policy
        ? `the workload is not selected by any from entry of ${describe(policy)}; its rendered refusal route answers ${status}`
        : `${describe(vs)} answers with a direct response ${status}; the request never leaves the sidecar`,
      expect.directResponse(status),
    );
  }
  if (isObject(route.redirect)) {
    const status = Number(route.redirect.redirectCode ?? 301);
    return outcome(
      'blocked-unregistered',
      `${describe(vs)} answers with a redirect; the request never leaves the sidecar`,
      `HTTP ${status} redirect from the sidecar`,
    );
  }
  noteMirrors(s.t, s.ctx.index, vs, route, ['spec', 'http', index], s.src.namespace);
  const d = pickDestination(s.t, 'sidecar', vs, ['spec', 'http', index], route);
  if (d && isObject(route.rewrite) && s.ctx.index.gatewayWorkloadForHost(d.host))
    return rewrittenForGateway(s.t, vs, index, d.host);
  if (!d) {
    return outcome(
      'broken',
      `${describe(vs)} http[${index}] has no destination the simulator can follow${route.delegate ? ' (delegate VirtualServices are not modelled)' : ''}`,
      expect.noCluster(s.req),
    );
  }
  return forward(s, vs, d);
}

/**
 * A request rewritten (Host or path) on its way to an egress gateway: the gateway routes the
 * rewritten request, which the simulator does not follow.
 */
function rewrittenForGateway(t: Trace, vs: Resource, index: number, gateway: string): Outcome {
  const path: FieldPath = ['spec', 'http', index, 'rewrite'];
  t.decide(
    'sidecar',
    `${describe(vs)} http[${index}] rewrites the request it sends to ${gateway}`,
    vs,
    path,
  );
  const missing = `how the egress gateway ${gateway} routes the rewritten request`;
  return {
    ...undetermined(
      missing,
      `${describe(vs)} http[${index}] rewrites the request before the egress gateway routes it, and egress-lint does not follow a rewritten request`,
    ),
    expected: `depends on ${missing}, which egress-lint does not model`,
  };
}

interface TlsChain {
  vs: Resource;
  index: number;
  route: JsonObject;
  match: JsonObject;
}

/** The tls route matches of a VirtualService that apply to this workload and port: a filter chain each. */
function tlsChains(s: AtSidecar, vs: Resource): TlsChain[] {
  return l4Routes(vs, 'tls').flatMap(({ index, route, matches }) =>
    matchesApplyingTo(matches, s.proxy, s.req.port).map(({ match }) => ({
      vs,
      index,
      route,
      match,
    })),
  );
}

const sniKey = (c: TlsChain): string => sniHostsOf(c.match).join(',');

/**
 * Of the VirtualServices of one lookup rank with a chain for the same SNI hosts, the sidecar keeps
 * the oldest's (creation order); `found` is the stand-in's. `chainsOf[i]` are `services[i]`'s chains.
 */
function oldestChain(
  s: AtSidecar,
  services: readonly Resource[],
  chainsOf: readonly TlsChain[][],
  found: TlsChain,
): TlsChain {
  const rank = lookupRank(found.vs, s.src.namespace);
  const key = sniKey(found);
  const same = (c: TlsChain): boolean => sniKey(c) === key;
  const tied = services.filter(
    (vs, i) => lookupRank(vs, s.src.namespace) === rank && chainsOf[i]!.some(same),
  );
  const vs = s.t.oldest('sidecar', `SNI ${key} on the ${s.name}`, tied);
  return vs === found.vs ? found : chainsOf[services.indexOf(vs)]!.find(same)!;
}

function tlsRoute(s: AtSidecar, services: Resource[]): Outcome {
  const { t, req } = s;
  const sni = req.scheme === 'https' ? req.host : undefined;
  // Worked out once per request: the oldest chain below reads them again.
  const chainsOf = services.map((vs) => tlsChains(s, vs));
  const seen = new Set<string>();
  const chains: TlsChain[] = [];
  for (const c of chainsOf.flat()) {
    // Istio keeps only the first chain for the same SNI hosts (later ones could never be reached).
    const key = sniKey(c);
    if (seen.has(key)) continue;
    seen.add(key);
    chains.push(c);
  }
  if (chains.length === 0) {
    for (const vs of services)
      if (Array.isArray(get(vs.body, ['spec', 'tls'])))
        t.decide(
          'sidecar',
          `${describe(vs)} has TLS routes, none for this workload on port ${req.port}`,
          vs,
          ['spec', 'tls'],
        );
    // The default filter chain matches the service's host name as SNI (no VIP for DNS ServiceEntries).
    const vip = (get(s.entry?.entry.body, ['spec', 'addresses']) as unknown[] | undefined)?.length;
    if (!vip && sni === undefined)
      return unregistered(s, 'arrives without SNI, so no filter chain of the TLS port takes it');
    return defaultRoute(s, `no TLS route applies to this workload on port ${req.port}`);
  }
  // Envoy takes the chain with the most specific server name, whatever the order of the routes.
  const found = mostSpecific(chains, (c) => sniHostsOf(c.match), sni, sniMatches);
  const chain = found && oldestChain(s, services, chainsOf, found);
  if (chain?.match.destinationSubnets)
    t.note(
      `${describe(chain.vs)} tls[${chain.index}] also matches destination subnets, which depend on DNS`,
    );
  if (!chain) {
    for (const c of chains)
      t.decide(
        'sidecar',
        `${describe(c.vs)} tls[${c.index}] matches SNI ${sniHostsOf(c.match).join(', ')}, not ${sni ?? '(none)'}`,
        c.vs,
        ['spec', 'tls', c.index],
      );
    return unregistered(
      s,
      `has TLS routes for this workload, but none matches SNI ${sni ?? '(none)'}`,
    );
  }
  t.decide('sidecar', `${describe(chain.vs)} tls[${chain.index}] matches SNI ${sni}`, chain.vs, [
    'spec',
    'tls',
    chain.index,
  ]);
  const d = pickDestination(t, 'sidecar', chain.vs, ['spec', 'tls', chain.index], chain.route);
  if (!d)
    return outcome(
      'broken',
      `${describe(chain.vs)} tls[${chain.index}] has no destination`,
      expect.noCluster(req),
    );
  return forward(s, chain.vs, d);
}

/** The first tcp route of a VirtualService that applies to this workload and port, with its match. */
function firstTcpRoute(
  s: AtSidecar,
  vs: Resource,
): { index: number; route: JsonObject; match?: JsonObject } | undefined {
  for (const { index, route, matches } of l4Routes(vs, 'tcp')) {
    const match = matchesApplyingTo(matches, s.proxy, s.req.port)[0]?.match;
    if (matches.length === 0 || match) return { index, route, ...(match ? { match } : {}) };
  }
  return undefined;
}

function tcpRoute(s: AtSidecar, services: Resource[]): Outcome {
  const { t, req } = s;
  const serves = (vs: Resource): boolean => firstTcpRoute(s, vs) !== undefined;
  for (const vs of services) {
    if (serves(vs)) break;
    if (Array.isArray(get(vs.body, ['spec', 'tcp'])))
      t.decide(
        'sidecar',
        `${describe(vs)} has no tcp route for this workload on port ${req.port}`,
        vs,
        ['spec', 'tcp'],
      );
  }
  const vs = firstServing(s, services, serves);
  if (!vs) return defaultRoute(s, `no tcp route applies to this workload on port ${req.port}`);
  const { index, route, match } = firstTcpRoute(s, vs)!;
  if (match?.destinationSubnets)
    t.note(`${describe(vs)} tcp[${index}] also matches destination subnets, which depend on DNS`);
  t.decide(
    'sidecar',
    `${describe(vs)} tcp[${index}] is the first tcp route for this workload on port ${req.port}`,
    vs,
    ['spec', 'tcp', index],
  );
  const d = pickDestination(t, 'sidecar', vs, ['spec', 'tcp', index], route);
  if (!d)
    return outcome(
      'broken',
      `${describe(vs)} tcp[${index}] has no destination`,
      expect.noCluster(req),
    );
  return forward(s, vs, d);
}
