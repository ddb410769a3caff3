/**
 * Workloads and label selectors: which pods a Gateway, AuthorizationPolicy or PeerAuthentication
 * selects.
 */
import type { EgressGateway } from '../egress-gateway.js';
import { matchesSelector } from '../mesh.js';
import { get, isObject, type Resource } from '../resource.js';
import { LabelPairIndex } from './label-index.js';

export interface Workload {
  namespace: string;
  labels: Readonly<Record<string, string>>;
}

/** Labels the pods of an egress gateway carry: the gateway label plus its podLabels. */
export function gatewayPodLabels(gw: EgressGateway): Record<string, string> {
  return { ...gw.podLabels, ...gw.selector };
}

/** `spec.selector.matchLabels` (AuthorizationPolicy, PeerAuthentication) or `spec.workloadSelector.labels`. */
export function workloadSelectorOf(r: Resource): Record<string, string> | undefined {
  const sel =
    get(r.body, ['spec', 'selector', 'matchLabels']) ??
    get(r.body, ['spec', 'workloadSelector', 'labels']);
  return isObject(sel) ? (sel as Record<string, string>) : undefined;
}

/**
 * Whether a namespaced policy (AuthorizationPolicy and friends) applies to the workload: its selector
 * matches in its own namespace, or, from the root namespace, in every namespace.
 */
export function policyAppliesTo(
  policy: Resource,
  workload: Workload,
  rootNamespace: string,
): boolean {
  if (policy.namespace !== rootNamespace && policy.namespace !== workload.namespace) return false;
  return matchesSelector(workloadSelectorOf(policy), workload.labels);
}

/** Whether a Gateway resource's selector picks these pods (Istio does not scope it to a namespace). */
export function gatewaySelects(
  gateway: Resource,
  podLabels: Readonly<Record<string, string>>,
): boolean {
  const sel = gatewaySelector(gateway);
  return sel !== undefined && matchesSelector(sel, podLabels);
}

/** A Gateway's `spec.selector`, or undefined when it has none (an empty one selects nothing). */
export function gatewaySelector(gateway: Resource): Readonly<Record<string, string>> | undefined {
  const sel = get(gateway.body, ['spec', 'selector']);
  return isObject(sel) && Object.keys(sel).length > 0 ? (sel as Record<string, string>) : undefined;
}

/** The Gateways whose selector fits pods with these labels (as far as the labels are known). */
export function gatewaysFitting(
  gateways: readonly Resource[],
  labels: Readonly<Record<string, string>>,
): Resource[] {
  return gatewaysBySelector(gateways)
    .sharing(labels)
    .filter((g) => selectorFit(gatewaySelector(g)!, labels) === 'matches');
}

/** The Gateways whose selector picks pods with exactly these labels (gatewaySelects). */
export function gatewaysSelectingLabels(
  gateways: readonly Resource[],
  podLabels: Readonly<Record<string, string>>,
): Resource[] {
  return gatewaysBySelector(gateways)
    .sharing(podLabels)
    .filter((g) => gatewaySelects(g, podLabels));
}

/** Gateways indexed by selector, per (never changed) list of Gateways: the index's own list. */
const selectorIndexes = new WeakMap<readonly Resource[], LabelPairIndex<Resource>>();

function gatewaysBySelector(gateways: readonly Resource[]): LabelPairIndex<Resource> {
  let index = selectorIndexes.get(gateways);
  if (!index) {
    index = new LabelPairIndex();
    for (const g of gateways) {
      const sel = gatewaySelector(g);
      if (sel) index.add(g, sel);
    }
    selectorIndexes.set(gateways, index);
  }
  return index;
}

export function labelsKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort());
}

/** How a label selector relates to pods of which only some labels are known. */
export type SelectorFit = 'matches' | 'conflicts' | 'unknown';

/**
 * `conflicts` when a selected label has another value, `matches` when at least one selected label is
 * known to be there and none conflicts (the others are assumed present), `unknown` otherwise.
 */
export function selectorFit(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): SelectorFit {
  let known = false;
  for (const [k, v] of Object.entries(selector)) {
    if (!(k in labels)) continue;
    if (labels[k] !== v) return 'conflicts';
    known = true;
  }
  return known ? 'matches' : 'unknown';
}

/** `k=v, k2=v2` */
export function labelsText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}
