/**
 * The egress gateway leg: the sidecar's connection to the gateway Service (DestinationRule subset and
 * TLS, or auto mTLS), the Gateway server that takes it (port, plaintext or TLS, SNI), the
 * AuthorizationPolicies of the gateway pods, and the gateway's own route to the external host.
 */
import type { FieldPath } from '../model/field-path.js';
import {
  clusterServiceOf,
  gatewayRef,
  gatewayServers,
  lookupRank,
  matchesApplyingTo,
  outboundTls,
  serverVirtualServices,
  sniChooser,
  mostSpecificMatch,
  virtualHostDomains,
  sniMatches,
  subsetsOfRule,
  TLS_MODE_LABEL,
  type GatewayServer,
  type ServerVirtualServices,
  type GatewayService,
  type ProxyView,
  type Workload,
} from '../model/istio.js';
import { describe, get, isObject, type JsonObject, type Resource } from '../model/resource.js';
import { REFUSED_SNI } from '../render/render.js';
import { evaluateAuthz, policiesMissing, type PeerIdentity } from './authz.js';
import { rejectedFor, type ServersOnPort, type SimulationContext } from './context.js';
import { noteMirrors } from './mirrors.js';
import {
  builtHttpRoutes,
  l4Routes,
  type BuiltRoute,
  type WrittenMatch,
  catchAllsLast,
  firstMatching,
  pickDestination,
  sniHostsOf,
  type RouteDestination,
} from './routes.js';
import { expect, outcome, undetermined, type Outcome, type Trace } from './trace.js';
import { KIND } from '../model/kinds.js';
import { unmodelledAtGateway } from './gateway-api.js';
import {
  leaveMesh,
  routeDestinationHost,
  serviceOutsideMesh,
  singleServicePort,
} from './upstream.js';
import { mergedRulesByAge, serversByAge } from './creation-order.js';
import type { AppRequest, AppScheme, SourceWorkload } from './types.js';

/** Gateway-label AuthorizationPolicies that miss the pods, named one by one in an explanation. */
const MISSING_NAMED = 3;

export interface ToGateway {
  src: SourceWorkload;
  req: AppRequest;
  /** The route that sent the request here, and where in it. */
  route: Resource;
  routePath: FieldPath;
  destination: RouteDestination;
  port: number;
  gateway: GatewayService;
  /** What the application sends inside the tunnel. */
  inner: AppScheme;
  sidecar: string;
}

/** How the sidecar's connection reaches the gateway. */
interface Arrival {
  kind: 'mtls' | 'tls' | 'plain';
  sni?: string;
  /** The TLS is the application's own, carried by a sidecar that adds no TLS of its own. */
  app?: boolean;
}

/**
 * Where the gateway pods' labels are written: an IstioGateway's podLabels; for a Gateway API Gateway
 * its class, whose Deployment template labels them; else the route to the gateway.
 */
function podLabelsPath(x: ToGateway): FieldPath {
  const declared = x.gateway.declaration?.resource;
  if (!declared) return x.destination.path;
  return declared.kind === KIND.istioGateway ? ['spec', 'podLabels'] : ['spec', 'gatewayClassName'];
}

