/**
 * Effective mesh settings: where the outbound traffic policy is declared (IstioOperator, the `istio`
 * ConfigMap, Sidecars, or the project config for ASM, whose setting lives in the console) and which
 * declaration wins for a given workload.
 */
import { parseDocument } from 'yaml';
import type { MeshDefaults, OutboundMode } from '../config/project-config.js';
import type { FieldPath } from './field-path.js';
import { KIND, isKind } from './kinds.js';
import { get, isObject, type Resource } from './resource.js';

export const ISTIO_DEFAULT_MODE: OutboundMode = 'ALLOW_ANY';
const MODES: readonly string[] = ['REGISTRY_ONLY', 'ALLOW_ANY', 'ALLOW_ANY_DYNAMIC_DNS'];

export type ModeSource = 'IstioOperator' | 'ConfigMap' | 'Sidecar' | 'config' | 'default';

export interface OutboundDeclaration {
  mode: OutboundMode;
  source: ModeSource;
  resource?: Resource;
  path?: FieldPath;
  /** A mesh config that would have declared it, ignored because it does not parse (source `default`/`config`). */
  unreadable?: UnreadableMeshConfig;
  /** Sidecars only: the namespace they apply to and their workload selector. */
  namespace?: string;
  workloadSelector?: Readonly<Record<string, string>>;
}

/** Mesh config text istiod cannot read: egress-lint, like istiod, goes on with the defaults. */
export interface UnreadableMeshConfig {
  resource: Resource;
  path: FieldPath;
  problem: string;
}

export interface MeshSettings {
  /** Mesh configs that do not parse or hold an unknown outbound mode (the mesh-config rule reports them). */
  unreadable: readonly UnreadableMeshConfig[];
  defaults: MeshDefaults;
  rootNamespace: string;
  trustDomain: string;
  /** The cluster's DNS domain short host names resolve in (istiod's `--domain`). */
  clusterDomain: string;
  /**
   * istiod's ENABLE_EXTERNAL_NAME_ALIAS (on by default since Istio 1.21): ExternalName Services are
   * aliases of the host they name; off, each is a service of its own sent to its external name.
   */
  externalNameAlias: boolean;
  /** The mesh-wide mode and where it came from. */
  meshWide: OutboundDeclaration;
  /** Every mesh-wide declaration found, for conflict reporting. */
  meshWideDeclarations: readonly OutboundDeclaration[];
  sidecars: readonly OutboundDeclaration[];
  /** The declaration that decides for a workload with these labels in this namespace. */
  outboundFor(namespace: string, labels?: Readonly<Record<string, string>>): OutboundDeclaration;
  /** The one Sidecar resource that applies to the workload, if any. */
  sidecarFor(namespace: string, labels?: Readonly<Record<string, string>>): Resource | undefined;
  /**
   * The Sidecars of equal rank for the workload (selector matches, else the namespace's without
   * selector, else the root namespace's): Istio applies the oldest, and the first stands in for it.
   */
  sidecarsFor(namespace: string, labels?: Readonly<Record<string, string>>): readonly Resource[];
  /** The outbound traffic policy for workloads under this Sidecar (none: the mesh-wide one). */
  outboundUnder(sidecar: Resource | undefined): OutboundDeclaration;
}

