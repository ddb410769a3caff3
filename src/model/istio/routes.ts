/**
 * VirtualService routes and where Istio builds them: gateway binding, route matches per proxy, SNI
 * matching.
 */
import type { FieldPath } from '../field-path.js';
import { matchesSelector } from '../mesh.js';
import { get, isObject, type JsonObject, type Resource } from '../resource.js';
import { stringList } from './hosts.js';
import { resolveGatewayName, resolveHostOf } from './names.js';
import type { Workload } from './workloads.js';

export const MESH = 'mesh';

/** A gateway reference as Istio resolves it: `mesh`, or `namespace/name` (resolveGatewayName). */
export function normalizeGatewayRef(ref: string, fromNamespace: string): string {
  return ref === MESH ? MESH : resolveGatewayName(ref, fromNamespace);
}

/** A VirtualService's hosts, resolved against its namespace (virtualservice.go), read once. */
const hostsCache = new WeakMap<Resource, readonly string[]>();

export function virtualServiceHosts(vs: Resource): readonly string[] {
  let hosts = hostsCache.get(vs);
  if (!hosts) {
    const written = get(vs.body, ['spec', 'hosts']);
    hosts = writtenWhenSame(
      stringList(written).map((h) => resolveHostOf(vs, h)),
      written,
    );
    hostsCache.set(vs, hosts);
  }
  return hosts;
}

/**
 * The list as written when `read` holds the same items (hosts already fully qualified, gateways
 * already `namespace/name`): readings kept for every VirtualService and match share the resource's
 * own read-only list instead of a copy each.
 */
function writtenWhenSame(read: readonly string[], written: unknown): readonly string[] {
  return Array.isArray(written) &&
    written.length === read.length &&
    read.every((x, i) => x === written[i])
    ? (written as string[])
    : read;
}

/** `[mesh]`: the gateways of a VirtualService that names none (frozen: shared by every one). */
export const MESH_ONLY: readonly string[] = Object.freeze([MESH]);

/** vsGateways, read once per VirtualService (every rule and route match asks). */
const gatewaysCache = new WeakMap<Resource, readonly string[]>();

/** The gateways a VirtualService applies to; none listed means the sidecars (`mesh`). */
export function vsGateways(vs: Resource): readonly string[] {
  let gateways = gatewaysCache.get(vs);
  if (!gateways) {
    const written = get(vs.body, ['spec', 'gateways']);
    const listed = stringList(written);
    gateways =
      listed.length === 0
        ? MESH_ONLY
        : writtenWhenSame(
            listed.map((g) => normalizeGatewayRef(g, vs.namespace)),
            written,
          );
    gatewaysCache.set(vs, gateways);
  }
  return gateways;
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
  /** What matchScope reads of it, read once with the routes (see scopeOfMatch). */
  readonly conditions: MatchConditions;
}

export interface RouteDestinationRef {
  /** The host resolved as Istio resolves it (a short name is a Service in the VirtualService's namespace). */
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
  readonly matches: readonly RouteMatchRef[];
  readonly destinations: readonly RouteDestinationRef[];
}

const routeCache = new WeakMap<Resource, VsRoute[]>();

/*
 * Every route of the config set is kept, with its matches and destinations: their field paths are
 * built when asked (findings, traces), from the route's kind and index, rather than stored. Stored,
 * they were most of the routes' memory at thousands of gateways. Classes, so the getters are shared.
 *
 * Most routes have one match and one destination (every rendered route does): a route keeps that
 * one itself and hands out a list of it when asked, since a list kept per route and kind cost as
 * much memory as the match and destination objects together (two lists per route, 33 routes per
 * egress gateway). Longer lists are kept as they are (route-match-index keys its memo by them).
 */
const NO_MATCHES: readonly RouteMatchRef[] = Object.freeze([]);
const NO_DESTINATIONS: readonly RouteDestinationRef[] = Object.freeze([]);

class RouteAt implements VsRoute {
  /** The route's match (or list of two or more). */
  private matchKept: RouteMatchRef | readonly RouteMatchRef[] = NO_MATCHES;
  /** The route's destination, or its list when it has none or several. */
  private destinationKept: RouteDestinationRef | readonly RouteDestinationRef[] = NO_DESTINATIONS;
  constructor(
    readonly vs: Resource,
    /** The VirtualService's gateways (vsGateways). */
    readonly bound: readonly string[],
    readonly kind: RouteKind,
    readonly index: number,
    readonly route: JsonObject,
  ) {}

  get path(): FieldPath {
    return ['spec', this.kind, this.index];
  }

  get matches(): readonly RouteMatchRef[] {
    const m = this.matchKept;
    return isList(m) ? m : [m];
  }

  set matches(list: readonly RouteMatchRef[]) {
    this.matchKept = list.length === 1 ? list[0]! : list;
  }