export function viaGateway(ctx: SimulationContext, t: Trace, x: ToGateway): Outcome {
  const { gateway: gw, req } = x;
  const label = ctx.cs.defaults.gatewayLabel;
  const gwName = `egress gateway ${gw.namespace}/${gw.name}`;
  t.decide(
    'sidecar',
    `${describe(x.route)} sends it to ${gw.serviceHost}:${x.port}${x.destination.subset ? ` subset ${x.destination.subset}` : ''}, the Service of ${gwName}`,
    x.route,
    x.destination.path,
  );

  const declaration = gw.declaration;
  if (!declaration) {
    const declared = ctx.cs.gateways.filter((g) => g.gatewayType !== 'ingress');
    if (declared.length > 0) {
      const list = declared.map((g) => `${g.namespace}/${g.name}`).join(', ');
      const policy = x.route.rendered?.policy;
      if (policy)
        t.decide('sidecar', `${describe(policy)} names egress gateway ${gw.name}`, policy, [
          'spec',
          'byEgressGateway',
          'name',
        ]);
      return outcome(
        'broken',
        `the route goes to ${gwName} (${gw.serviceHost}), which this repository does not declare (it declares ${list}); there is no such gateway Service`,
        expect.noCluster(req),
      );
    }
    t.note(
      `${gwName} is not declared in this repository (no IstioGateway); assuming it runs in ${gw.namespace} with pods labelled ${label}=${gw.name}, as Istio and ASM gateways are`,
    );
  }
  t.gateway = {
    name: gw.name,
    namespace: gw.namespace,
    serviceHost: gw.serviceHost,
    port: x.port,
    declared: declaration !== undefined,
  };
  const gatewayApi = unmodelledAtGateway(t, ctx, gw, x.port);
  if (gatewayApi) return gatewayApi;

  // The gateway Service must have the port.
  let targetPort = x.port;
  if (declaration?.resource) {
    const declaredPort = declaration.ports.find((p) => p.port === x.port);
    const allocated = ctx.allocatedPorts.get(`${gw.namespace}/${gw.name}`)?.has(x.port) ?? false;
    if (declaredPort) {
      targetPort = declaredPort.targetPort ?? x.port;
      t.decide(
        'sidecar',
        `${describe(declaration.resource)} exposes port ${x.port}`,
        declaration.resource,
        declaredPort.path,
      );
    } else if (allocated) {
      t.decide(
        'sidecar',
        `port ${x.port} of ${gwName} is allocated by ASM for a destination without byEgressGateway.port; ASM opens it on the gateway`,
        declaration.resource,
        ['spec', 'ports'],
      );
    } else {
      t.decide(
        'sidecar',
        `${describe(declaration.resource)} exposes ports ${declaration.ports.map((p) => p.port).join(', ') || '(none)'}`,
        declaration.resource,
        ['spec', 'ports'],
      );
      return outcome(
        'broken',
        `the route sends to port ${x.port} of ${gwName}, whose Service has no such port`,
        expect.noCluster(req),
      );
    }
  }

  const podLabels = gw.labels;
  const pods: Workload = { namespace: gw.namespace, labels: podLabels };
  const arrival = clientTransport(ctx, t, x, pods);
  if ('verdict' in arrival) return arrival;
  t.hop(
    x.sidecar,
    `${gw.serviceHost}:${x.port}`,
    arrival.app
      ? describeArrival(arrival)
      : `${describeArrival(arrival)} carrying ${describeInner(x.inner)}`,
  );

  // The gateway: which Gateway resources configure its pods, and which server takes the connection.
  const gatewayResources = ctx.index.gatewaysSelecting(pods);
  if (gatewayResources.length === 0) {
    for (const g of ctx.index.ofKind('Gateway')) {
      const value = get(g.body, ['spec', 'selector', label]);
      if (typeof value === 'string')
        t.decide(
          'egress-gateway',
          `${describe(g)} selects ${label}=${value}, not ${label}=${podLabels[label] ?? '(unset)'}`,
          g,
          ['spec', 'selector'],
        );
    }
    return outcome(
      'broken',
      `no Gateway resource selects the pods of ${gwName} (${label}=${podLabels[label]}): it has no listener for this traffic`,
      expect.connectFailure(req),
    );
  }
  const onPort = serversByAge(ctx, t, pods, x.port, gwName);
  const servers = onPort.servers;
  if (servers.length === 0) {
    const ports = [...new Set(gatewayResources.flatMap(gatewayServers).map((s) => s.port))].sort(
      (a, b) => a - b,
    );
    return outcome(
      'broken',
      `no Gateway server listens on port ${x.port} of ${gwName} (servers: ${ports.join(', ') || 'none'})`,
      expect.connectFailure(req),
    );
  }

  const chosen = chooseServer(t, x, onPort, arrival, gwName, ctx.cs.mesh.trustDomain);
  if ('verdict' in chosen) return chosen;
  const { server, identity } = chosen;
  t.decide(
    'egress-gateway',
    `${describe(server.gateway)} server ${describeServer(server)} takes the connection`,
    server.gateway,
    server.path,
  );

  const proxy: ProxyView = { ...pods, gateway: gatewayRef(server.gateway) };
  // A policy on the gateway label that misses these pods may have been meant for them: the first few
  // are named, the rest (with a policy per gateway, one per other gateway) counted.
  const missing = policiesMissing(ctx.index, pods, label);
  for (const p of missing.slice(0, MISSING_NAMED)) {
    const sel = get(p.body, ['spec', 'selector', 'matchLabels', label]);
    t.decide(
      'egress-gateway',
      `${describe(p)} selects ${label}=${String(sel)}, but these gateway pods carry ${label}=${podLabels[label]}: it does not apply here`,
      p,
      ['spec', 'selector'],
    );
  }
  if (missing.length > MISSING_NAMED) {
    const more = missing.length - MISSING_NAMED;
    t.decide(
      'egress-gateway',
      `${more} more AuthorizationPolic${more === 1 ? 'y selects' : 'ies select'} other values of ${label} than ${podLabels[label]}: ${more === 1 ? 'it does' : 'they do'} not apply here`,
      missing[MISSING_NAMED],
      ['spec', 'selector'],
    );
  }
  const l7 = server.routeKind === 'http';
  const authz = (http: boolean): Outcome | undefined => {
    const d = evaluateAuthz(
      ctx.index,
      {
        workload: pods,
        http,
        ...(identity ? { identity } : {}),
        host: req.host,
        method: req.method,
        path: req.path,
        port: targetPort,
        ...(arrival.sni ? { sni: arrival.sni } : {}),
      },
      t,
    );
    return d.allowed ? undefined : outcome('denied-by-authz', d.reason, expect.rbac(http));
  };

  const routeTable = server.tlsMode === undefined ? onPort.plaintextHttp : [server];
  const at: AtServer = { ctx, t, x, server, proxy, routeTable };
  let dest: GatewayDestination | Outcome;
  if (l7) {
    if (x.inner !== 'http') {
      return outcome(
        'broken',
        `${describe(server.gateway)} server ${describeServer(server)} parses HTTP, but the application's own ${x.inner === 'https' ? 'TLS' : 'TCP stream'} arrives inside the tunnel`,
        expect.connectFailure(req),
      );
    }
    const denied = authz(true);
    if (denied) return denied;
    dest = gatewayHttpRoute(at);
  } else {
    dest = server.routeKind === 'tls' ? gatewayTlsRoute(at, arrival.sni) : gatewayTcpRoute(at);
    if (!('verdict' in dest)) {
      const denied = authz(false);
      if (denied) return denied;
    }
  }
  if ('verdict' in dest) return dest;

  const d = dest.destination;
  // A route to an ExternalName alias goes to the cluster of the host it names, in or out of the cluster.
  const host = routeDestinationHost(ctx, t, 'egress-gateway', d.host, gw.namespace, req);
  if (typeof host !== 'string') return host;
  if (host === gw.serviceHost) {
    return outcome(
      'broken',
      `the gateway's own route sends it back to ${host}, the gateway itself: it loops (a route meant for sidecars also applies to the gateway; limit it with match gateways: [mesh] or sourceNamespace)`,
      expect.connectFailure(req),
    );
  }
  if (
    ctx.index.gatewayWorkloadForHost(host) ||
    (clusterServiceOf(host, ctx.index.clusterDomain) &&
      !serviceOutsideMesh(ctx, host, gw.namespace))
  ) {
    t.hop(gwName, host, 'in-cluster Service (not followed)');
    return undetermined(
      `what ${host} does with it`,
      `${gwName} routes it on to ${host}, an in-cluster Service; egress-lint follows only one egress gateway hop`,
    );
  }
  // Without a port, the only port of the service the route names (for an alias, its own).
  const port =
    d.port ??
    singleServicePort(ctx, d.host, gw.namespace, { t, at: 'egress-gateway' }) ??
    dest.listenPort;
  const left = leaveMesh(ctx, t, {
    at: 'egress-gateway',
    viewNamespace: gw.namespace,
    viewLabels: podLabels,
    from: gwName,
    host,
    port,
    ...(d.subset ? { subset: d.subset } : {}),
    inner: x.inner,
    routed: true,
    req,
  });
  if (left) return left;
  const up = t.upstream!;
  const how =
    up.tls === 'SIMPLE' || up.tls === 'MUTUAL'
      ? `, ${up.tls === 'SIMPLE' ? 'TLS' : 'mTLS'} originated by the gateway`
      : up.tls === 'app'
        ? ", the application's TLS passed through"
        : '';
  return outcome(
    'allowed-via-gateway',
    `it leaves through ${gwName} (port ${x.port}) to ${up.host}:${up.port}${how}`,
    expect.allowed(req),
  );
}

