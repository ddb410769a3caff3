/**
 * Where a Kubernetes Service without a selector sends connections: the Endpoints / EndpointSlices
 * written for it by hand. Kubernetes makes no endpoints for such a Service; Istio's kube registry
 * takes the addresses from its EndpointSlices (pilot/pkg/serviceregistry/kube/controller/
 * endpointslice.go), and the sidecar connects to them. Addresses that point to no Pod (no
 * `targetRef` of kind Pod) are servers the mesh does not run: istio.io's egress-kubernetes-services
 * task reaches Wikipedia this way.
 */
import type { ConfigSet } from '../config-set.js';
import { get, isObject, type Resource } from '../resource.js';
import { KIND } from '../kinds.js';
import type { KubernetesService } from './services.js';

export interface HandWrittenEndpoints {
  /** The Endpoints or EndpointSlice objects that list the addresses. */
  resources: readonly Resource[];
  /** Every address they list, in order. */
  addresses: readonly string[];
  /** Whether some address names a Pod as its target (then it may run a sidecar). */
  targetsPods: boolean;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/**
 * The hand-written endpoints of a Service without selector, when the repository shows them;
 * undefined for a Service with a selector (its endpoints are its pods) or when none are shown.
 */
export function handWrittenEndpoints(
  cs: ConfigSet,
  service: KubernetesService,
): HandWrittenEndpoints | undefined {
  if (isObject(get(service.resource.body, ['spec', 'selector']))) return undefined;
  const { name, namespace } = service.resource;
  const endpoints = cs
    .ofKind(KIND.endpoints)
    .filter((r) => r.name === name && r.namespace === namespace);
  const slices = cs.ofKind(KIND.endpointSlice).filter(
    (r) =>
      r.namespace === namespace &&
      get(r.body, ['metadata', 'labels', SERVICE_NAME_LABEL]) === name &&
      // Istio's registry reads IP slices only (FQDN ones give it no endpoints): not a known server.
      get(r.body, ['addressType']) !== 'FQDN',
  );
  const targets = [
    ...endpoints.flatMap((r) =>
      listOf(get(r.body, ['subsets'])).flatMap((s) => listOf(get(s, ['addresses']))),
    ),
    ...slices.flatMap((r) => listOf(get(r.body, ['endpoints']))),
  ];
  const addresses = targets.flatMap((a) => {
    const ip = get(a, ['ip']);
    return typeof ip === 'string' ? [ip] : listOf(get(a, ['addresses'])).filter(isString);
  });
  if (addresses.length === 0) return undefined;
  return {
    resources: [...endpoints, ...slices],
    addresses,
    targetsPods: targets.some((a) => get(a, ['targetRef', 'kind']) === 'Pod'),
  };
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}
