/**
 * Whether the sidecar sees a workload's outbound connection at all. Without a sidecar, or when the
 * pod's iptables rules let the destination pass, the application connects straight out and the
 * outbound traffic policy (REGISTRY_ONLY included) never applies.
 *
 * - Injection: the pod label `sidecar.istio.io/inject: "false"`, or its Namespace labelled
 *   `istio-injection: disabled`, means no sidecar (the injector webhook's selectors in
 *   manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml).
 * - Interception (tools/istio-iptables/pkg/capture/run.go, in this order): excluded ports pass, then
 *   excluded IP ranges pass, then included ports and included IP ranges (`*`: all) go to the sidecar;
 *   anything else passes. The values come from the pod annotations
 *   `traffic.sidecar.istio.io/{include,exclude}Outbound{IPRanges,Ports}`, else from the install
 *   (`values.global.proxy.includeIPRanges`, `excludeIPRanges`, `includeOutboundPorts`,
 *   `excludeOutboundPorts`), as the injection template writes them.
 */
import ipaddr from 'ipaddr.js';
import type { FieldPath } from '../field-path.js';
import { KIND, isKind } from '../kinds.js';
import { matchesSelector } from '../mesh.js';
import { get, isObject, type Resource } from '../resource.js';
import { addressCovers, inRanges } from './addresses.js';
import type { Workload } from './workloads.js';

export const INJECT_LABEL = 'sidecar.istio.io/inject';
const ANNOTATION = 'traffic.sidecar.istio.io/';

/** Where one setting came from: the resource and field, for the trace. */
export interface SettingSource {
  resource?: Resource;
  path: FieldPath;
  text: string;
}

interface Setting<T> {
  value: T;
  source?: SettingSource;
}

export interface Interception {
  /** Undefined when the pod has a sidecar; else why it has none. */
  noSidecar?: SettingSource;
  includeRanges: Setting<string[]>;
  excludeRanges: Setting<string[]>;
  includePorts: Setting<number[]>;
  excludePorts: Setting<number[]>;
}

/** How the pod's iptables treat a destination: to the sidecar, past it, or it depends on DNS. */
export type Captured = { by: 'sidecar' | 'none' | 'dns'; source?: SettingSource };

const split = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const ports = (v: string): number[] =>
  split(v)
    .map(Number)
    .filter((n) => Number.isInteger(n));

/** Kinds that run pods: the Pod itself, or a controller with a pod template. */
export const POD_KINDS = new Set([
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
]);

/** Where a pod-running resource keeps its pods' metadata (labels, annotations). */
export function podMetadataPath(r: Resource): FieldPath {
  return r.kind === 'Pod'
    ? ['metadata']
    : r.kind === 'CronJob'
      ? ['spec', 'jobTemplate', 'spec', 'template', 'metadata']
      : ['spec', 'template', 'metadata'];
}

/**
 * What interception reads from a config set's resources, gathered in one pass: a workload's pods are
 * looked for in its own namespace only, and every workload of an access matrix asks (thousands of
 * them would otherwise each scan every resource).
 */
interface PodSources {
  /** Resources by namespace, in their order. */
  byNamespace: Map<string, Resource[]>;
  /** The first Namespace resource of each name. */
  namespaces: Map<string, Resource>;
  istioOperators: Resource[];
}

const podSourcesOf = new WeakMap<readonly Resource[], PodSources>();

function podSources(resources: readonly Resource[]): PodSources {
  let found = podSourcesOf.get(resources);
  if (found) return found;
  found = { byNamespace: new Map(), namespaces: new Map(), istioOperators: [] };
  for (const r of resources) {
    const list = found.byNamespace.get(r.namespace);
    if (list) list.push(r);
    else found.byNamespace.set(r.namespace, [r]);
    if (r.kind === 'Namespace' && r.group === '' && !found.namespaces.has(r.name))
      found.namespaces.set(r.name, r);
    if (isKind(r, KIND.istioOperator)) found.istioOperators.push(r);
  }
  podSourcesOf.set(resources, found);
  return found;
}

