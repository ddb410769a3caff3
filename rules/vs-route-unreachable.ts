import { isDeepStrictEqual } from 'node:util';
import { defineRule } from '../src/lint/rule.js';
import { routesOf, type VsRoute } from '../src/model/istio.js';
import { KIND } from '../src/model/kinds.js';
import { convertedSourceOf, type JsonObject, type Resource } from '../src/model/resource.js';

/**
 * Envoy tries a VirtualService's routes in order and takes the first whose match fits, so a route all of
 * whose matches an earlier route already catches never applies (Istio's validation warns
 * "virtualService rule ... not used", pkg/config/validation/validation.go analyzeUnreachableHTTPRules).
 * Its traffic goes where the earlier route sends it. Whether that is wrong depends on which route the
 * author meant, which the repository cannot show (Istio's samples keep such routes on purpose, e.g.
 * bookinfo fault-injection-details-v1.yaml), so this is a warning, as in Istio's validation.
 */
export default defineRule({
  meta: {
    id: 'vs-route-unreachable',
    severity: 'warning',
    description:
      'VirtualService route that can never match: an earlier route of the same VirtualService catches all its traffic (a route without match, or a match with fewer conditions)',
    kinds: ['VirtualService'],
  },
  check({ index, report }) {
    for (const vs of index.ofKind(KIND.virtualService)) {
      // Rendered routes follow from the policy, whose own rules (duplicate-source) report overlaps.
      if (vs.rendered) continue;
      const earlier = new Map<string, VsRoute[]>();
      for (const route of routesOf(vs)) {
        // In a VirtualService Istio merges from several Gateway API routes, the order between two
        // routes' rules is Istio's (match precedence, then creation order), nobody's to move.
        const before = (earlier.get(route.kind) ?? []).filter(
          (e) => sourceOf(vs, e) === sourceOf(vs, route),
        );
        const catcher = before.find((e) =>
          route.matches.every((m) => e.matches.some((em) => catches(em.match, m.match))),
        );
        if (catcher) {
          const same = isDeepStrictEqual(behaviour(catcher.route), behaviour(route.route));
          const name = `${route.kind}[${route.index}]`;
          const by = `${catcher.kind}[${catcher.index}]`;
          report({
            resource: vs,
            path: route.path,
            message: same
              ? `${name} never applies: ${by} comes first and catches all its traffic, doing the same; remove ${name}`
              : `${name} never applies: ${by} comes first and catches all its traffic${catcher.matches.some((m) => m.match === undefined) ? ' (a route without match catches everything)' : ''}, so that traffic goes where ${by} sends it; move ${name} above ${by}, or narrow ${by}'s match`,
          });
        }
        earlier.set(route.kind, [...(earlier.get(route.kind) ?? []), route]);
      }
    }
  },
});

/** The object a route was written in: the VirtualService, or the Gateway API route it comes from. */
function sourceOf(vs: Resource, route: VsRoute): Resource {
  return convertedSourceOf(vs, route.path) ?? vs;
}

/**
 * Whether every request `later` matches is matched by `first`: the conditions of a match are ANDed, so
 * a match whose conditions are all in the other (same values) catches it; no match catches everything.
 * Exceptions: Istio ignores source conditions in an HTTP match that names gateways (route.go
 * sourceMatchHTTP), so a sourced match without gateways does not catch one with gateways; and
 * `ignoreUriCase` makes a match wider.
 */
function catches(first: JsonObject | undefined, later: JsonObject | undefined): boolean {
  if (first === undefined) return true;
  if (later === undefined) return conditions(first).length === 0;
  const sourced = first.sourceLabels !== undefined || first.sourceNamespace !== undefined;
  if (sourced && first.gateways === undefined && later.gateways !== undefined) return false;
  // ignoreUriCase widens the later match beyond the first's case-sensitive uri.
  if (later.ignoreUriCase === true && first.ignoreUriCase !== true) return false;
  return conditions(first).every((k) => k in later && isDeepStrictEqual(first[k], later[k]));
}

/** A match's conditions: its fields but the name, which only labels it. */
function conditions(match: JsonObject): string[] {
  return Object.keys(match).filter((k) => k !== 'name');
}

/** What a route does once matched: everything but its match and name. */
function behaviour(route: JsonObject): JsonObject {
  const { match: _match, name: _name, ...rest } = route;
  return rest;
}