/** The TLS the sidecar speaks to the gateway: the DestinationRule on its lookup path, else auto mTLS. */
function clientTransport(
  ctx: SimulationContext,
  t: Trace,
  x: ToGateway,
  pods: Workload,
): Arrival | Outcome {
  const host = x.gateway.serviceHost;
  const subset = x.destination.subset;
  const tls = outboundTls(ctx.index, {
    host,
    port: x.port,
    ...(subset ? { subset } : {}),
    clientNamespace: x.src.namespace,
    clientLabels: x.src.labels,
    // An assumed gateway's labels are unknown; the simulator takes them as not labelled.
    serverLabelled: pods.labels[TLS_MODE_LABEL] === 'istio',
    serverNamespace: pods.namespace,
    inCreationOrder: mergedRulesByAge(t, 'sidecar', host, subset),
  });
  const found = tls.lookup;
  if (subset !== undefined && !tls.subsetResolved) {
    explainMissingSubset(ctx, t, host, subset, x.src.namespace, found?.rules);
    const path = lookupPath(ctx, host, x.src.namespace);
    return outcome(
      'broken',
      found
        ? `the route names subset ${subset} of ${host}, but ${found.rules.map(describe).join(', ')}, the DestinationRule on namespace ${x.src.namespace}'s lookup path, does not define it`
        : `the route names subset ${subset} of ${host}, but no DestinationRule on the lookup path of namespace ${x.src.namespace} (${path}) defines it`,
      expect.noCluster(x.req),
    );
  }
  const { setting, mode, sni } = tls;
  if (found && setting) {
    t.decide(
      'sidecar',
      `${describe(setting.resource)} (found in ${found.step === 'client' ? 'the client namespace' : found.step === 'service' ? "the gateway's namespace" : 'the root namespace'}) sets tls.mode ${mode}${setting.sni ? `, sni ${setting.sni}` : ''} for port ${x.port}${subset ? ` of subset ${subset}` : ''}`,
      setting.resource,
      setting.path,
    );
  } else if (mode === 'ISTIO_MUTUAL') {
    t.decide(
      'sidecar',
      `no DestinationRule sets TLS for ${host}:${x.port}; the gateway pods carry ${TLS_MODE_LABEL}=istio, so the sidecar uses auto mTLS (SNI ${sni})`,
      x.gateway.declaration?.resource ?? x.route,
      podLabelsPath(x),
    );
  } else {
    const disabled = tls.mtlsDisabledBy;
    if (disabled)
      t.decide(
        'sidecar',
        `${describe(disabled)} sets mtls.mode DISABLE for namespace ${pods.namespace}, which turns auto mTLS off`,
        disabled,
        ['spec', 'mtls', 'mode'],
      );
    t.decide(
      'sidecar',
      `no DestinationRule sets TLS for ${host}:${x.port} and ${disabled ? 'mTLS is disabled' : `the gateway pods do not carry ${TLS_MODE_LABEL}=istio`}, so the sidecar connects in plaintext`,
      x.gateway.declaration?.resource ?? x.route,
      podLabelsPath(x),
    );
  }
  if (mode === 'ISTIO_MUTUAL') return { kind: 'mtls', sni: sni! };
  if (mode === 'SIMPLE' || mode === 'MUTUAL') return { kind: 'tls', ...(sni ? { sni } : {}) };
  // Without TLS of the sidecar's own, the gateway sees the application's bytes: its TLS handshake,
  // with its SNI, is what a PASSTHROUGH server routes by (Istio's "HTTPS through an egress gateway").
  if (x.inner === 'https') return { kind: 'tls', sni: x.req.host, app: true };
  return { kind: 'plain' };
}

