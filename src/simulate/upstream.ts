/**
 * The last hop: a proxy (the client's sidecar, or the egress gateway) opens the connection to the
 * external host. What decides it: the ServiceEntry that registers host and port for that proxy, its
 * resolution, and the DestinationRule on the proxy's lookup path (TLS origination).
 */
import type { FieldPath } from '../model/field-path.js';
import {
  byWrittenHost,
  entryPortNumber,
  entryPortProtocol,
  handWrittenEndpoints,
  hasResolutionNone,
  isClusterDomainHost,
  isKubernetesService,
  keptPorts,
  onlyServicePort,
  outboundTls,
  readKubernetesService,
  routedHost,
  serviceChoice,
  serviceEntryResolution,
  type KubernetesService,
  type ProxyScope,
} from '../model/istio.js';
import { listText } from '../lint/wording.js';
import { protocolClass } from '../model/protocol.js';
import { describe, get, isObject, type Resource } from '../model/resource.js';
import type { SimulationContext } from './context.js';
import { expect, outcome, undetermined, type Outcome, type Trace } from './trace.js';
import { mergedRulesByAge } from './creation-order.js';
import type { AppRequest, AppScheme, Stage, Upstream } from './types.js';

export interface ServicePort {
  entry: Resource;
  index: number;
  protocol?: string;
  path: FieldPath;
}

/** Where a lookup happens, so that the choice among entries for one host is Istio's and is traced. */
export interface EntryView {
  t: Trace;
  at: Stage;
  /** Entries the proxy's Sidecar imports (all, without one). */
  imported?: (r: Resource) => boolean;
}

/**
 * The registry entries a proxy of `namespace` uses for `host`: per host name as the entries write it,
 * most specific first, the entry Istio keeps for that name (serviceChoice: a fixed precedence, then
 * creation order, which `view`'s trace tries every way) and those whose ports it merges. With
 * `exact`, only entries listing the host itself, as a route destination needs.
 */
export function visibleEntries(
  ctx: SimulationContext,
  host: string,
  namespace: string,
  exact = false,
  view?: EntryView,
): Resource[] {
  const found = registryEntries(ctx, host, namespace, exact);
  // One entry or none leaves Istio nothing to choose and the trace nothing to say: the common case,
  // worked out for every cell of an access matrix without the grouping below (its garbage was a
  // tenth of the matrix's allocation; test/simulate/visible-entries.test.ts holds it to chosenEntries).
  if (found.length === 0) return [];
  if (found.length === 1) return (view?.imported ?? everyEntry)(found[0]!) ? [found[0]!] : [];
  return chosenEntries(found, host, namespace, view);
}

const everyEntry = (): boolean => true;

/** The ServiceEntries and Kubernetes Services for `host` visible to `namespace`, before any choice. */
export function registryEntries(
  ctx: SimulationContext,
  host: string,
  namespace: string,
  exact: boolean,
): readonly Resource[] {
  const found = exact
    ? ctx.index.serviceEntriesForDestination(host, namespace)
    : ctx.index.serviceEntriesFor(host, namespace);
  const services = ctx.index.kubernetesServicesFor(host, namespace);
  return services.length === 0 ? found : [...found, ...services.map((s) => s.resource)];
}

/** visibleEntries without its shortcut: the choice among `all` made however many there are. */
export function chosenEntries(
  all: readonly Resource[],
  host: string,
  namespace: string,
  view?: EntryView,
): Resource[] {
  const scope: ProxyScope = view?.at === 'sidecar' || !view ? 'sidecar' : 'gateway';
  const out: Resource[] = [];
  for (const [name, entries] of byWrittenHost(all.filter(view?.imported ?? everyEntry), host)) {
    const choice = serviceChoice(entries, namespace, scope);
    const what = `the service ${name} for ${scope === 'sidecar' ? 'sidecars' : 'gateways'} of namespace ${namespace}`;
    const oldest = view ? view.t.oldest(view.at, what, choice.rivals) : choice.rivals[0]!;
    const kept = choice.kept(oldest);
    if (view && choice.precedence && kept.length < entries.length)
      view.t.decideOnce(
        view.at,
        `${describe(oldest)} is what Istio uses for ${what}, not ${listText(entries.filter((e) => !kept.includes(e)).map(describe))}: ${choice.precedence}`,
        oldest,
        ['metadata'],
      );
    out.push(...kept);
  }
  return out;
}

