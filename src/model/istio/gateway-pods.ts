/**
 * Whether the repository shows where an egress gateway's pods run. A Gateway whose selector picks no
 * declared gateway stands for one egress-lint assumes in the gateway namespace (collectGatewayWorkloads);
 * rules may be sure of that namespace only when something shows the pods there: a pod template
 * (Deployment, Pod...) carrying the selected labels, a Service selecting them, an IstioOperator
 * installing an egress gateway with those labels, or Istio's documented default egress gateway
 * (`istio: egressgateway` in istio-system, manifests/charts/gateways/istio-egress/values.yaml).
 */
import { get, isObject, type Resource } from '../resource.js';
import { isKind, KIND } from '../kinds.js';
import { matchesSelector } from '../mesh.js';
import { POD_KINDS, podMetadataPath } from './interception.js';
import { selectorFit } from './workloads.js';

/** The labels of the default egress gateway's pods (istio-egress chart values `labels`). */
const DEFAULT_EGRESS_LABELS = { app: 'istio-egressgateway', istio: 'egressgateway' };
const DEFAULT_NAMESPACE = 'istio-system';

const labelsAt = (r: Resource, path: readonly (string | number)[]): Record<string, string> => {
  const v = get(r.body, path);
  return isObject(v) ? (v as Record<string, string>) : {};
};

/** The egress gateways an IstioOperator installs: namespace and pod labels of each enabled one. */
function operatorEgressGateways(
  r: Resource,
): { namespace: string; labels: Record<string, string> }[] {
  const list = get(r.body, ['spec', 'components', 'egressGateways']);
  if (!Array.isArray(list)) return [];
  const operatorNamespace = get(r.body, ['spec', 'namespace']);
  return list.flatMap((g) => {
    if (!isObject(g) || g.enabled === false) return [];
    const label = get(g, ['label']);
    const namespace = get(g, ['namespace']) ?? operatorNamespace;
    return [
      {
        namespace: typeof namespace === 'string' && namespace ? namespace : DEFAULT_NAMESPACE,
        labels: isObject(label) ? (label as Record<string, string>) : DEFAULT_EGRESS_LABELS,
      },
    ];
  });
}

/** Whether the repository (or Istio's documented default) shows pods with `selector` in `namespace`. */
export function gatewayPodsShown(
  resources: readonly Resource[],
  namespace: string,
  selector: Readonly<Record<string, string>>,
): boolean {
  if (namespace === DEFAULT_NAMESPACE && matchesSelector(selector, DEFAULT_EGRESS_LABELS))
    return true;
  return resources.some((r) => {
    if (isKind(r, KIND.istioOperator))
      return operatorEgressGateways(r).some(
        (g) => g.namespace === namespace && matchesSelector(selector, g.labels),
      );
    if (r.namespace !== namespace) return false;
    if (POD_KINDS.has(r.kind))
      return matchesSelector(selector, labelsAt(r, [...podMetadataPath(r), 'labels']));
    if (isKind(r, KIND.service))
      return selectorFit(selector, labelsAt(r, ['spec', 'selector'])) === 'matches';
    return false;
  });
}