function lookupPath(ctx: SimulationContext, host: string, namespace: string): string {
  return ctx.index.destinationRuleLookupPath(host, namespace).join(', then ');
}

/** Say where the subset is defined, if anywhere: a rule off the lookup path, not exported, or rejected. */
function explainMissingSubset(
  ctx: SimulationContext,
  t: Trace,
  host: string,
  subset: string,
  namespace: string,
  onPath: readonly Resource[] = [],
): void {
  for (const dr of ctx.index.destinationRulesForHost(host)) {
    if (onPath.includes(dr) || !subsetsOfRule(dr).has(subset)) continue;
    t.decide(
      'sidecar',
      `${describe(dr)} defines subset ${subset}, but it is not on the DestinationRule lookup path of namespace ${namespace} (${lookupPath(ctx, host, namespace)}) or not exported there`,
      dr,
      ['spec', 'subsets'],
    );
  }
  for (const dr of rejectedFor(ctx, host)) {
    if (dr.kind === 'DestinationRule')
      t.decide(
        'sidecar',
        `${describe(dr)} would define subsets for ${host}, but Istio rejects it (it fails validation)`,
        dr,
        ['spec', 'subsets'],
      );
  }
}

function describeArrival(a: Arrival): string {
  if (a.kind === 'mtls') return `mTLS (ISTIO_MUTUAL, SNI ${a.sni})`;
  if (a.app) return `no TLS of the sidecar's own: the application's TLS (SNI ${a.sni})`;
  if (a.kind === 'tls') return `TLS without a mesh certificate${a.sni ? ` (SNI ${a.sni})` : ''}`;
  return 'plaintext';
}