export function findServicePort(
  entries: readonly Resource[],
  port: number,
): ServicePort | undefined {
  for (const entry of entries) {
    const ports = get(entry.body, ['spec', 'ports']);
    if (!Array.isArray(ports)) continue;
    const index = ports.findIndex((p) => entryPortNumber(entry, p) === port);
    if (index === -1) continue;
    const protocol = entryPortProtocol(entry, ports[index]);
    return { entry, index, ...(protocol ? { protocol } : {}), path: ['spec', 'ports', index] };
  }
  return undefined;
}

export function portsOf(entry: Resource): number[] {
  const ports = get(entry.body, ['spec', 'ports']);
  return Array.isArray(ports)
    ? ports.map((p) => entryPortNumber(entry, p)).filter((n): n is number => typeof n === 'number')
    : [];
}

/**
 * The port a route without `destination.port` goes to (Istio's GetDestinationCluster): the only port
 * of the service the proxy has for that exact host name, when it has one; otherwise the caller uses
 * the listener port. The service is the one `visibleEntries` chooses, as for the connection itself
 * (precedence, then creation order through `view`), with the ports Istio merges into it. Gateways
 * count with the ports their IstioGateway declares. For an ExternalName alias it is the alias
 * Service itself, with its own ports, whatever its target has (the route names the alias).
 */
export function singleServicePort(
  ctx: SimulationContext,
  host: string,
  namespace: string,
  view: EntryView,
): number | undefined {
  const alias = ctx.index.aliasServiceFor(host, namespace);
  if (alias) return alias.ports.length === 1 ? alias.ports[0]!.number : undefined;
  const gw = ctx.index.gatewayWorkloadForHost(host);
  if (gw) return onlyServicePort(gw);
  const ports = keptPorts(visibleEntries(ctx, host, namespace, true, view));
  return ports.size === 1 ? [...ports.keys()][0] : undefined;
}

/** Explain why a host is not registered for a namespace: entries that exist but are not exported there. */
export function explainInvisible(
  ctx: SimulationContext,
  t: Trace,
  at: Stage,
  host: string,
  namespace: string,
  port?: number,
): void {
  const visible = new Set(ctx.index.serviceEntriesFor(host, namespace));
  for (const se of ctx.index.serviceEntriesForHost(host)) {
    if (!visible.has(se)) {
      t.decide(
        at,
        `${describe(se)} registers ${host} but is not exported to namespace ${namespace}`,
        se,
        ['spec', 'exportTo'],
      );
    } else if (port !== undefined && !portsOf(se).includes(port)) {
      t.decide(
        at,
        `${describe(se)} registers ${host} on port${portsOf(se).length === 1 ? '' : 's'} ${portsOf(se).join(', ')}, not ${port}`,
        se,
        ['spec', 'ports'],
      );
    }
  }
}

export interface LeaveMesh {
  at: Stage;
  /** The proxy whose view applies (the client's sidecar, or the gateway pods): namespace and labels. */
  viewNamespace: string;
  viewLabels: Readonly<Record<string, string>>;
  /** Label of the proxy for the hop, e.g. `egress gateway istio-system/egressgateway`. */
  from: string;
  host: string;
  port: number;
  subset?: string;
  /** What the application put on the wire inside the mesh's transport. */
  inner: AppScheme;
  /** A route names the host (else it is the service's own default route): its cluster needs that exact host. */
  routed: boolean;
  req: AppRequest;
}

/**
 * A Kubernetes Service in the repository whose pods run without a sidecar (their namespace is one
 * the injector leaves alone, or their pods opt out), or without a selector and with hand-written
 * endpoints that are no pods (endpoints.ts): a server outside the mesh, reached like an
 * external host, so the connection to it is the last hop egress-lint follows. Undefined when the
 * repository does not show such a Service, or its pods may have sidecars.
 */
