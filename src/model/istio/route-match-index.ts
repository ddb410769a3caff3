/**
 * The matches of one route that a proxy gets (routeMatchAppliesTo), found without testing each: a
 * policy's rendered route holds a match per `from` namespace, and every simulated request from each
 * of those namespaces tested all of them, so the access matrix grew with the square of the
 * namespaces. Per gateway (`mesh` for sidecars) a match either does not apply, applies to one
 * source namespace, or to any; a lookup takes the last two kinds for the proxy's namespace.
 */
import { routeMatchAppliesTo, scopeOfMatch, type ProxyView, type RouteMatchRef } from './routes.js';

/** Shorter lists are tested match by match: cheaper than an index, and no memory per route. */
const INDEXED_FROM = 16;

/** Positions, in the route, of the matches that apply on one gateway: for any source, per source namespace. */
interface OnGateway {
  anySource: number[];
  bySourceNamespace: Map<string, number[]>;
}

/** Per (never changed) list of a route's matches (routesOf), per gateway asked about. */
const indexes = new WeakMap<readonly RouteMatchRef[], Map<string, OnGateway>>();

/**
 * `matches.filter((m) => routeMatchAppliesTo(m, proxy, port))`, in the same order, for a route's
 * matches as routesOf reads them (the same list every time).
 */
export function matchesApplyingTo<M extends RouteMatchRef>(
  matches: readonly M[],
  proxy: ProxyView,
  port: number,
): M[] {
  const applies = (m: M): boolean => routeMatchAppliesTo(m, proxy, port);
  if (matches.length < INDEXED_FROM) return matches.filter(applies);
  const on = onGateway(matches, proxy.gateway);
  const positions = mergeSorted(on.anySource, on.bySourceNamespace.get(proxy.namespace) ?? []);
  return positions.map((i) => matches[i]!).filter(applies);
}

function onGateway(matches: readonly RouteMatchRef[], gateway: string): OnGateway {
  let byGateway = indexes.get(matches);
  if (!byGateway) indexes.set(matches, (byGateway = new Map()));
  let on = byGateway.get(gateway);
  if (!on) {
    on = { anySource: [], bySourceNamespace: new Map() };
    matches.forEach((m, i) => {
      const scope = scopeOfMatch(m, gateway);
      if (!scope.applies) return;
      if (scope.sourceNamespace === undefined) return void on!.anySource.push(i);
      const list = on!.bySourceNamespace.get(scope.sourceNamespace);
      if (list) list.push(i);
      else on!.bySourceNamespace.set(scope.sourceNamespace, [i]);
    });
    byGateway.set(gateway, on);
  }
  return on;
}

/** Two ascending lists of distinct positions as one ascending list. */
function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  if (b.length === 0) return [...a];
  if (a.length === 0) return [...b];
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}