export function describeInner(inner: AppScheme): string {
  return inner === 'http'
    ? 'plaintext HTTP'
    : inner === 'https'
      ? "the application's own TLS"
      : 'a TCP stream';
}

function describeServer(s: GatewayServer): string {
  return `${s.port}/${s.protocol}${s.tlsMode ? ` tls ${s.tlsMode}` : ''} hosts [${s.hosts.join(', ')}]`;
}

/** Plaintext or TLS listener, the server matching the SNI, and whether the gateway learns the client's identity. */
function chooseServer(
  t: Trace,
  x: ToGateway,
  { servers, plaintext, forSni, tlsHosts }: ServersOnPort,
  arrival: Arrival,
  gwName: string,
  trustDomain: string,
): { server: GatewayServer; identity?: PeerIdentity } | Outcome {
  const req = x.req;
  const first = servers[0]!;
  if (plaintext) {
    // A plaintext server owns the port; Istio drops TLS servers on the same port.
    if (arrival.kind !== 'plain') {
      return outcome(
        'broken',
        `${describe(plaintext.gateway)} server ${describeServer(plaintext)} is plaintext, but the sidecar sends ${describeArrival(arrival)}`,
        expect.connectFailure(req),
      );
    }
    return { server: plaintext };
  }
  if (arrival.kind === 'plain') {
    return outcome(
      'broken',
      `${describe(first.gateway)} server ${describeServer(first)} expects TLS, but the sidecar connects in plaintext (set tls.mode ISTIO_MUTUAL in a DestinationRule for ${x.gateway.serviceHost}, or label the gateway pods ${TLS_MODE_LABEL}=istio)`,
      expect.connectFailure(req),
    );
  }
  const server = forSni(arrival.sni);
  if (!server) {
    const hosts = tlsHosts;
    if (arrival.sni === REFUSED_SNI && x.route.rendered) {
      const policy = x.route.rendered.policy;
      t.decide(
        'egress-gateway',
        `no server of ${gwName} on port ${x.port} accepts SNI ${REFUSED_SNI} (servers take ${hosts}): the gateway drops the handshake`,
      );
      return outcome(
        'blocked-unregistered',
        `the workload is not selected by any from entry of ${describe(policy)}; the rendered refusal route sends it to the gateway with an SNI no server accepts`,
        expect.refusedAtGateway(req),
      );
    }
    return outcome(
      'broken',
      `no server of ${gwName} on port ${x.port} accepts SNI ${arrival.sni ?? '(none)'} (servers take ${hosts})`,
      expect.connectFailure(req),
    );
  }
  const mode = server.tlsMode!;
  // The gateway learns who the client is only from the mesh certificate of an mTLS handshake it terminates.
  const withIdentity = (): PeerIdentity => ({
    trustDomain,
    namespace: x.src.namespace,
    ...(x.src.serviceAccount ? { serviceAccount: x.src.serviceAccount } : {}),
  });
  switch (mode) {
    case 'PASSTHROUGH':
      if (arrival.kind === 'mtls') {
        return outcome(
          'broken',
          `${describe(server.gateway)} server ${describeServer(server)} passes TLS through, so the sidecar's mTLS would reach the external host; use ISTIO_MUTUAL on the server`,
          expect.connectFailure(req),
        );
      }
      return { server };
    case 'AUTO_PASSTHROUGH':
      return outcome(
        'broken',
        `${describe(server.gateway)} server ${describeServer(server)} is AUTO_PASSTHROUGH, which routes by in-mesh cluster names, not to external hosts`,
        expect.connectFailure(req),
      );
    case 'ISTIO_MUTUAL':
      if (arrival.kind !== 'mtls') {
        return outcome(
          'broken',
          `${describe(server.gateway)} server ${describeServer(server)} requires a mesh client certificate, but the sidecar sends TLS without one`,
          expect.connectFailure(req),
        );
      }
      return { server, identity: withIdentity() };
    case 'MUTUAL':
    case 'OPTIONAL_MUTUAL': {
      const certs =
        typeof server.tls?.credentialName === 'string'
          ? `credential ${server.tls.credentialName}`
          : 'the certificate files it names';
      if (arrival.kind === 'mtls') {
        t.note(
          `${describe(server.gateway)} server on port ${server.port} uses ${mode} with ${certs}; the sidecar's mesh certificate passes only if that CA is the mesh's (egress-lint cannot check certificates)`,
        );
        return { server, identity: withIdentity() };
      }
      t.note(
        `${describe(server.gateway)} server on port ${server.port} asks for a client certificate (${mode}); whether the sidecar's TLS settings provide one that it trusts, egress-lint cannot check`,
      );
      return { server };
    }
    default:
      if (arrival.kind === 'mtls') {
        return outcome(
          'broken',
          `${describe(server.gateway)} server ${describeServer(server)} terminates TLS with its own certificate (SIMPLE), but the sidecar's ISTIO_MUTUAL expects the gateway's mesh certificate`,
          expect.connectFailure(req),
        );
      }
      return { server };
  }
}