export function serviceOutsideMesh(
  ctx: SimulationContext,
  host: string,
  namespace: string,
): { service: KubernetesService; why: string } | undefined {
  const service = ctx.index.kubernetesServicesFor(host, namespace)[0];
  if (!service || service.externalName !== undefined) return undefined;
  const endpoints = handWrittenEndpoints(ctx.cs, service);
  if (endpoints && !endpoints.targetsPods)
    return {
      service,
      why: `${describe(service.resource)} has no selector and ${endpoints.resources.map(describe).join(' and ')} list addresses, not pods (${endpoints.addresses.join(', ')})`,
    };
  const selector = get(service.resource.body, ['spec', 'selector']);
  const labels = isObject(selector) ? (selector as Record<string, string>) : {};
  const pods = ctx.interception({ namespace: service.resource.namespace, labels });
  return pods.noSidecar
    ? {
        service,
        why: `the pods of ${describe(service.resource)} run without a sidecar (${pods.noSidecar.text})`,
      }
    : undefined;
}

/** What the ServiceEntry's resolution makes of the connection: a failure, or notes on where it goes. */
function checkResolution(t: Trace, x: LeaveMesh, sp: ServicePort): Outcome | undefined {
  const resolution = serviceEntryResolution(sp.entry);
  const endpoints = get(sp.entry.body, ['spec', 'endpoints']);
  const hasSelector = get(sp.entry.body, ['spec', 'workloadSelector']) !== undefined;
  if (resolution === 'NONE' && x.at === 'egress-gateway') {
    t.decide(
      x.at,
      `${describe(sp.entry)} has resolution NONE: the gateway would forward to the original destination, itself`,
      sp.entry,
      ['spec', 'resolution'],
    );
    return outcome(
      'broken',
      `${describe(sp.entry)} has resolution NONE, so the egress gateway forwards to the address the connection was sent to, which is the gateway itself (use resolution: DNS)`,
      expect.connectFailure(x.req),
    );
  }
  if (
    resolution === 'STATIC' &&
    !hasSelector &&
    (!Array.isArray(endpoints) || endpoints.length === 0)
  ) {
    return outcome(
      'broken',
      `${describe(sp.entry)} has resolution STATIC and no endpoints: there is nowhere to send it`,
      expect.connectFailure(x.req),
    );
  }
  if (resolution.startsWith('DNS')) {
    t.note(`where ${x.host} is reached depends on DNS, which egress-lint does not resolve`);
    if (x.host !== x.req.host) {
      t.note(
        `the connection goes to the addresses of ${x.host} while the request names ${x.req.host}; this only works if both resolve to the same servers`,
      );
    }
  } else if (resolution === 'STATIC') {
    t.note(
      `${describe(sp.entry)} sends to its static endpoints; egress-lint cannot check what listens there`,
    );
  } else if (resolution === 'NONE') {
    t.note(
      `${describe(sp.entry)} has resolution NONE: the sidecar forwards to the address the application resolved`,
    );
  }

  return undefined;
}