export function matchesSelector(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** An istiod environment variable an IstioOperator sets: `values.pilot.env`, then `components.pilot.k8s.env`. */
function pilotEnv(operator: Resource, name: string): string | undefined {
  const fromValues = get(operator.body, ['spec', 'values', 'pilot', 'env', name]);
  const k8s = get(operator.body, ['spec', 'components', 'pilot', 'k8s', 'env']);
  const fromK8s = Array.isArray(k8s)
    ? get(
        k8s.find((e) => get(e, ['name']) === name),
        ['value'],
      )
    : undefined;
  const value = fromK8s ?? fromValues;
  return typeof value === 'string' || typeof value === 'boolean' ? String(value) : undefined;
}

export function resolveMesh(resources: readonly Resource[], defaults: MeshDefaults): MeshSettings {
  const declarations: OutboundDeclaration[] = [];
  let rootNamespace = defaults.rootNamespace;
  let trustDomain = defaults.trustDomain;
  let clusterDomain = defaults.clusterDomain;
  let externalNameAlias = true;
  const unreadable: UnreadableMeshConfig[] = [];

  for (const r of resources) {
    if (isKind(r, KIND.istioOperator)) {
      const meshConfig = get(r.body, ['spec', 'meshConfig']);
      const mode = get(meshConfig, ['outboundTrafficPolicy', 'mode']);
      if (typeof mode === 'string' && MODES.includes(mode)) {
        declarations.push({
          mode: mode as OutboundMode,
          source: 'IstioOperator',
          resource: r,
          path: ['spec', 'meshConfig', 'outboundTrafficPolicy', 'mode'],
        });
      }
      const root = get(meshConfig, ['rootNamespace']);
      if (typeof root === 'string' && root) rootNamespace = root;
      const td = get(meshConfig, ['trustDomain']);
      if (typeof td === 'string' && td) trustDomain = td;
      // The Helm value istiod's --domain flag is set from (istio-discovery deployment template).
      const domain = get(r.body, ['spec', 'values', 'global', 'proxy', 'clusterDomain']);
      if (typeof domain === 'string' && domain) clusterDomain = domain;
      if (pilotEnv(r, 'ENABLE_EXTERNAL_NAME_ALIAS') === 'false') externalNameAlias = false;
    }
  }
  for (const r of resources) {
    if (isKind(r, KIND.configMap) && r.name === 'istio' && r.namespace === rootNamespace) {
      const text = get(r.body, ['data', 'mesh']);
      if (typeof text !== 'string') continue;
      const mesh = readMeshText(text);
      if ('problem' in mesh) {
        unreadable.push({ resource: r, path: ['data', 'mesh'], problem: mesh.problem });
        continue;
      }
      const mode = get(mesh.value, ['outboundTrafficPolicy', 'mode']);
      if (mode !== undefined && !(typeof mode === 'string' && MODES.includes(mode))) {
        unreadable.push({
          resource: r,
          path: ['data', 'mesh'],
          problem: `outboundTrafficPolicy.mode ${JSON.stringify(mode)} is none of ${MODES.join(', ')}`,
        });
      }
      if (typeof mode === 'string' && MODES.includes(mode)) {
        declarations.push({
          mode: mode as OutboundMode,
          source: 'ConfigMap',
          resource: r,
          path: ['data', 'mesh'],
        });
      }
      const td = get(mesh.value, ['trustDomain']);
      if (typeof td === 'string' && td) trustDomain = td;
    }
  }

  const fromConfig: OutboundDeclaration | undefined = defaults.outboundTrafficPolicy
    ? { mode: defaults.outboundTrafficPolicy, source: 'config' }
    : undefined;
  // What the repository declares wins over the config file, which stands in for settings kept elsewhere.
  const meshWide: OutboundDeclaration = declarations[0] ??
    fromConfig ?? { mode: ISTIO_DEFAULT_MODE, source: 'default' };
  if (!declarations[0] && unreadable[0]) meshWide.unreadable = unreadable[0];

  // Only one Sidecar applies to a workload (selector match, else the namespace's, else the root
  // namespace's); if that one says nothing about outbound traffic, the mesh-wide mode holds.
  interface SidecarScope {
    resource: Resource;
    workloadSelector?: Readonly<Record<string, string>>;
    declaration?: OutboundDeclaration;
  }
  const scopes: SidecarScope[] = [];
  for (const r of resources) {
    if (!isKind(r, KIND.sidecar)) continue;
    const policy = get(r.body, ['spec', 'outboundTrafficPolicy']);
    // A policy without mode is the enum's zero value, REGISTRY_ONLY (sidecar.go takes the Sidecar's
    // outboundTrafficPolicy whole when it has one).
    const mode = isObject(policy) ? (policy.mode ?? 'REGISTRY_ONLY') : undefined;
    const selector = get(r.body, ['spec', 'workloadSelector', 'labels']);
    const workloadSelector = isObject(selector) ? (selector as Record<string, string>) : undefined;
    const declaration: OutboundDeclaration | undefined =
      typeof mode === 'string' && MODES.includes(mode)
        ? {
            mode: mode as OutboundMode,
            source: 'Sidecar',
            resource: r,
            path: [
              'spec',
              'outboundTrafficPolicy',
              ...(isObject(policy) && policy.mode ? ['mode'] : []),
            ],
            namespace: r.namespace,
            ...(workloadSelector ? { workloadSelector } : {}),
          }
        : undefined;
    scopes.push({
      resource: r,
      ...(workloadSelector ? { workloadSelector } : {}),
      ...(declaration ? { declaration } : {}),
    });
  }
  // Istio picks the oldest Sidecar when several apply; without timestamps, name order is our stand-in.
  scopes.sort((a, b) =>
    a.resource.name < b.resource.name ? -1 : a.resource.name > b.resource.name ? 1 : 0,
  );
  const sidecars = scopes.flatMap((s) => (s.declaration ? [s.declaration] : []));
  // Istio's ranks (push_context.go getSidecarScope): a Sidecar whose selector matches, else the
  // namespace's without selector, else the root namespace's; within a rank the oldest applies.
  const scopesFor = (namespace: string, labels: Readonly<Record<string, string>> = {}) => {
    const inNs = scopes.filter((s) => s.resource.namespace === namespace);
    const selected = inNs.filter(
      (s) => s.workloadSelector && matchesSelector(s.workloadSelector, labels),
    );
    if (selected.length > 0) return selected;
    const plain = inNs.filter((s) => !s.workloadSelector);
    if (plain.length > 0) return plain;
    return scopes.filter((s) => s.resource.namespace === rootNamespace && !s.workloadSelector);
  };
  const scopeFor = (namespace: string, labels?: Readonly<Record<string, string>>) =>
    scopesFor(namespace, labels)[0];
  const byResource = new Map(scopes.map((s) => [s.resource, s]));

  return {
    unreadable,
    defaults,
    rootNamespace,
    trustDomain,
    clusterDomain,
    externalNameAlias,
    meshWide,
    meshWideDeclarations: fromConfig ? [...declarations, fromConfig] : declarations,
    sidecars,
    outboundFor(namespace, labels) {
      return scopeFor(namespace, labels)?.declaration ?? meshWide;
    },
    sidecarFor: (namespace, labels) => scopeFor(namespace, labels)?.resource,
    sidecarsFor: (namespace, labels) => scopesFor(namespace, labels).map((s) => s.resource),
    outboundUnder: (sidecar) => (sidecar && byResource.get(sidecar)?.declaration) ?? meshWide,
  };
}

/** The `mesh` text of the istio ConfigMap, parsed as istiod does (YAML), or what is wrong with it. */
function readMeshText(text: string): { value: unknown } | { problem: string } {
  try {
    // logLevel: the library's warnings would go to stderr as process warnings.
    const doc = parseDocument(text, { logLevel: 'error' });
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0].line;
      return { problem: `${line ? `line ${line}: ` : ''}${error.message.split('\n')[0]}` };
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value !== null && value !== undefined && !isObject(value))
      return { problem: 'it is not a mapping of mesh settings' };
    return { value };
  } catch (e) {
    return { problem: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
  }
}
