/**
 * VirtualService routes as one proxy sees them: which HTTP routes Istio builds for it on a port, which
 * of those a request matches at run time, and which destination a route sends to.
 */
import type { FieldPath } from '../model/field-path.js';
import {
  httpRoutePrecedence,
  matchesApplyingTo,
  resolveHostOf,
  routesOf,
  stringList,
  type ProxyView,
  type RouteMatchRef,
} from '../model/istio.js';
import {
  convertedSourceOf,
  describe,
  get,
  identityKey,
  isObject,
  type JsonObject,
  type Resource,
} from '../model/resource.js';
import type { Trace } from './trace.js';
import type { AppRequest, Stage } from './types.js';

export interface BuiltRoute {
  vs: Resource;
  /** spec.http[index] */
  index: number;
  route: JsonObject;
  /** The match that admitted it (undefined: the route has no match). */
  match?: JsonObject;
  path: FieldPath;
}

const L7_FIELDS = [
  'uri',
  'scheme',
  'method',
  'authority',
  'headers',
  'queryParams',
  'withoutHeaders',
];

/** A match with no run-time condition: every request that reaches it matches (Istio's IsCatchAllRoute). */
function isCatchAll(match: JsonObject | undefined): boolean {
  if (!match) return true;
  const uri = match.uri;
  const uriIsAll =
    uri === undefined || (isObject(uri) && uri.prefix === '/' && Object.keys(uri).length === 1);
  return uriIsAll && L7_FIELDS.filter((f) => f !== 'uri').every((f) => match[f] === undefined);
}

/**
 * The HTTP routes Istio builds from one VirtualService for this proxy and listener port
 * (BuildHTTPRoutesForVirtualService): matches that do not apply to the proxy are dropped, and nothing
 * after a catch-all is kept. An empty list means Istio drops the VirtualService for this proxy.
 */
export function builtHttpRoutes(vs: Resource, proxy: ProxyView, listenPort: number): BuiltRoute[] {
  const out: BuiltRoute[] = [];
  for (const { kind, index, route, matches } of routesOf(vs)) {
    if (kind !== 'http') continue;
    let catchAll = false;
    for (const m of matchesApplyingTo(matches, proxy, listenPort)) {
      const { match, path } = m;
      out.push({ vs, index, route, ...(match ? { match } : {}), path });
      // A route without matches is one catch-all match.
      if (isCatchAll(match)) {
        catchAll = true;
        break;
      }
    }
    if (catchAll) break;
  }
  return out;
}

/** The tls or tcp routes of a VirtualService that send somewhere, with their matches (none: matches all). */
export function l4Routes(
  vs: Resource,
  kind: 'tls' | 'tcp',
): { index: number; route: JsonObject; matches: WrittenMatch[] }[] {
  return routesOf(vs)
    .filter((r) => r.kind === kind && Array.isArray(r.route.route) && r.route.route.length > 0)
    .map((r) => ({
      index: r.index,
      route: r.route,
      // routesOf reads a route without matches as one match without `match`: none written.
      matches: r.matches[0]?.match === undefined ? [] : (r.matches as WrittenMatch[]),
    }));
}

/** A route match written in the VirtualService (routesOf stands in an empty one for a route without). */
export type WrittenMatch = RouteMatchRef & { match: JsonObject };

/** Gateways merge routes of several VirtualServices for a host and move catch-alls last (SortVHostRoutes). */
export function catchAllsLast(routes: readonly BuiltRoute[]): BuiltRoute[] {
  return [
    ...routes.filter((r) => !isCatchAll(r.match)),
    ...routes.filter((r) => isCatchAll(r.match)),
  ];
}

/**
 * The first of `routes` that the request matches, as the proxy tries them. In a VirtualService Istio
 * merged from several Gateway API routes (mergeHTTPRoutes), rules of equal precedence keep the
 * routes' creation order, which the repository cannot show: where rules of more than one route tie
 * and match, this run takes the rule of the route it assumes oldest, and other runs the others.
 */
export function firstMatching(
  t: Trace,
  at: Stage,
  routes: readonly BuiltRoute[],
  req: AppRequest,
): BuiltRoute | undefined {
  const hit = routes.find((r) => {
    const m = requestMatches(r.match, req);
    if (m.unknown) t.note(`${describe(r.vs)} http[${r.index}]: ${m.unknown}`);
    return m.matches;
  });
  if (!hit?.vs.converted) return hit;
  // From all the VirtualService's rules: the proxy keeps none after a catch-all, which hides a tie
  // between the catch-alls of two routes.
  const precedence = precedenceOf(hit);
  const tied = writtenHttpRoutes(hit.vs).filter(
    (r) => precedenceOf(r) === precedence && requestMatches(r.match, req).matches,
  );
  const sources = [...new Set(tied.map(sourceRoute))];
  if (sources.length < 2) return hit;
  const oldest = t.oldest(
    at,
    `rules of equal precedence matching ${req.host}${req.path} in ${describe(hit.vs)}`,
    sources,
  );
  return tied.find((r) => sourceRoute(r) === oldest) ?? hit;
}

/** Every match of every http route of a VirtualService, as written. */
function writtenHttpRoutes(vs: Resource): BuiltRoute[] {
  return routesOf(vs)
    .filter((r) => r.kind === 'http')
    .flatMap(({ index, route, matches }) =>
      matches.map(({ match, path }) => ({ vs, index, route, ...(match ? { match } : {}), path })),
    );
}

const precedenceOf = (r: BuiltRoute): string => httpRoutePrecedence(r.route).join(',');
const sourceRoute = (r: BuiltRoute): Resource =>
  convertedSourceOf(r.vs, ['spec', 'http', r.index]) ?? r.vs;

