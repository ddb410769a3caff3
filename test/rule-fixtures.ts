/** YAML that many rule tests need beside the policy under test. */

import { egressGatewayYaml } from '../bench/generate.js';

/** The seeds' egress gateway (the benchmark's too): ports HTTP 80, HTTPS 443, HTTPS 444, the mTLS pod label. */
export function egressGateway(name = 'egressgateway-a', extra = ''): string {
  return egressGatewayYaml(name, extra);
}

/** A policy on `gateway` with one rule: `from` and `to` are the YAML of the lists (from starts on line 11). */
export function policyWith(
  from: string,
  to: string,
  gateway = 'egressgateway-a',
  apiVersion = 'v1',
): string {
  return `apiVersion: istio.alibabacloud.com/${apiVersion}
kind: ASMEgressTrafficPolicy
metadata:
  name: egress-by-${gateway}
  namespace: istio-egress
spec:
  byEgressGateway:
    name: ${gateway}
  egressRules:
  - from:
${from}    to:
${to}`;
}

/**
 * A policy on `gateway` whose one rule admits namespace mytest to the `to` list (YAML indented as under
 * `to:`). The destinations start on line 13, so tests can count lines from there.
 */
export function policyTo(to: string, gateway = 'egressgateway-a', apiVersion = 'v1'): string {
  return policyWith('    - namespace: mytest\n', to, gateway, apiVersion);
}

/** A policy whose one rule has the `from` list given (starting on line 11) and an HTTP destination. */
export function policyFrom(from: string): string {
  return policyWith(from, '    - hosts: [httpbin.org]\n      port: {number: 80, protocol: HTTP}\n');
}