/** Check the connection out of the mesh; on success the trace gets the upstream and the hop, and undefined is returned. */
export function leaveMesh(ctx: SimulationContext, t: Trace, to: LeaveMesh): Outcome | undefined {
  const host = routeDestinationHost(ctx, t, to.at, to.host, to.viewNamespace, to.req);
  if (typeof host !== 'string') return host;
  const x = host === to.host ? to : { ...to, host };
  const where = x.at === 'sidecar' ? `the sidecar (namespace ${x.viewNamespace})` : `${x.from}`;
  const entries = visibleEntries(ctx, x.host, x.viewNamespace, x.routed, { t, at: x.at });
  if (entries.length === 0) {
    explainInvisible(ctx, t, x.at, x.host, x.viewNamespace);
    const wildcard = x.routed ? visibleEntries(ctx, x.host, x.viewNamespace)[0] : undefined;
    return outcome(
      'broken',
      wildcard
        ? `the route sends to ${x.host}, which ${describe(wildcard)} covers only with a wildcard host; Istio has a cluster per host as written, so Envoy has no cluster for it`
        : `the route sends to ${x.host}, which no ServiceEntry registers for ${where}: Envoy has no cluster for it`,
      expect.noCluster(x.req),
    );
  }
  const sp = findServicePort(entries, x.port);
  if (!sp) {
    t.decide(x.at, `${describe(entries[0]!)} has no port ${x.port}`, entries[0]!, [
      'spec',
      'ports',
    ]);
    return outcome(
      'broken',
      `the route sends to ${x.host}:${x.port}, but no visible ServiceEntry declares port ${x.port}: Envoy has no cluster for it`,
      expect.noCluster(x.req),
    );
  }
  t.decideOnce(
    x.at,
    `${describe(sp.entry)} registers ${x.host}:${x.port}${sp.protocol ? ` (${sp.protocol})` : ''} for ${where}`,
    sp.entry,
    sp.path,
  );
  if (isKubernetesService(sp.entry)) {
    const outside = serviceOutsideMesh(ctx, x.host, x.viewNamespace);
    if (!outside) return toKubernetesService(ctx, t, x, sp.entry);
    t.note(`${outside.why}: a server outside the mesh, reached like an external host`);
  } else {
    const failed = checkResolution(t, x, sp);
    if (failed) return failed;
  }

  // An external host: no auto mTLS, only what a DestinationRule sets.
  const tls = outboundTls(ctx.index, {
    host: x.host,
    port: x.port,
    ...(x.subset ? { subset: x.subset } : {}),
    clientNamespace: x.viewNamespace,
    clientLabels: x.viewLabels,
    serverLabelled: false,
    inCreationOrder: mergedRulesByAge(t, x.at, x.host, x.subset),
  });
  if (!tls.subsetResolved) {
    return outcome(
      'broken',
      `the route names subset ${x.subset} of ${x.host}, which no DestinationRule on the lookup path of namespace ${x.viewNamespace} defines`,
      expect.noCluster(x.req),
    );
  }
  const setting = tls.setting;
  const mode = setting?.mode;
  if (setting)
    t.decide(
      x.at,
      `${describe(setting.resource)} sets tls.mode ${setting.mode} for ${x.host}:${x.port}`,
      setting.resource,
      setting.path,
    );
  const sni = setting?.sni;
  const credentialName = setting?.credentialName;
  const portClass = sp.protocol ? protocolClass(sp.protocol) : undefined;

  let upstreamTls: Upstream['tls'] = x.inner === 'https' ? 'app' : 'none';
  if (mode === 'ISTIO_MUTUAL') {
    return outcome(
      'broken',
      `${describe(setting!.resource)} sends Istio mTLS (ISTIO_MUTUAL) to ${x.host}, an external host that has no mesh certificate`,
      expect.connectFailure(x.req),
    );
  }
  if (mode === 'SIMPLE' || mode === 'MUTUAL') {
    if (x.inner === 'https') {
      return outcome(
        'broken',
        `${describe(setting!.resource)} originates TLS to ${x.host}:${x.port}, but the application already speaks TLS: the server would get TLS inside TLS`,
        expect.connectFailure(x.req),
      );
    }
    upstreamTls = mode;
    if (credentialName) {
      t.note(
        x.at === 'egress-gateway'
          ? `the client certificate ${credentialName} must be a Secret in namespace ${x.viewNamespace}, beside the gateway; egress-lint cannot see Secrets`
          : `the client certificate ${credentialName} must be a Secret the sidecar can read in namespace ${x.viewNamespace}; egress-lint cannot see Secrets`,
      );
    }
  } else if (x.inner === 'http' && portClass === 'tls') {
    return outcome(
      'broken',
      `plain HTTP goes to ${x.host}:${x.port}, which ${describe(sp.entry)} declares ${sp.protocol}, and no DestinationRule originates TLS there`,
      'most servers answer 400 Bad Request or close the connection: plain HTTP sent to their TLS port',
    );
  }

  // resolution NONE forwards to the original destination: for an IP the application named, that IP.
  const passthrough = !isKubernetesService(sp.entry) && hasResolutionNone(sp.entry);
  const upstreamHost = passthrough && x.req.ip ? x.req.ip : x.host;
  // The endpoints listen on the port's targetPort when it has one (serviceentry/conversion.go).
  const targetPort = get(sp.entry.body, ['spec', 'ports', sp.index, 'targetPort']);
  const upstreamPort = typeof targetPort === 'number' ? targetPort : x.port;
  const upstream: Upstream = {
    host: upstreamHost,
    port: upstreamPort,
    tls: upstreamTls,
    ...(upstreamTls === 'SIMPLE' || upstreamTls === 'MUTUAL'
      ? { sni: sni ?? x.req.host }
      : upstreamTls === 'app'
        ? { sni: x.req.host }
        : {}),
    ...(credentialName ? { credentialName } : {}),
    by: x.at,
    ...(x.inner === 'http'
      ? {
          seenByServer: `${upstreamTls === 'none' ? 'http' : 'https'}://${x.req.host}${x.req.path}`,
        }
      : {}),
  };
  t.upstream = upstream;
  t.hop(x.from, `${upstreamHost}:${upstreamPort}`, describeUpstream(upstream, x.inner));
  return undefined;
}

