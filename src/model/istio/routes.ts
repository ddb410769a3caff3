/**
 * VirtualService routes and where Istio builds them: gateway binding, route matches per proxy, SNI
 * matching.
 */
import type { FieldPath } from '../field-path.js';
import { matchesSelector } from '../mesh.js';
import { get, isObject, type JsonObject, type Resource } from '../resource.js';
import { stringList } from './hosts.js';
import type { Workload } from './workloads.js';

export const MESH = 'mesh';

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
      const matches: RouteMatchRef[] = matchList.flatMap((m, i) =>
        isObject(m) ? [{ match: m, index: i, path: [...path, 'match', i] }] : [],
      );
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
export function matchScope(
  vs: Resource,
  kind: RouteKind,
  match: JsonObject | undefined,
  gateway: string,
): MatchScope {
  const bound = vsGateways(vs).includes(gateway);
  const own = stringList(get(match, ['gateways'])).map((g) => normalizeGatewayRef(g, vs.namespace));
  const labels = get(match, ['sourceLabels']);
  const sourceLabels =
    isObject(labels) && Object.keys(labels).length > 0
      ? (labels as Record<string, string>)
      : undefined;
  const ns = get(match, ['sourceNamespace']);
  const sourceNamespace = typeof ns === 'string' && ns ? ns : undefined;
  const applies = bound && (own.length === 0 || own.includes(gateway));
  const honoured = kind === 'http' ? own.length === 0 : gateway === MESH;
  if (!honoured)
    return { applies, sourceIgnored: sourceLabels !== undefined || sourceNamespace !== undefined };
  return {
    applies,
    ...(sourceNamespace ? { sourceNamespace } : {}),
    ...(sourceLabels ? { sourceLabels } : {}),
    sourceIgnored: false,
  };
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
export function matchAppliesTo(
  vs: Resource,
  kind: RouteKind,
  match: JsonObject | undefined,
  proxy: ProxyView,
  port: number,
): boolean {
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
  return pattern.startsWith('*.')
    ? sni.toLowerCase().endsWith(pattern.slice(1).toLowerCase())
    : pattern.toLowerCase() === sni.toLowerCase();
}
