/**
 * The model stage: every loaded resource, plus typed views of the ones egress-lint reasons about.
 * Typed views are built only from resources that passed the schema, so later stages can trust them.
 */
import type { MeshDefaults } from '../config/project-config.js';
import { assumedGateway, readIstioGateway, type EgressGateway } from './egress-gateway.js';
import { readEgressPolicy, type EgressPolicy } from './egress-policy.js';
import { GROUP_OF_KIND, KIND } from './kinds.js';
import { resolveMesh, type MeshSettings } from './mesh.js';
import { identityKey, type Resource } from './resource.js';

export interface ConfigSet {
  /** Everything loaded, valid or not, known kind or not. */
  readonly resources: readonly Resource[];
  /** Resources that failed the schema stage. */
  readonly invalid: ReadonlySet<Resource>;
  readonly defaults: MeshDefaults;
  readonly policies: readonly EgressPolicy[];
  /** Egress gateways declared as IstioGateway objects. */
  readonly gateways: readonly EgressGateway[];
  readonly mesh: MeshSettings;
  /** Schema-valid resources of a kind (by kind name, e.g. 'VirtualService'), in stable order. */
  ofKind(kind: string): readonly Resource[];
  /** The declared gateway with this name, or the one we must assume (namespace from the defaults). */
  gateway(name: string): EgressGateway;
  isDeclaredGateway(name: string): boolean;
}

export function buildConfigSet(
  resources: readonly Resource[],
  invalid: ReadonlySet<Resource>,
  defaults: MeshDefaults,
): ConfigSet {
  // The cluster holds one object per identity: the typed views keep the first valid copy
  // (duplicate-resource reports the others). A copy failing the schema never reaches the cluster.
  const copies = laterCopies(resources.filter((r) => !invalid.has(r)));
  const valid = resources.filter((r) => !invalid.has(r) && !copies.has(r));
  const byKind = new Map<string, Resource[]>();
  for (const r of valid) {
    if (GROUP_OF_KIND[r.kind] !== r.group) continue;
    let list = byKind.get(r.kind);
    if (!list) byKind.set(r.kind, (list = []));
    list.push(r);
  }
  for (const list of byKind.values()) list.sort(byNamespaceName);

  const policies = (byKind.get(KIND.egressPolicy) ?? []).map(readEgressPolicy);
  const mesh = resolveMesh(valid, defaults);
  // Gateway Services live in the cluster domain the mesh settings name.
  const gatewayDefaults = { ...defaults, clusterDomain: mesh.clusterDomain };
  const gateways = (byKind.get(KIND.istioGateway) ?? []).map((r) =>
    readIstioGateway(r, gatewayDefaults),
  );
  // An egress gateway wins over an ingress gateway of the same name; among equals, the first in order.
  const gatewayByName = new Map<string, EgressGateway>();
  for (const g of gateways) {
    const seen = gatewayByName.get(g.name);
    if (!seen || (seen.gatewayType !== 'egress' && g.gatewayType === 'egress'))
      gatewayByName.set(g.name, g);
  }
  const assumed = new Map<string, EgressGateway>();

  return {
    resources,
    invalid,
    defaults,
    policies,
    gateways,
    mesh,
    ofKind: (kind) => byKind.get(kind) ?? [],
    gateway(name) {
      const declared = gatewayByName.get(name);
      if (declared) return declared;
      let g = assumed.get(name);
      if (!g) assumed.set(name, (g = assumedGateway(name, gatewayDefaults)));
      return g;
    },
    isDeclaredGateway: (name) => gatewayByName.has(name),
  };
}

export function byNamespaceName(a: Resource, b: Resource): number {
  return a.namespace < b.namespace
    ? -1
    : a.namespace > b.namespace
      ? 1
      : a.name < b.name
        ? -1
        : a.name > b.name
          ? 1
          : 0;
}

/** Each resource that repeats an earlier one's identity (group, kind, namespace, name), with that first one. */
export function laterCopies(resources: readonly Resource[]): Map<Resource, Resource> {
  const first = new Map<string, Resource>();
  const copies = new Map<Resource, Resource>();
  for (const r of resources) {
    const key = identityKey(r);
    const seen = first.get(key);
    if (seen) copies.set(r, seen);
    else first.set(key, r);
  }
  return copies;
}