  get destinations(): readonly RouteDestinationRef[] {
    const d = this.destinationKept;
    return isList(d) ? d : [d];
  }

  set destinations(list: readonly RouteDestinationRef[]) {
    this.destinationKept =
      list.length === 1 ? list[0]! : list.length === 0 ? NO_DESTINATIONS : list;
  }
}

function isList<T>(x: T | readonly T[]): x is readonly T[] {
  return Array.isArray(x);
}

/** A match and its conditions in one object (one per route match of the config set). */
class MatchAt implements RouteMatchRef, MatchConditions {
  readonly gateways: readonly string[];
  readonly sourceLabels: Readonly<Record<string, string>> | undefined;
  readonly sourceNamespace: string | undefined;
  applyingScope: MatchScope | undefined = undefined;
  notApplyingScope: MatchScope | undefined = undefined;
  constructor(
    private readonly of: RouteAt,
    readonly match?: JsonObject,
    readonly index?: number,
  ) {
    const source = readSource(of.vs, match);
    this.gateways = source.gateways;
    this.sourceLabels = source.sourceLabels;
    this.sourceNamespace = source.sourceNamespace;
  }

  get conditions(): MatchConditions {
    return this;
  }

  get vs(): Resource {
    return this.of.vs;
  }

  get kind(): RouteKind {
    return this.of.kind;
  }

  get bound(): readonly string[] {
    return this.of.bound;
  }

  /** A route without matches stands for its one catch-all match: the route's own path. */
  get path(): FieldPath {
    return this.index === undefined ? this.of.path : this.of.path.concat('match', this.index);
  }
}

class DestinationAt implements RouteDestinationRef {
  subset?: string;
  port?: number;
  constructor(
    readonly host: string,
    private readonly of: RouteAt,
    private readonly at: number,
  ) {}

  get path(): FieldPath {
    return this.of.path.concat('route', this.at, 'destination');
  }
}

/**
 * The http, tls and tcp routes of a VirtualService with their matches and destinations (read once).
 * Lists are built at their exact size (map), since every route of the config set is kept: spread and
 * push leave spare capacity that costs more memory than the route itself.
 */
export function routesOf(vs: Resource): readonly VsRoute[] {
  const cached = routeCache.get(vs);
  if (cached) return cached;
  const out: VsRoute[] = [];
  const spec = get(vs.body, ['spec']);
  if (!isObject(spec)) {
    routeCache.set(vs, out);
    return out;
  }
  const bound = vsGateways(vs);
  for (const kind of ROUTE_KINDS) {
    const routes = spec[kind];
    if (!Array.isArray(routes)) continue;
    routes.forEach((route: unknown, index) => {
      if (!isObject(route)) return;
      const at = new RouteAt(vs, bound, kind, index, route);
      const matchList = Array.isArray(route.match) ? route.match : [];
      at.matches = exactFilterMap(matchList, (m: unknown, i): RouteMatchRef | undefined =>
        isObject(m) ? new MatchAt(at, m, i) : undefined,
      );
      if (at.matches.length === 0) at.matches = [new MatchAt(at)];
      at.destinations = exactFilterMap(
        Array.isArray(route.route) ? route.route : [],
        (r: unknown, i): RouteDestinationRef | undefined => {
          const dest = get(r, ['destination']);
          if (!isObject(dest) || typeof dest.host !== 'string') return undefined;
          const port = get(dest, ['port', 'number']);
          const ref = new DestinationAt(resolveHostOf(vs, dest.host), at, i);
          if (typeof dest.subset === 'string' && dest.subset) ref.subset = dest.subset;
          if (typeof port === 'number') ref.port = port;
          return ref;
        },
      );
      out.push(at);
    });
  }
  // Kept at its exact size: push leaves up to 16 spare slots, more than most VirtualServices' routes.
  const exact = out.slice();
  routeCache.set(vs, exact);
  return exact;
}

/** `list.map(fn)` without the undefined results, at its exact size (no spare capacity). */
function exactFilterMap<T, R>(list: readonly T[], fn: (item: T, i: number) => R | undefined): R[] {
  const mapped = list.map(fn);
  return mapped.includes(undefined)
    ? mapped.filter((x): x is R => x !== undefined)
    : (mapped as R[]);
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
  readonly applies: boolean;
  /** The namespace it is limited to, when Istio honours `sourceNamespace` there. */
  readonly sourceNamespace?: string;
  /** The labels it is limited to, when Istio honours `sourceLabels` there. */
  readonly sourceLabels?: Readonly<Record<string, string>>;
  /**
   * `sourceLabels`/`sourceNamespace` are written but ignored: Istio skips them in an HTTP match that
   * names gateways (pilot/pkg/networking/core/route/route.go, sourceMatchHTTP), and in any TLS or TCP
   * match on a gateway (gateway.go l4SingleMatch checks only port and gateways).
   */
  readonly sourceIgnored: boolean;
}