/** The gateway proxy at the server that took the connection. */
interface AtServer {
  ctx: SimulationContext;
  t: Trace;
  x: ToGateway;
  server: GatewayServer;
  proxy: ProxyView;
  /** The servers whose Gateways' VirtualServices make the HTTP route table the server uses. */
  routeTable: readonly GatewayServer[];
}

/** Where the gateway's route sends the request, and the port it came in on. */
interface GatewayDestination {
  destination: RouteDestination;
  listenPort: number;
}

/** The HTTP route of the gateway for the request's Host, from the VirtualServices bound to the server's Gateway. */
function gatewayHttpRoute(at: AtServer): GatewayDestination | Outcome {
  const { ctx, t, x, server } = at;
  const req = x.req;
  const table = at.routeTable.map((server) => ({ server, services: routingHost(at, server) }));
  const domain = virtualHostFor(at, table);
  const routes = catchAllsLast(table.flatMap((part) => serverHttpRoutes(at, part, domain)));
  if (routes.length === 0) {
    const gateways = [...new Set(at.routeTable.map((s) => describe(s.gateway)))].join(' or ');
    return outcome(
      'broken',
      `no VirtualService bound to ${gateways} routes Host ${req.host} on port ${server.port} at the gateway`,
      expect.noRoute(),
    );
  }
  const hit = firstMatching(t, 'egress-gateway', routes, req);
  if (!hit)
    return outcome(
      'broken',
      `the gateway routes for Host ${req.host} do not match ${req.method} ${req.path}`,
      expect.noRoute(),
    );
  t.decide(
    'egress-gateway',
    `${describe(hit.vs)} http[${hit.index}] routes it at the gateway`,
    hit.vs,
    hit.path,
  );
  noteMirrors(t, ctx.index, hit.vs, hit.route, ['spec', 'http', hit.index], x.gateway.namespace);
  return destinationOf(t, x, hit.vs, hit.route, ['spec', 'http', hit.index], server.port);
}

function destinationOf(
  t: Trace,
  x: ToGateway,
  vs: Resource,
  route: JsonObject,
  path: FieldPath,
  listenPort: number,
): GatewayDestination | Outcome {
  if (isObject(route.directResponse)) {
    const status = Number(get(route, ['directResponse', 'status']) ?? 0);
    return outcome(
      'blocked-unregistered',
      `${describe(vs)} answers with a direct response ${status} at the gateway`,
      expect.directResponse(status),
    );
  }
  // route.go translateRoute: a redirect is the route's whole action.
  if (isObject(route.redirect)) {
    const status = Number(route.redirect.redirectCode ?? 301);
    return outcome(
      'blocked-unregistered',
      `${describe(vs)} answers with a redirect at the gateway; the request goes no further`,
      `HTTP ${status} redirect from the gateway`,
    );
  }
  const destination = pickDestination(t, 'egress-gateway', vs, path, route);
  if (!destination)
    return outcome(
      'broken',
      `${describe(vs)} ${path.join('.')} has no destination the simulator can follow (redirect or delegate)`,
      expect.connectFailure(x.req),
    );
  return { destination, listenPort };
}