/** Pod templates (Deployments and the like) and Pods of the namespace whose labels include the workload's. */
function podTemplates(
  resources: readonly Resource[],
  w: Workload,
): { r: Resource; path: FieldPath }[] {
  if (Object.keys(w.labels).length === 0) return [];
  const out: { r: Resource; path: FieldPath }[] = [];
  for (const r of podSources(resources).byNamespace.get(w.namespace) ?? []) {
    const path = podMetadataPath(r);
    const labels = get(r.body, [...path, 'labels']);
    if (isObject(labels) && matchesSelector(w.labels, labels as Record<string, string>))
      out.push({ r, path });
  }
  return out;
}

function installValue(resources: readonly Resource[], key: string): Setting<string> | undefined {
  for (const r of podSources(resources).istioOperators) {
    const path = ['spec', 'values', 'global', 'proxy', key];
    const v = get(r.body, path);
    if (typeof v === 'string' || typeof v === 'number')
      return {
        value: String(v),
        source: { resource: r, path, text: `${key} "${v}" of the install` },
      };
  }
  return undefined;
}

/**
 * Why the injector leaves every pod of the namespace alone, unless a pod asks for a sidecar itself:
 * the Namespace the repository shows is labelled `istio-injection: disabled`, or carries neither
 * `istio-injection` nor `istio.io/rev` (the webhooks' namespaceSelectors then match only pods
 * labelled `sidecar.istio.io/inject: "true"` or `istio.io/rev`), unless the install injects
 * unlabelled namespaces (`values.sidecarInjectorWebhook.enableNamespacesByDefault`). Undefined when
 * the repository does not show the Namespace: then its pods are taken to have sidecars.
 */
export function namespaceWithoutInjection(
  resources: readonly Resource[],
  namespace: string,
): (SettingSource & { disabled: boolean }) | undefined {
  const ns = podSources(resources).namespaces.get(namespace);
  if (!ns) return undefined;
  const labels = get(ns.body, ['metadata', 'labels']);
  const injection = get(labels, ['istio-injection']);
  if (injection === 'disabled')
    return {
      resource: ns,
      path: ['metadata', 'labels', 'istio-injection'],
      text: `namespace ${namespace} is labelled istio-injection=disabled`,
      disabled: true,
    };
  if (injection !== undefined || get(labels, ['istio.io/rev']) !== undefined) return undefined;
  const byDefault = podSources(resources).istioOperators.some(
    (r) =>
      get(r.body, ['spec', 'values', 'sidecarInjectorWebhook', 'enableNamespacesByDefault']) ===
      true,
  );
  return byDefault
    ? undefined
    : {
        resource: ns,
        path: ['metadata'],
        text: `namespace ${namespace} has no istio-injection=enabled or istio.io/rev label, so the injector leaves its pods alone`,
        disabled: false,
      };
}

/** Whether pod labels ask the injector for a sidecar in a namespace it otherwise leaves alone. */
export const asksForSidecar = (labels: unknown): boolean =>
  get(labels, [INJECT_LABEL]) === 'true' || get(labels, ['istio.io/rev']) !== undefined;