/** A route match as matchScope reads it. */
export interface MatchConditions {
  readonly vs: Resource;
  readonly kind: RouteKind;
  /** The VirtualService's gateways (vsGateways). */
  readonly bound: readonly string[];
  /** The match's own gateways, namespace-qualified. */
  readonly gateways: readonly string[];
  readonly sourceLabels?: Readonly<Record<string, string>>;
  readonly sourceNamespace?: string;
  /**
   * The match's scopes with its source conditions, where it applies and where it does not, once
   * asked (every rule and the simulator ask about the same gateways). Every other scope is a shared
   * constant, and these two do not depend on the gateway otherwise (see scopeOn).
   */
  applyingScope: MatchScope | undefined;
  notApplyingScope: MatchScope | undefined;
}

const NONE: readonly string[] = [];

function readMatchConditions(
  vs: Resource,
  bound: readonly string[],
  kind: RouteKind,
  match: JsonObject | undefined,
): MatchConditions {
  return {
    vs,
    kind,
    bound,
    ...readSource(vs, match),
    applyingScope: undefined,
    notApplyingScope: undefined,
  };
}

/** A match's own gateways (namespace-qualified) and source conditions; absent ones undefined. */
function readSource(
  vs: Resource,
  match: JsonObject | undefined,
): Pick<MatchConditions, 'gateways' | 'sourceLabels' | 'sourceNamespace'> {
  const labels = match?.sourceLabels;
  const ns = match?.sourceNamespace;
  const own = match ? stringList(match.gateways) : NONE;
  return {
    gateways:
      own.length === 0
        ? NONE
        : writtenWhenSame(
            own.map((g) => normalizeGatewayRef(g, vs.namespace)),
            match?.gateways,
          ),
    sourceLabels:
      isObject(labels) && Object.keys(labels).length > 0
        ? (labels as Record<string, string>)
        : undefined,
    sourceNamespace: typeof ns === 'string' && ns ? ns : undefined,
  };
}

/**
 * Where a route match applies, the way Istio builds routes: the VirtualService must be bound to the
 * gateway (`mesh` for sidecars), a match's own `gateways` narrow that. Source labels and namespace
 * limit HTTP matches that name no gateways (on sidecars and gateways alike, sourceMatchHTTP) and
 * TLS/TCP matches on sidecars (tls.go matchTLS/matchTCP); elsewhere Istio ignores them. For a match
 * read by routesOf, scopeOfMatch answers the same from what was read once.
 */
export function matchScope(
  vs: Resource,
  kind: RouteKind,
  match: JsonObject | undefined,
  gateway: string,
): MatchScope {
  return scopeOn(readMatchConditions(vs, vsGateways(vs), kind, match), gateway);
}

/** matchScope of a match read by routesOf, on the proxies of `gateway`. */
export function scopeOfMatch(m: RouteMatchRef, gateway: string): MatchScope {
  return scopeOn(m.conditions, gateway);
}

function scopeOn(m: MatchConditions, gateway: string): MatchScope {
  const own = m.gateways;
  const applies = m.bound.includes(gateway) && (own.length === 0 || own.includes(gateway));
  const honoured = m.kind === 'http' ? own.length === 0 : gateway === MESH;
  const sourced = m.sourceLabels !== undefined || m.sourceNamespace !== undefined;
  if (!honoured || !sourced) return PLAIN_SCOPES[`${applies}|${!honoured && sourced}`];
  // With its source conditions honoured, a match's scope differs between gateways only in `applies`.
  return applies
    ? (m.applyingScope ??= sourcedScope(m, true))
    : (m.notApplyingScope ??= sourcedScope(m, false));
}

function sourcedScope(m: MatchConditions, applies: boolean): MatchScope {
  return {
    applies,
    ...(m.sourceNamespace ? { sourceNamespace: m.sourceNamespace } : {}),
    ...(m.sourceLabels ? { sourceLabels: m.sourceLabels } : {}),
    sourceIgnored: false,
  };
}

/** The scopes without source conditions, shared. */
const PLAIN_SCOPES: Record<`${boolean}|${boolean}`, MatchScope> = {
  'true|true': { applies: true, sourceIgnored: true },
  'true|false': { applies: true, sourceIgnored: false },
  'false|true': { applies: false, sourceIgnored: true },
  'false|false': { applies: false, sourceIgnored: false },
};

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
  return appliesWith(matchScope(vs, kind, match, proxy.gateway), match, proxy, port);
}

/** matchAppliesTo of a match read by routesOf (its conditions and scopes are read once). */
export function routeMatchAppliesTo(m: RouteMatchRef, proxy: ProxyView, port: number): boolean {
  return appliesWith(scopeOfMatch(m, proxy.gateway), m.match, proxy, port);
}

function appliesWith(
  scope: MatchScope,
  match: JsonObject | undefined,
  proxy: ProxyView,
  port: number,
): boolean {
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