/** The gateway proxy as one server's Gateway binds VirtualServices to it. */
function serverProxy(at: AtServer, server: GatewayServer): ProxyView {
  return { ...at.proxy, gateway: gatewayRef(server.gateway) };
}

/** The VirtualServices of a server of the route table with routes for the request's Host on its port. */
function routingHost(at: AtServer, server: GatewayServer): Resource[] {
  const proxy = serverProxy(at, server);
  return boundToServer({ ...at, server })
    .forHost(at.x.req.host)
    .filter((vs) => builtHttpRoutes(vs, proxy, server.port).length > 0);
}

/** A server of the gateway's HTTP route table and its VirtualServices for the request's Host. */
interface TablePart {
  server: GatewayServer;
  services: readonly Resource[];
}

/**
 * The domain of the virtual host Envoy takes for the request's Host: of the virtual hosts the route
 * table's VirtualServices make (virtualHostDomains), the most specific match. Routes of the others do
 * not apply, however old their Gateway or VirtualService. Undefined: every VirtualService applies.
 */
function virtualHostFor(at: AtServer, table: readonly TablePart[]): string | undefined {
  // One VirtualService makes the only virtual hosts there are (the usual egress gateway route).
  if (table.reduce((n, part) => n + part.services.length, 0) < 2) return undefined;
  const domains = [
    ...new Set(
      table.flatMap(({ server, services }) =>
        services.flatMap((vs) => virtualHostDomains(server, vs)),
      ),
    ),
  ];
  const domain = mostSpecificMatch(domains, at.x.req.host);
  if (domain && domains.length > 1)
    at.t.decide(
      'egress-gateway',
      `of the gateway's virtual hosts for Host ${at.x.req.host} on port ${at.server.port} (${domains.join(', ')}), Envoy takes the most specific, ${domain}: the routes of the others do not apply`,
    );
  return domain;
}

/**
 * One server's part of the gateway's route table for the request's virtual host: its Gateway's
 * VirtualServices with that domain, oldest first (buildGatewayHTTPRouteConfig appends them server
 * by server).
 */
function serverHttpRoutes(
  at: AtServer,
  { server, services }: TablePart,
  domain: string | undefined,
): BuiltRoute[] {
  const inVirtualHost =
    domain === undefined
      ? services
      : services.filter((vs) => virtualHostDomains(server, vs).includes(domain));
  const what = `Host ${at.x.req.host} on port ${server.port}`;
  const proxy = serverProxy(at, server);
  return byRankAndAge(at, what, inVirtualHost).flatMap((vs) =>
    builtHttpRoutes(vs, proxy, server.port),
  );
}

function boundToServer({ ctx, x, server }: AtServer): ServerVirtualServices {
  return serverVirtualServices(server, x.gateway.namespace, () =>
    ctx.index.virtualServicesForGateway(server.gateway, x.gateway.namespace),
  );
}

/** The VirtualServices bound to the server's Gateway with a host the server takes. */
function boundTo(at: AtServer): readonly Resource[] {
  return boundToServer(at).admitted;
}

/**
 * VirtualServices in the order the gateway takes them: by lookup rank for the gateway pods'
 * namespace, and within a rank oldest first (creation order: the one this run takes as oldest first).
 */
function byRankAndAge({ t, x }: AtServer, what: string, services: readonly Resource[]): Resource[] {
  const ns = x.gateway.namespace;
  return [0, 1, 2].flatMap((rank) => [
    ...t.inCreationOrder(
      'egress-gateway',
      what,
      services.filter((vs) => lookupRank(vs, ns) === rank),
    ),
  ]);
}

