/** API groups and kinds egress-lint understands. Everything else is loaded, kept and ignored. */

export const ASM_GROUP = 'istio.alibabacloud.com';
export const NETWORKING_GROUP = 'networking.istio.io';
export const SECURITY_GROUP = 'security.istio.io';
export const INSTALL_GROUP = 'install.istio.io';
/** Kubernetes Gateway API: its Gateway is not Istio's, though both are kind Gateway. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

export const KIND = {
  egressPolicy: 'ASMEgressTrafficPolicy',
  istioGateway: 'IstioGateway',
  serviceEntry: 'ServiceEntry',
  virtualService: 'VirtualService',
  destinationRule: 'DestinationRule',
  gateway: 'Gateway',
  sidecar: 'Sidecar',
  authorizationPolicy: 'AuthorizationPolicy',
  peerAuthentication: 'PeerAuthentication',
  istioOperator: 'IstioOperator',
  configMap: 'ConfigMap',
  service: 'Service',
  endpoints: 'Endpoints',
  endpointSlice: 'EndpointSlice',
} as const;

/** The apiVersions the renderer writes. */
export const RENDER_API = {
  networking: `${NETWORKING_GROUP}/v1`,
  security: `${SECURITY_GROUP}/v1`,
} as const;

// No prototype: a document's `kind` (`constructor`, `__proto__`...) is looked up here as a key.
export const GROUP_OF_KIND: Readonly<Record<string, string>> = Object.assign(Object.create(null), {
  [KIND.egressPolicy]: ASM_GROUP,
  [KIND.istioGateway]: ASM_GROUP,
  [KIND.serviceEntry]: NETWORKING_GROUP,
  [KIND.virtualService]: NETWORKING_GROUP,
  [KIND.destinationRule]: NETWORKING_GROUP,
  [KIND.gateway]: NETWORKING_GROUP,
  [KIND.sidecar]: NETWORKING_GROUP,
  [KIND.authorizationPolicy]: SECURITY_GROUP,
  [KIND.peerAuthentication]: SECURITY_GROUP,
  [KIND.istioOperator]: INSTALL_GROUP,
  [KIND.configMap]: '',
  [KIND.service]: '',
  [KIND.endpoints]: '',
  [KIND.endpointSlice]: 'discovery.k8s.io',
});

export function isKind(
  r: { group: string; kind: string },
  kind: keyof typeof KIND | string,
): boolean {
  const k = (KIND as Record<string, string>)[kind] ?? kind;
  return r.kind === k && r.group === GROUP_OF_KIND[k];
}

/**
 * Kubernetes kinds without a namespace (`kubectl api-resources --namespaced=false`), by
 * `group/kind`: their `metadata.namespace`, if written, means nothing. IstioOperator is namespaced.
 */
const CLUSTER_SCOPED = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'apiregistration.k8s.io/APIService',
  'storage.k8s.io/StorageClass',
  'scheduling.k8s.io/PriorityClass',
  'networking.k8s.io/IngressClass',
  `${GATEWAY_API_GROUP}/GatewayClass`,
]);

export function isClusterScoped(r: { group: string; kind: string }): boolean {
  return CLUSTER_SCOPED.has(`${r.group}/${r.kind}`);
}