/**
 * The host a route destination stands for: a route to an ExternalName Service takes the cluster of
 * the host it names (route.go), so that host must be a service for the proxy, or Envoy has no
 * cluster. Only one alias is followed: when the named host is an alias too, there is no cluster
 * (`broken`, for `req`).
 */
export function routeDestinationHost(
  ctx: SimulationContext,
  t: Trace,
  at: Stage,
  host: string,
  namespace: string,
  req: AppRequest,
): string | Outcome {
  const { alias, aliasAgain, host: target } = routedHost(ctx.index, host, namespace);
  if (!alias) return host;
  t.decide(
    at,
    `${describe(alias.resource)} is type ExternalName: Istio routes ${host} to the cluster of ${target}`,
    alias.resource,
    ['spec', 'externalName'],
  );
  if (!aliasAgain) return target;
  t.decide(
    at,
    `${describe(aliasAgain.resource)} is type ExternalName too: a route follows one alias only, and Istio builds no cluster for an alias`,
    aliasAgain.resource,
    ['spec', 'externalName'],
  );
  return outcome(
    'broken',
    `the route sends to ${host}, an alias of ${target}, which is itself an alias: Istio follows one alias for a route and has no cluster for ${target}`,
    expect.noCluster(req),
  );
}

/**
 * A Kubernetes Service in the repository: workloads in the cluster. The request reaches them; what
 * they do with it the repository cannot show. ExternalName ones are aliases, resolved before; only
 * with the alias off (ENABLE_EXTERNAL_NAME_ALIAS=false) is one a service of its own, sent to its
 * external name (resolution DNS, kube/conversion.go), undetermined again when that is in-cluster.
 */
function toKubernetesService(
  ctx: SimulationContext,
  t: Trace,
  x: LeaveMesh,
  resource: Resource,
): Outcome | undefined {
  const target = readKubernetesService(resource, ctx.index.clusterDomain).externalName;
  if (target === undefined || isClusterDomainHost(target, ctx.index.clusterDomain)) {
    const next = target ?? x.host;
    t.hop(x.from, `${next}:${x.port}`, 'in-cluster Service');
    return undetermined(
      `what the workloads behind ${next} do with it`,
      `it goes to the in-cluster Service ${next}:${x.port}; where it goes from there depends on the workloads behind it`,
    );
  }
  t.note(
    `${describe(resource)} is type ExternalName and ENABLE_EXTERNAL_NAME_ALIAS is off: a service of its own, sent to ${target}`,
  );
  const upstream: Upstream = {
    host: target,
    port: x.port,
    tls: x.inner === 'https' ? 'app' : 'none',
    ...(x.inner === 'https' ? { sni: x.req.host } : {}),
    by: x.at,
    ...(x.inner === 'http' ? { seenByServer: `http://${x.req.host}${x.req.path}` } : {}),
  };
  t.upstream = upstream;
  t.hop(x.from, `${target}:${x.port}`, describeUpstream(upstream, x.inner));
  return undefined;
}

function describeUpstream(u: Upstream, inner: AppScheme): string {
  const by = u.by === 'sidecar' ? 'the sidecar' : 'the egress gateway';
  switch (u.tls) {
    case 'app':
      return `the application's own TLS (SNI ${u.sni}), passed through`;
    case 'SIMPLE':
      return `TLS originated by ${by} (SIMPLE, SNI ${u.sni})`;
    case 'MUTUAL':
      return `mTLS originated by ${by} (MUTUAL${u.credentialName ? `, client certificate ${u.credentialName}` : ''}, SNI ${u.sni})`;
    default:
      return inner === 'http' ? 'plaintext HTTP' : 'plain TCP';
  }
}
