/** YAML that many rule tests need beside the policy under test. */

/** The seeds' egress gateway: ports HTTP 80, HTTPS 443, HTTPS 444, and the mTLS pod label. */
export function egressGateway(name = 'egressgateway-a', extra = ''): string {
  return `apiVersion: istio.alibabacloud.com/v1beta1
kind: IstioGateway
metadata:
  name: ${name}
  namespace: istio-system
spec:
  gatewayType: egress
  ports:
  - name: http
    port: 80
    targetPort: 80
  - name: https
    port: 443
    targetPort: 443
  - name: https-444
    port: 444
    targetPort: 444
  podLabels:
    security.istio.io/tlsMode: istio
${extra}`;
}

/**
 * A policy on `gateway` whose first rule's `to` list is `to` (YAML indented as under `to:`). The
 * destinations start on line 13, so tests can count lines from there.
 */
export function policyTo(to: string, gateway = 'egressgateway-a', apiVersion = 'v1'): string {
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
    - namespace: mytest
    to:
${to}`;
}
