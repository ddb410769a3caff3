/**
 * Sidecar clients the repository shows: the namespaces where a workload with a sidecar runs, or a
 * policy names clients. Rules give errors only for these; other namespaces are hypothetical clients.
 *
 * An egress gateway is no sidecar client: its pods run Envoy as a router (`proxy router`, not
 * `sidecar`), never with a sidecar, and build gateway routes only (manifests/charts/gateways/
 * istio-egress/templates/deployment.yaml sets `sidecar.istio.io/inject: "false"`;
 * pilot/pkg/model/push_context.go gives routers the VirtualServices of their Gateways). So its
 * Deployment, Service, ServiceAccount and the policies that select it put no client in its namespace,
 * nor does a mesh-wide default (a Sidecar or AuthorizationPolicy without selector in the root
 * namespace, which applies to every namespace rather than showing workloads in the root one).
 */
import type { ConfigSet } from '../config-set.js';
import type { FieldPath } from '../field-path.js';
import { KIND } from '../kinds.js';
import { matchesSelector } from '../mesh.js';
import { get, isObject, type Resource } from '../resource.js';
import {
  asksForSidecar,
  INJECT_LABEL,
  namespaceWithoutInjection,
  POD_KINDS,
  podMetadataPath,
} from './interception.js';
import { serviceHostName } from './names.js';
import type { GatewayWorkload } from './gateways.js';
import { routesOf } from './routes.js';
import { selectorFit, workloadSelectorOf } from './workloads.js';

/** Kinds whose presence in a namespace means workloads run there. */
const WORKLOAD_KINDS = new Set<string>([
  ...POD_KINDS,
  'Service',
  'ServiceAccount',
  'WorkloadEntry',
  KIND.sidecar,
  KIND.authorizationPolicy,
  KIND.peerAuthentication,
]);

const labelsAt = (r: Resource, path: FieldPath): Record<string, string> | undefined => {
  const v = get(r.body, path);
  return isObject(v) ? (v as Record<string, string>) : undefined;
};

interface Context {
  gateways: readonly GatewayWorkload[];
  rootNamespace: string;
  clusterDomain: string;
  /** Service accounts gateway pods run as, `namespace/name`. */
  gatewayAccounts: Set<string>;
  /** Every resource, for the injection settings (Namespaces, the install). */
  resources: readonly Resource[];
  /** Per namespace: whether the injector leaves its pods alone, and whether even those asking. */
  injection: Map<string, 'on' | 'asked' | 'off'>;
}

/** `on`: pods get sidecars; `asked`: only pods that ask for one; `off`: none (namespaceWithoutInjection). */
function injection(c: Context, namespace: string): 'on' | 'asked' | 'off' {
  let known = c.injection.get(namespace);
  if (known === undefined) {
    const without = namespaceWithoutInjection(c.resources, namespace);
    known = !without ? 'on' : without.disabled ? 'off' : 'asked';
    c.injection.set(namespace, known);
  }
  return known;
}

/** Whether pods with these labels in `namespace` are an egress gateway's. */
function isGatewayPod(c: Context, namespace: string, labels: Readonly<Record<string, string>>) {
  return c.gateways.some(
    (g) =>
      g.namespace === namespace &&
      Object.keys(g.labels).length > 0 &&
      matchesSelector(g.labels, labels),
  );
}

/**
 * Whether a selector (of a Service or a policy) in `namespace` picks an egress gateway's pods there,
 * or in any namespace (`everywhere`: a policy of the root namespace).
 */
function selectsGateway(
  c: Context,
  namespace: string,
  selector: Record<string, string>,
  everywhere: boolean,
): boolean {
  return c.gateways.some(
    (g) =>
      (everywhere || g.namespace === namespace) && selectorFit(selector, g.labels) === 'matches',
  );
}

function podsOfGateway(c: Context, r: Resource): boolean {
  const path = podMetadataPath(r);
  const labels = labelsAt(r, [...path, 'labels']) ?? {};
  return labels[INJECT_LABEL] === 'false' || isGatewayPod(c, r.namespace, labels);
}

/** Whether the resource shows sidecar clients in its namespace. */
function showsSidecarClients(c: Context, r: Resource): boolean {
  // Where the injector leaves pods alone, only a pod that asks for a sidecar is a client.
  const injected = injection(c, r.namespace);
  if (POD_KINDS.has(r.kind))
    return (
      !podsOfGateway(c, r) &&
      (injected === 'on' ||
        (injected === 'asked' && asksForSidecar(labelsAt(r, [...podMetadataPath(r), 'labels']))))
    );
  if (injected !== 'on') return false;
  switch (r.kind) {
    case 'Service': {
      // An ExternalName Service is a DNS name for something else: no pods of its own.
      if (get(r.body, ['spec', 'type']) === 'ExternalName') return false;
      const host = serviceHostName(r.name, r.namespace, c.clusterDomain);
      const selector = labelsAt(r, ['spec', 'selector']);
      return (
        !c.gateways.some((g) => g.serviceHost === host) &&
        !(selector && selectsGateway(c, r.namespace, selector, false))
      );
    }
    case 'ServiceAccount':
      return !c.gatewayAccounts.has(`${r.namespace}/${r.name}`);
    case KIND.sidecar:
    case KIND.authorizationPolicy:
    case KIND.peerAuthentication: {
      const selector = workloadSelectorOf(r);
      if (!selector) return r.namespace !== c.rootNamespace;
      return !selectsGateway(c, r.namespace, selector, r.namespace === c.rootNamespace);
    }
    default:
      return true;
  }
}

/** Service accounts the gateway pod templates in the repository run as. */
function gatewayServiceAccounts(c: Context, resources: readonly Resource[]): Set<string> {
  const out = new Set<string>();
  for (const r of resources) {
    if (!POD_KINDS.has(r.kind) || !podsOfGateway(c, r)) continue;
    const spec = r.kind === 'Pod' ? ['spec'] : [...podMetadataPath(r).slice(0, -1), 'spec'];
    const account = get(r.body, [...spec, 'serviceAccountName']);
    if (typeof account === 'string') out.add(`${r.namespace}/${account}`);
  }
  return out;
}

export function collectClientNamespaces(
  cs: ConfigSet,
  istio: readonly Resource[],
  gateways: readonly GatewayWorkload[],
): Set<string> {
  const c: Context = {
    gateways,
    rootNamespace: cs.mesh.rootNamespace,
    clusterDomain: cs.mesh.clusterDomain,
    gatewayAccounts: new Set(),
    resources: cs.resources,
    injection: new Map(),
  };
  const shown = cs.resources.filter((r) => !cs.invalid.has(r) && WORKLOAD_KINDS.has(r.kind));
  c.gatewayAccounts = gatewayServiceAccounts(c, shown);
  const out = new Set<string>();
  for (const r of shown) if (showsSidecarClients(c, r)) out.add(r.namespace);
  for (const r of istio) {
    if (WORKLOAD_KINDS.has(r.kind) && showsSidecarClients(c, r)) out.add(r.namespace);
    if (r.kind !== KIND.virtualService) continue;
    for (const route of routesOf(r))
      for (const m of route.matches)
        if (typeof m.match?.sourceNamespace === 'string') out.add(m.match.sourceNamespace);
  }
  for (const p of cs.policies)
    for (const d of p.destinations) for (const f of d.from) out.add(f.namespace);
  return out;
}