export type MatchResult = { matches: boolean; unknown?: string };

function stringMatch(spec: unknown, value: string, ignoreCase = false): boolean | undefined {
  if (!isObject(spec)) return undefined;
  const v = ignoreCase ? value.toLowerCase() : value;
  const norm = (s: unknown): string => (ignoreCase ? String(s).toLowerCase() : String(s));
  if (typeof spec.exact === 'string') return v === norm(spec.exact);
  if (typeof spec.prefix === 'string') return v.startsWith(norm(spec.prefix));
  if (typeof spec.regex === 'string') {
    try {
      return new RegExp(`^(?:${spec.regex})$`).test(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Whether a request matches a route's run-time conditions (uri, method, authority, scheme, headers). */
export function requestMatches(match: JsonObject | undefined, req: AppRequest): MatchResult {
  if (!match) return { matches: true };
  const checks: [string, unknown, string][] = [
    ['uri', match.uri, req.path],
    ['method', match.method, req.method],
    ['authority', match.authority, req.host],
    ['scheme', match.scheme, req.scheme],
  ];
  for (const [field, spec, value] of checks) {
    if (spec === undefined) continue;
    const ok = stringMatch(spec, value, field === 'uri' && match.ignoreUriCase === true);
    if (ok === undefined) return { matches: false, unknown: `match.${field} cannot be evaluated` };
    if (!ok) return { matches: false };
  }
  for (const field of ['headers', 'queryParams', 'withoutHeaders'] as const) {
    const spec = match[field];
    if (!isObject(spec) || Object.keys(spec).length === 0) continue;
    const names = Object.keys(spec);
    // The Host header is the only one we know; any other depends on what the application sends.
    if (
      field === 'headers' &&
      names.every((n) => n.toLowerCase() === 'host' || n === ':authority')
    ) {
      if (names.every((n) => stringMatch(spec[n], req.host) === true)) continue;
      return { matches: false };
    }
    return {
      matches: false,
      unknown: `match.${field} (${names.join(', ')}) depends on what the application sends`,
    };
  }
  return { matches: true };
}

export interface RouteDestination {
  host: string;
  port?: number;
  subset?: string;
  path: FieldPath;
}

/** One destination of a route with the weight Istio gives its cluster. */
interface WeightedDestination extends RouteDestination {
  weight: number;
}

/**
 * The destinations a route sends traffic to, as Istio builds its clusters (route.go translateRoute,
 * networkfilter.go buildOutboundNetworkFiltersWithWeightedClusters): a single destination takes all
 * the traffic whatever its weight; of several, those of weight 0 (or none written) get no cluster.
 * Istio rejects several destinations whose weights are all 0; the first then stands for the route.
 * Hosts are resolved in the VirtualService's namespace.
 */
function routeShares(vs: Resource, routePath: FieldPath, route: JsonObject): WeightedDestination[] {
  const list = route.route;
  if (!Array.isArray(list)) return [];
  const weightOf = (d: unknown): number => {
    const w = get(d, ['weight']);
    return list.length === 1 ? 100 : typeof w === 'number' && w > 0 ? w : 0;
  };
  const kept = list.map((d, i) => ({ d, i, weight: weightOf(d) }));
  const weighted = kept.filter((k) => k.weight > 0);
  return (weighted.length > 0 ? weighted : kept.slice(0, 1)).flatMap(({ d, i, weight }) => {
    const host = get(d, ['destination', 'host']);
    if (typeof host !== 'string') return [];
    const port = get(d, ['destination', 'port', 'number']);
    const subset = get(d, ['destination', 'subset']);
    return [
      {
        host: resolveHostOf(vs, host.toLowerCase()),
        ...(typeof port === 'number' ? { port } : {}),
        ...(typeof subset === 'string' && subset ? { subset } : {}),
        path: [...routePath.slice(0, 3), 'route', i, 'destination'],
        weight: weight || 100,
      },
    ];
  });
}

/**
 * The destination this run follows: the route's only one, or of a traffic split the share the trace
 * assigns (the heaviest unless another run tries another share; see splits.ts).
 */
export function pickDestination(
  t: Trace,
  at: Stage,
  vs: Resource,
  routePath: FieldPath,
  route: JsonObject,
): RouteDestination | undefined {
  const shares = routeShares(vs, routePath, route);
  if (shares.length < 2) return shares[0];
  const where = `${describe(vs)} ${String(routePath[1])}[${String(routePath[2])}]`;
  const chosen =
    shares[
      t.share({
        // Envoy picks a weighted cluster at each proxy on its own: the same route at the sidecar and at
        // the gateway is two splits.
        key: `${identityKey(vs)}|${at}|${routePath.slice(1, 3).join('.')}`,
        route: where,
        weights: shares.map((s) => s.weight),
        destinations: shares.map(describeDestination),
      })
    ]!;
  t.decide(
    at,
    `${where} splits traffic over ${shares.length} destinations (weights ${shares.map((s) => s.weight).join(', ')}); this share goes to ${describeDestination(chosen)} (weight ${chosen.weight})`,
    vs,
    chosen.path,
  );
  return chosen;
}

/** `host[:port][ subset s]`, for the reader. */
export function describeDestination(d: RouteDestination): string {
  return `${d.host}${d.port !== undefined ? `:${d.port}` : ''}${d.subset ? ` subset ${d.subset}` : ''}`;
}

/** The sniHosts of a TLS match, or [] when it has none. */
export function sniHostsOf(match: unknown): string[] {
  return stringList(get(match, ['sniHosts']));
}
