/**
 * Mirrors of the HTTP route that decides a request: what each copy needs to be sent (a service the
 * proxy knows, the subset in the DestinationRule it uses), said as notes. Not a verdict: Envoy sends
 * the copies fire and forget, so the request's outcome never depends on them (issue 11).
 */
import type { FieldPath } from '../model/field-path.js';
import { mirrorReach, mirrorsOf, type IstioIndex } from '../model/istio.js';
import { describe, type Resource } from '../model/resource.js';
import type { Trace } from './trace.js';

/** Notes on the mirrors of `vs`'s HTTP route at `routePath`, for a proxy in `namespace`. */
export function noteMirrors(
  t: Trace,
  index: IstioIndex,
  vs: Resource,
  route: unknown,
  routePath: FieldPath,
  namespace: string,
): void {
  if (routePath[1] !== 'http') return;
  for (const mirror of mirrorsOf(vs, route, routePath.slice(0, 3))) {
    const { host, subset } = mirror;
    const target = subset ? `${host} (subset ${subset})` : host;
    const { routed, unregistered, subsetMissing } = mirrorReach(index, mirror, namespace);
    // An ExternalName alias sends the copies to the host it names (route.go), one alias deep.
    const to = routed.host;
    const needs = [
      unregistered
        ? routed.aliasAgain
          ? `a service for ${to}, which is an ExternalName alias too (a mirror follows one alias; Istio builds no cluster for an alias)`
          : `a service for ${to} visible in ${namespace} (none is)`
        : undefined,
      subsetMissing
        ? `subset ${subset} in the DestinationRule for ${to} that ${namespace} uses (none defines it)`
        : undefined,
    ].filter((x): x is string => x !== undefined);
    t.note(
      `${describe(vs)} ${routePath.slice(1, 3).join('[')}] also mirrors a copy of the request to ${target}${routed.alias ? `, an ExternalName alias of ${to}` : ''}, which does not change this outcome; ${
        needs.length > 0
          ? `the copies are dropped: they need ${needs.join(' and ')}`
          : 'the proxy knows that service, so the copies are sent'
      }`,
    );
  }
}
