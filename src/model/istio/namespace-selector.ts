/**
 * Kubernetes label selectors on Namespace objects (metav1.LabelSelector: matchLabels and
 * matchExpressions), as a Gateway API listener's `allowedRoutes.namespaces.selector` uses them.
 * Istio runs the selector on the cluster's Namespaces, each with its implicit
 * `kubernetes.io/metadata.name` label (pilot/pkg/config/kube/gateway/conversion.go
 * namespacesFromSelector, toNamespaceSet). The repository may not show a Namespace: then only a
 * selector reading nothing but that label can be answered.
 */
import { get, isObject, type JsonObject, type Resource } from '../resource.js';

/** The label Kubernetes gives every Namespace: its own name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: readonly string[];
}

/**
 * Whether a selector picks a namespace: true or false; undefined when the repository does not show
 * the Namespace and the selector reads other labels than its name. A malformed selector picks none
 * (LabelSelectorAsSelector fails, and Istio admits no namespace).
 */
export type NamespaceSelection = (namespace: string) => boolean | undefined;

export function namespaceSelection(
  selector: unknown,
  namespaces: ReadonlyMap<string, Resource>,
): NamespaceSelection {
  const requirements = selectorRequirements(selector);
  if (!requirements) return () => false;
  const nameOnly = requirements.every((r) => r.key === NAMESPACE_NAME_LABEL);
  return (namespace) => {
    const shown = namespaces.get(namespace);
    if (!shown && !nameOnly) return undefined;
    const labels = shown ? labelsOf(shown) : {};
    return requirements.every((r) =>
      satisfies(r, { ...labels, [NAMESPACE_NAME_LABEL]: namespace }),
    );
  };
}

/** The Namespace objects the repository shows, first of each name. */
export function namespacesByName(resources: readonly Resource[]): Map<string, Resource> {
  const out = new Map<string, Resource>();
  for (const r of resources)
    if (r.kind === 'Namespace' && r.group === '' && !out.has(r.name)) out.set(r.name, r);
  return out;
}

function labelsOf(ns: Resource): Record<string, string> {
  const labels = get(ns.body, ['metadata', 'labels']);
  if (!isObject(labels)) return {};
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
}

/** matchLabels and matchExpressions as one list; undefined for a selector Kubernetes rejects. */
function selectorRequirements(selector: unknown): Requirement[] | undefined {
  if (!isObject(selector)) return undefined;
  const out: Requirement[] = [];
  const labels = selector.matchLabels ?? {};
  if (!isObject(labels)) return undefined;
  for (const [key, value] of Object.entries(labels))
    out.push({ key, operator: 'In', values: [String(value)] });
  const expressions = selector.matchExpressions ?? [];
  if (!Array.isArray(expressions)) return undefined;
  for (const e of expressions) {
    const r = isObject(e) ? requirement(e) : undefined;
    if (!r) return undefined;
    out.push(r);
  }
  return out;
}

function requirement(e: JsonObject): Requirement | undefined {
  const { key, operator } = e;
  const values = Array.isArray(e.values) ? e.values.map(String) : [];
  if (typeof key !== 'string') return undefined;
  // labels.NewRequirement: In and NotIn need values, Exists and DoesNotExist take none.
  if (operator === 'In' || operator === 'NotIn')
    return values.length > 0 ? { key, operator, values } : undefined;
  if (operator === 'Exists' || operator === 'DoesNotExist')
    return values.length === 0 ? { key, operator, values } : undefined;
  return undefined;
}

function satisfies(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  // Own keys only: a label named `constructor` is not Object.prototype's.
  const value = Object.hasOwn(labels, r.key) ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'In':
      return value !== undefined && r.values.includes(value);
    case 'NotIn':
      return value === undefined || !r.values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
  }
}