export function interceptionFor(resources: readonly Resource[], w: Workload): Interception {
  const pods = podTemplates(resources, w);
  const pod = pods[0];
  const podLabels = pod ? get(pod.r.body, [...pod.path, 'labels']) : undefined;
  const unlabelled = namespaceWithoutInjection(resources, w.namespace);
  let noSidecar: SettingSource | undefined;
  if (w.labels[INJECT_LABEL] === 'false')
    noSidecar = { path: [], text: `the workload carries the label ${INJECT_LABEL}=false` };
  else if (pod && get(podLabels, [INJECT_LABEL]) === 'false')
    noSidecar = {
      resource: pod.r,
      path: [...pod.path, 'labels', INJECT_LABEL],
      text: `its pods carry the label ${INJECT_LABEL}=false`,
    };
  else if (
    unlabelled &&
    (unlabelled.disabled || !(asksForSidecar(w.labels) || asksForSidecar(podLabels)))
  )
    noSidecar = { resource: unlabelled.resource!, path: unlabelled.path, text: unlabelled.text };
  const setting = (annotation: string, key: string, fallback: string): Setting<string> => {
    const path = pod ? [...pod.path, 'annotations', ANNOTATION + annotation] : [];
    const v = pod ? get(pod.r.body, path) : undefined;
    if (typeof v === 'string')
      return {
        value: v,
        source: {
          resource: pod!.r,
          path,
          text: `the pod annotation ${ANNOTATION}${annotation} "${v}"`,
        },
      };
    return installValue(resources, key) ?? { value: fallback };
  };
  const listOf = (s: Setting<string>) => ({ ...s, value: split(s.value) });
  const portsOf = (s: Setting<string>) => ({ ...s, value: ports(s.value) });
  return {
    ...(noSidecar ? { noSidecar } : {}),
    includeRanges: listOf(setting('includeOutboundIPRanges', 'includeIPRanges', '*')),
    excludeRanges: listOf(setting('excludeOutboundIPRanges', 'excludeIPRanges', '')),
    includePorts: portsOf(setting('includeOutboundPorts', 'includeOutboundPorts', '')),
    excludePorts: portsOf(setting('excludeOutboundPorts', 'excludeOutboundPorts', '')),
  };
}

/** Address blocks no public host name resolves into (private, loopback, link-local, shared, ULA). */
const NON_PUBLIC = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
  '::1/128',
];

/** Whether every range lies in non-public address space (so a public host's address is outside). */
function allNonPublic(ranges: readonly string[]): boolean {
  return ranges.every((r) => {
    if (
      r === '*' ||
      !ipaddr.isValidCIDR(r.includes('/') ? r : `${r}/${r.includes(':') ? 128 : 32}`)
    )
      return false;
    const [net, bits] = r.includes('/')
      ? ipaddr.parseCIDR(r)
      : [ipaddr.parse(r), r.includes(':') ? 128 : 32];
    return NON_PUBLIC.some((block) => {
      const covered = addressCovers(block, net.toString());
      return covered !== undefined && bits >= covered;
    });
  });
}

/** The destination as the pod's iptables see it: an IP, or a name that resolves outside the cluster or in it. */
export type Destination = { ip: string } | { name: 'external' | 'in-cluster' };

/**
 * Where the pod's iptables send a connection on `port`. For a name, the address is unknown: an
 * external name resolves to a public address (outside ranges that are all private), an in-cluster
 * name to a cluster address (which only `*` is sure to contain); otherwise it depends on DNS.
 */
export function captured(i: Interception, port: number, to: Destination): Captured {
  if (i.excludePorts.value.includes(port)) return { by: 'none', ...src(i.excludePorts) };
  const inside = (ranges: string[]): boolean | undefined => {
    if (ranges.length === 0) return false;
    if (ranges.includes('*')) return true;
    if ('ip' in to) return inRanges(to.ip, ranges);
    return to.name === 'external' && allNonPublic(ranges) ? false : undefined;
  };
  const excluded = inside(i.excludeRanges.value);
  if (excluded === undefined) return { by: 'dns', ...src(i.excludeRanges) };
  if (excluded) return { by: 'none', ...src(i.excludeRanges) };
  if (i.includePorts.value.includes(port)) return { by: 'sidecar', ...src(i.includePorts) };
  const included = inside(i.includeRanges.value);
  if (included === undefined) return { by: 'dns', ...src(i.includeRanges) };
  return { by: included ? 'sidecar' : 'none', ...src(i.includeRanges) };
}

const src = (s: Setting<unknown>): { source?: SettingSource } =>
  s.source ? { source: s.source } : {};

/** Whether the workload has a sidecar that sees all its outbound traffic (Istio's default). */
export function interceptsAll(i: Interception): boolean {
  return (
    !i.noSidecar &&
    i.includeRanges.value.includes('*') &&
    i.excludeRanges.value.length === 0 &&
    i.excludePorts.value.length === 0
  );
}