/** `of` and every item of `all` linked to one of them by a shared host, in the order of `all`. */
function sharingHosts<T>(
  all: readonly T[],
  of: readonly T[],
  hostsOf: (item: T) => readonly string[],
): T[] {
  const picked = new Set(of);
  const hosts = new Set(of.flatMap(hostsOf));
  for (let grew = true; grew;) {
    grew = false;
    for (const item of all) {
      if (picked.has(item) || !hostsOf(item).some((h) => hosts.has(h))) continue;
      picked.add(item);
      hostsOf(item).forEach((h) => hosts.add(h));
      grew = true;
    }
  }
  return all.filter((item) => picked.has(item));
}

interface SniChain {
  vs: Resource;
  index: number;
  route: JsonObject;
  hosts: string[];
}

/**
 * The first route of one block (`tcp`, `tls`) that `takes` the connection, of the first
 * VirtualService (in the gateway's order) that has one.
 */
function firstL4Route(
  at: AtServer,
  block: 'tcp' | 'tls',
): { vs: Resource; index: number; route: JsonObject } | undefined {
  const { proxy, server } = at;
  const takes = (matches: WrittenMatch[]): boolean =>
    matchesApplyingTo(matches, proxy, server.port).length > 0;
  const routeOf = (vs: Resource) =>
    l4Routes(vs, block).find(
      (r) => (r.matches.length === 0 && block === 'tcp') || takes(r.matches),
    );
  const candidates = boundTo(at).filter((vs) => routeOf(vs) !== undefined);
  const [vs] = byRankAndAge(at, `the ${block} route of port ${at.server.port}`, candidates);
  return vs ? { vs, ...routeOf(vs)! } : undefined;
}

/** Terminated TLS (or plain TCP) server: the first tcp route of the bound VirtualServices wins, one per server. */
function gatewayTcpRoute(at: AtServer): GatewayDestination | Outcome {
  const { t, x, server } = at;
  const found = firstL4Route(at, 'tcp');
  if (!found)
    return outcome(
      'broken',
      `no VirtualService bound to ${describe(server.gateway)} has a tcp route for port ${server.port}, so Istio builds no filter chain for this server`,
      expect.connectFailure(x.req),
    );
  const { vs, index, route } = found;
  t.decide(
    'egress-gateway',
    `${describe(vs)} tcp[${index}] is the route of this server (Istio builds one tcp route per terminated TLS server: the first VirtualService wins)`,
    vs,
    ['spec', 'tcp', index],
  );
  return destinationOf(t, x, vs, route, ['spec', 'tcp', index], server.port);
}

/**
 * PASSTHROUGH server: tls routes by the SNI of the connection. Istio builds a filter chain per tls
 * match of the bound VirtualServices, oldest first, skipping a match that repeats an SNI host already
 * taken on the port (gateway.go buildGatewayNetworkFiltersFromTLSRoutes, CheckDuplicates); Envoy
 * takes the chain with the most specific server name.
 */
function gatewayTlsRoute(at: AtServer, sni: string | undefined): GatewayDestination | Outcome {
  const { t, x, server, proxy } = at;
  const chainsOf = (vs: Resource): SniChain[] =>
    l4Routes(vs, 'tls').flatMap(({ index, route, matches }) =>
      matchesApplyingTo(matches, proxy, server.port).map((m) => ({
        vs,
        index,
        route,
        hosts: sniHostsOf(m.match),
      })),
    );
  const withChains = boundTo(at).filter((vs) => chainsOf(vs).length > 0);
  const matching = withChains.filter((vs) =>
    chainsOf(vs).some((c) => c.hosts.some((h) => sniMatches(h, sni))),
  );
  // A VirtualService that lists a host of a matching one may take it first and drop its match
  // (CheckDuplicates), so its age counts too.
  const candidates = sharingHosts(withChains, matching, (vs) =>
    chainsOf(vs).flatMap((c) => c.hosts),
  );
  const chains = byRankAndAge(at, `the tls routes of port ${server.port}`, candidates).flatMap(
    chainsOf,
  );
  const found = sniChooser(chains, (c) => c.hosts)(sni);
  if (!found)
    return outcome(
      'broken',
      `no tls route bound to ${describe(server.gateway)} matches SNI ${sni ?? '(none)'} on port ${server.port}`,
      expect.connectFailure(x.req),
    );
  const { vs, index, route } = found;
  t.decide('egress-gateway', `${describe(vs)} tls[${index}] matches SNI ${sni}`, vs, [
    'spec',
    'tls',
    index,
  ]);
  return destinationOf(t, x, vs, route, ['spec', 'tls', index], server.port);
}
