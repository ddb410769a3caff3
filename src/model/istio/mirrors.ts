/**
 * HTTP mirrors (`mirror`, `mirrors[].destination`): a copy of each request sent to another service,
 * fire and forget. Istio builds a mirror like a route destination (route.go translateRoute, mirror
 * policies): the host resolved in the VirtualService's namespace must be a service the proxy knows and
 * the subset defined in the DestinationRule it uses, else the copies are dropped; the original
 * request's outcome never depends on them.
 */
import type { FieldPath } from '../field-path.js';
import { get, isObject, type Resource } from '../resource.js';
import { subsetsOf } from './destination-rules.js';
import { routedHost, type RoutedHost } from './external-name.js';
import type { IstioIndex } from './index.js';
import { resolveHostOf } from './names.js';

export interface Mirror {
  /** Resolved as Istio resolves a destination host. */
  host: string;
  subset?: string;
  /** Path of the destination object. */
  path: FieldPath;
}

/** The mirrors of an HTTP route of `vs` written at `routePath`. */
export function mirrorsOf(vs: Resource, route: unknown, routePath: FieldPath): Mirror[] {
  const out: Mirror[] = [];
  if (!isObject(route)) return out;
  const add = (dest: unknown, path: FieldPath): void => {
    if (!isObject(dest) || typeof dest.host !== 'string') return;
    out.push({
      host: resolveHostOf(vs, dest.host),
      path,
      ...(typeof dest.subset === 'string' && dest.subset ? { subset: dest.subset } : {}),
    });
  };
  add(route.mirror, [...routePath, 'mirror']);
  const list = route.mirrors;
  if (Array.isArray(list))
    list.forEach((m, i) =>
      add(get(m, ['destination']), [...routePath, 'mirrors', i, 'destination']),
    );
  return out;
}

/** What a mirror's copies lack for a proxy of one namespace; nothing lacking: they are sent. */
export interface MirrorReach {
  /** The host whose cluster the copies go to: for an ExternalName alias, the host it names. */
  routed: RoutedHost;
  /** No service for that host (or an alias of an alias, which has no cluster). */
  unregistered: boolean;
  /** The subset is not in the DestinationRule the proxy uses for that host. */
  subsetMissing: boolean;
}

/**
 * Whether a proxy of `namespace` sends a mirror's copies: the mirror cluster is named like a route's
 * (route.go: LookupDestinationCluster for the mirror), so through the same alias step.
 */
export function mirrorReach(
  index: Pick<IstioIndex, 'aliasServiceFor' | 'hostRegistered' | 'destinationRulesFor'>,
  mirror: Pick<Mirror, 'host' | 'subset'>,
  namespace: string,
): MirrorReach {
  const routed = routedHost(index, mirror.host, namespace);
  const unregistered =
    routed.aliasAgain !== undefined || !index.hostRegistered(routed.host, namespace);
  const found =
    unregistered || mirror.subset === undefined
      ? undefined
      : index.destinationRulesFor(routed.host, namespace);
  const subsetMissing =
    !unregistered &&
    mirror.subset !== undefined &&
    (found === undefined || !subsetsOf(found.rules).has(mirror.subset));
  return { routed, unregistered, subsetMissing };
}
