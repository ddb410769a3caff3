/**
 * Workloads and label selectors: which pods a Gateway, AuthorizationPolicy or PeerAuthentication
 * selects.
 */
import type { EgressGateway } from '../egress-gateway.js';
import { matchesSelector } from '../mesh.js';
import { get, isObject, type Resource } from '../resource.js';
import { labelPairIndexOf } from './label-index.js';

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

/**
 * The annotation on the Gateways Istio derives from a Gateway API Gateway: the Service whose pods they
 * configure, in the Gateway's own namespace (push_context.go InternalGatewayServiceAnnotation).
 */
export const GATEWAY_SERVICE_ANNOTATION = 'internal.istio.io/gateway-service';

/**
 * Whether a Gateway resource's selector picks these pods. Istio does not scope a selector to a
 * namespace; a derived Gateway's selector is its Service's, whose pods share its namespace.
 */
export function gatewaySelects(gateway: Resource, pods: Workload): boolean {
  const sel = gatewaySelector(gateway);
  return sel !== undefined && matchesSelector(sel, pods.labels) && inGatewayScope(gateway, pods);
}

function inGatewayScope(gateway: Resource, pods: Workload): boolean {
  return (
    gateway.annotations[GATEWAY_SERVICE_ANNOTATION] === undefined ||
    gateway.namespace === pods.namespace
  );
}

/** A Gateway's `spec.selector`, or undefined when it has none (an empty one selects nothing). */
export function gatewaySelector(gateway: Resource): Readonly<Record<string, string>> | undefined {
  const sel = get(gateway.body, ['spec', 'selector']);
  return isObject(sel) && Object.keys(sel).length > 0 ? (sel as Record<string, string>) : undefined;
}

/** The Gateways whose selector fits pods with these labels (as far as the labels are known). */
export function gatewaysFitting(gateways: readonly Resource[], pods: Workload): Resource[] {
  return labelPairIndexOf(gateways, gatewaySelector)
    .sharing(pods.labels)
    .filter(
      (g) => selectorFit(gatewaySelector(g)!, pods.labels) === 'matches' && inGatewayScope(g, pods),
    );
}

/** The Gateways whose selector picks pods with exactly these labels (gatewaySelects). */
export function gatewaysSelectingLabels(gateways: readonly Resource[], pods: Workload): Resource[] {
  return labelPairIndexOf(gateways, gatewaySelector)
    .sharing(pods.labels)
    .filter((g) => gatewaySelects(g, pods));
}

const labelsOf = (w: Workload): Readonly<Record<string, string>> => w.labels;

/**
 * The workloads (of a never changed list, such as the index's gateway workloads) whose labels a
 * selector fits (selectorFit `matches`), in their order: found by the pairs they share, not by a
 * scan per selector.
 */
export function workloadsFitting<W extends Workload>(
  workloads: readonly W[],
  selector: Readonly<Record<string, string>>,
): W[] {
  return labelPairIndexOf(workloads, labelsOf)
    .sharing(selector)
    .filter((w) => selectorFit(selector, w.labels) === 'matches');
}

/**
 * For many selectors against one list of workloads: whether a selector fits some workload, that is
 * selectorFit is not `conflicts` for it. Either the workload shares a pair with the selector and
 * carries no other value for its keys (`matches`), or it carries none of the selector's keys
 * (`unknown`), which is asked once per set of keys rather than per selector.
 */
export function fitsSomeWorkload(
  workloads: readonly Workload[],
): (selector: Readonly<Record<string, string>>) => boolean {
  const lackingKeys = new Map<string, boolean>();
  return (selector) => {
    const keys = Object.keys(selector).sort();
    // Label keys hold no newline, so the joined keys name the set.
    const set = keys.join('\n');
    let lacking = lackingKeys.get(set);
    if (lacking === undefined) {
      lacking = workloads.some((w) => keys.every((k) => !(k in w.labels)));
      lackingKeys.set(set, lacking);
    }
    return lacking || workloadsFitting(workloads, selector).length > 0;
  };
}

/**
 * The labels as a key (JSON of the sorted pairs), built once per labels object: lookups per client
 * ask with the same workload's labels for every destination. Label records are never changed once
 * made, so the key stays right.
 */
export function labelsKey(labels: Readonly<Record<string, string>>): string {
  let key = labelKeys.get(labels);
  if (key === undefined)
    labelKeys.set(labels, (key = JSON.stringify(Object.entries(labels).sort())));
  return key;
}

const labelKeys = new WeakMap<Readonly<Record<string, string>>, string>();

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
