/**
 * Istio's lookup rules, written once for the lint rules and the simulator alike: host matching,
 * exportTo visibility, VirtualService-to-Gateway binding and route matches per proxy, the
 * DestinationRule lookup path and client TLS, Gateway servers and SNI, workload selection and
 * authorization conditions. Everything here reads resources; nothing here knows about findings.
 *
 * Resources are never changed after loading or rendering, so readings (exportTo, routes, servers,
 * lookups by host) are cached per object: a rule asks the same thing for every client namespace.
 * The parts live in ./istio/; this module is what the rest of the code imports.
 */
export { PerObjectMemo } from './istio/memo.js';
export { requestHost, type RequestHost } from './istio/request-host.js';
export {
  hostMatches,
  hostSubsetOf,
  mostSpecific,
  mostSpecificMatch,
  stringList,
  servicePortProtocol,
} from './istio/hosts.js';
export {
  DEFAULT_CLUSTER_DOMAIN,
  resolveHostName,
  resolveHostOf,
  resolveGatewayName,
  serviceHostName,
  clusterServiceOf,
  isClusterDomainHost,
  splitNamespacedHost,
  clusterDomainOf,
  assignClusterDomain,
} from './istio/names.js';
export {
  EXPORT_TO_ANNOTATION,
  isKubernetesService,
  kubernetesPortProtocol,
  kubernetesServicePort,
  readKubernetesService,
} from './istio/services.js';
export type { KubernetesService, KubernetesServicePort } from './istio/services.js';
export {
  resolveAlias,
  routedHost,
  type AliasTarget,
  type RoutedHost,
} from './istio/external-name.js';
export { handWrittenEndpoints, type HandWrittenEndpoints } from './istio/endpoints.js';
export {
  GATEWAY_NAME_LABEL,
  httpRoutePrecedence,
  unmodelledForHost,
  type GatewayApiListener,
  type Refusal,
  type Unattached,
  type UnshownGateway,
  type Unmodelled,
} from './istio/gateway-api.js';
export {
  isVisibleTo,
  lookupRank,
  exportedTo,
  visibleNamespaces,
  OTHER_NAMESPACES,
  everyNamespace,
  describeNamespaces,
} from './istio/visibility.js';
export type { ExportScope } from './istio/visibility.js';
export {
  workloadSelectorOf,
  selectorFit,
  fitsSomeWorkload,
  labelsText,
  labelsKey,
  gatewaySelector,
} from './istio/workloads.js';
export type { Workload, SelectorFit } from './istio/workloads.js';
export {
  MESH,
  normalizeGatewayRef,
  virtualServiceHosts,
  vsGateways,
  gatewayRef,
  routesOf,
  reachesUnregisteredHost,
  matchScope,
  scopeOfMatch,
  matchAppliesTo,
  routeMatchAppliesTo,
  sniMatches,
} from './istio/routes.js';
export { matchesApplyingTo } from './istio/route-match-index.js';
export { chainServerNames, sniChooser } from './istio/sni.js';
export type {
  RouteKind,
  RouteMatchRef,
  RouteDestinationRef,
  VsRoute,
  MatchScope,
  ProxyView,
} from './istio/routes.js';
export {
  serverHostAdmits,
  ISTIO_FILE_CERT_DIR,
  gatewayServers,
  serverAdmitsVirtualService,
  serverVirtualServiceHosts,
  virtualHostDomains,
  serverSeesClientIdentity,
  serverExpectsMeshMtls,
  serversByPort,
  gatewaysMergedByAge,
  serverForSni,
  TLS_MODE_LABEL,
  onlyServicePort,
  describeGatewayWorkload,
  workloadServers,
  describeServerPort,
  serverVirtualServices,
} from './istio/gateways.js';
export type {
  GatewayServer,
  PortServers,
  GatewayWorkload,
  GatewayService,
  WorkloadServer,
  ServerVirtualServices,
} from './istio/gateways.js';
export {
  destinationRuleHost,
  subsetsOf,
  subsetsOfRule,
  clientTlsFor,
  istioMtlsSni,
  outboundTls,
  peerAuthenticationMode,
  rulesMergedByAge,
} from './istio/destination-rules.js';
export type {
  DestinationRuleLookup,
  ClientTls,
  SubsetRef,
  OutboundTls,
  OutboundTlsQuery,
} from './istio/destination-rules.js';
export {
  authzAction,
  authzRules,
  isHttpOnlyCondition,
  httpOnlyConditions,
  identityConditions,
  conditionAppliesToPort,
  authzEnforcedOn,
  authzGatewayTargets,
  authzInactiveReason,
} from './istio/authz.js';
export type { AuthzAction, AuthzRuleRef, AuthzCondition } from './istio/authz.js';
export { workloadPolicyIndexOf } from './istio/workload-policies.js';
export { gatewayClientTlsOrders, gatewaysCarrying } from './istio/uses.js';
export type { RouteUse, GatewayClient } from './istio/uses.js';
export {
  conflictingHostClaims,
  creationOrders,
  sidecarsForSameWorkloads,
  withOldest,
} from './istio/creation-order.js';
export type { HostClaim } from './istio/creation-order.js';
export { buildIstioIndex } from './istio/index.js';
export type { IstioIndex } from './istio/index.js';
export {
  ipLiteral,
  serviceEntryHostProblem,
  addressProblem,
  addressCovers,
  inRanges,
  entriesForAddress,
} from './istio/addresses.js';
export { sharedTlsListenerEntries, attachedEntry } from './istio/listeners.js';
export { interceptionFor, captured, interceptsAll, INJECT_LABEL } from './istio/interception.js';
export type { Interception, Captured, SettingSource, Destination } from './istio/interception.js';
export { egressListener, egressProxyOf, sidecarImports } from './istio/sidecar-scope.js';
export { mirrorReach, mirrorsOf } from './istio/mirrors.js';
export {
  byWrittenHost,
  entryPortNumber,
  entryPortProtocol,
  keptPorts,
  serviceChoice,
} from './istio/service-choice.js';
export { hasResolutionNone, serviceEntryResolution } from './istio/resolution.js';
export type { ProxyScope, ServiceChoice } from './istio/service-choice.js';
export type { Mirror, MirrorReach } from './istio/mirrors.js';
export type { EgressProxy, SidecarImport } from './istio/sidecar-scope.js';
