/**
 * The rule catalog. Adding a rule: write rules/<id>.ts (metadata + check), rules/<id>.md (docs) and
 * rules/<id>.test.ts (valid and invalid cases), then list it here.
 */
import type { Rule } from '../src/lint/rule.js';
import authzIdentityWithoutMtls from './authz-identity-without-mtls.js';
import authzL7OnL4 from './authz-l7-on-l4.js';
import authzNoRules from './authz-no-rules.js';
import authzSelectorMismatch from './authz-selector-mismatch.js';
import drLookupPath from './dr-lookup-path.js';
import drSubsetMissing from './dr-subset-missing.js';
import duplicateDestination from './duplicate-destination.js';
import duplicateResource from './duplicate-resource.js';
import duplicateSource from './duplicate-source.js';
import emptyWorkloadSelector from './empty-workload-selector.js';
import gatewayApiRouteUnattached from './gateway-api-route-unattached.js';
import gatewayLegacyCerts from './gateway-legacy-certs.js';
import gatewayMtlsLabel from './gateway-mtls-label.js';
import gatewayNotFound from './gateway-not-found.js';
import gatewayPortConflict from './gateway-port-conflict.js';
import gatewayPortMismatch from './gateway-port-mismatch.js';
import gatewaySelectorMismatch from './gateway-selector-mismatch.js';
import gatewayServerConflict from './gateway-server-conflict.js';
import gatewayTlsMismatch from './gateway-tls-mismatch.js';
import hostsResolveSame from './hosts-resolve-same.js';
import meshConfig from './mesh-config.js';
import httpsUpgradeDisabled from './https-upgrade-disabled.js';
import policyName from './policy-name.js';
import registryOnlyMissing from './registry-only-missing.js';
import render from './render.js';
import schema from './schema.js';
import serviceentryConflict from './serviceentry-conflict.js';
import sidecarConflict from './sidecar-conflict.js';
import serviceentryMissing from './serviceentry-missing.js';
import serviceentryResolutionNone from './serviceentry-resolution-none.js';
import tlsRouteSniMissing from './tls-route-sni-missing.js';
import vsGatewayMissing from './vs-gateway-missing.js';
import vsHostConflict from './vs-host-conflict.js';
import vsMirrorDestination from './vs-mirror-destination.js';
import vsRouteUnreachable from './vs-route-unreachable.js';
import vsSourceMatchIgnored from './vs-source-match-ignored.js';
import wildcardHost from './wildcard-host.js';
import yamlSyntax from './yaml-syntax.js';

export const RULES: readonly Rule[] = [
  yamlSyntax,
  schema,
  meshConfig,
  render,
  policyName,
  authzIdentityWithoutMtls,
  authzL7OnL4,
  authzNoRules,
  authzSelectorMismatch,
  drLookupPath,
  drSubsetMissing,
  gatewayApiRouteUnattached,
  gatewayLegacyCerts,
  gatewaySelectorMismatch,
  gatewayServerConflict,
  gatewayTlsMismatch,
  serviceentryConflict,
  sidecarConflict,
  serviceentryMissing,
  serviceentryResolutionNone,
  tlsRouteSniMissing,
  vsGatewayMissing,
  vsHostConflict,
  vsMirrorDestination,
  vsRouteUnreachable,
  vsSourceMatchIgnored,
  gatewayNotFound,
  gatewayPortMismatch,
  gatewayPortConflict,
  gatewayMtlsLabel,
  httpsUpgradeDisabled,
  registryOnlyMissing,
  duplicateDestination,
  duplicateResource,
  duplicateSource,
  emptyWorkloadSelector,
  hostsResolveSame,
  wildcardHost,
].sort((a, b) => (a.meta.id < b.meta.id ? -1 : a.meta.id > b.meta.id ? 1 : 0));

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.meta.id === id);
}
