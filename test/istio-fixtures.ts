/** What the Istio rule tests share: the rule ids, and YAML builders for the egress set-up of the seeds. */

/** The rules over Istio resources (the ASM-policy and stage rules have their own tests). */
export const ISTIO_RULES = [
  'authz-identity-without-mtls',
  'authz-l7-on-l4',
  'authz-no-rules',
  'authz-selector-mismatch',
  'dr-lookup-path',
  'dr-subset-missing',
  'gateway-api-route-unattached',
  'gateway-legacy-certs',
  'gateway-selector-mismatch',
  'gateway-server-conflict',
  'gateway-tls-mismatch',
  'serviceentry-conflict',
  'serviceentry-missing',
  'serviceentry-resolution-none',
  'sidecar-conflict',
  'tls-route-sni-missing',
  'vs-gateway-missing',
  'vs-host-conflict',
  'vs-mirror-destination',
  'vs-route-unreachable',
  'vs-source-match-ignored',
];

export const GW_HOST = 'istio-egressgateway.istio-system.svc.cluster.local';

/** One Gateway server, as an item of `servers:`. */
export function serverYaml(
  port: number,
  protocol: string,
  hosts: string,
  tlsMode?: string,
): string {
  const tls = tlsMode ? `    tls: {mode: ${tlsMode}}\n` : '';
  return `  - port: {number: ${port}, name: ${protocol.toLowerCase()}-${port}, protocol: ${protocol}}\n    hosts: [${hosts}]\n${tls}`;
}

/** The server most egress set-ups use: HTTPS on port 80, terminating the mesh's mTLS, any host. */
export const MTLS_SERVER = serverYaml(80, 'HTTPS', "'*'", 'ISTIO_MUTUAL');

/** A Gateway for the pods labelled istio: egressgateway. */
export function egressGatewayYaml(
  servers: string,
  name = 'egress',
  namespace = 'istio-system',
): string {
  return `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  selector: {istio: egressgateway}
  servers:
${servers}`;
}

/** An ASM egress gateway in istio-system with an HTTP port 80. */
export function istioGatewayYaml(
  name = 'egressgateway',
  podLabels = '{security.istio.io/tlsMode: istio}',
): string {
  return `apiVersion: istio.alibabacloud.com/v1beta1
kind: IstioGateway
metadata: {name: ${name}, namespace: istio-system}
spec:
  gatewayType: egress
  ports: [{name: http, port: 80, targetPort: 80}]
  podLabels: ${podLabels}
`;
}

/** An ASMEgressTrafficPolicy on egressgateway: one rule from `from` (a flow list) to `to` (flow maps, one a line). */
export function egressPolicyYaml(from: string, ...to: string[]): string {
  return `apiVersion: istio.alibabacloud.com/v1
kind: ASMEgressTrafficPolicy
metadata: {name: egress-by-egressgateway, namespace: istio-egress}
spec:
  byEgressGateway: {name: egressgateway}
  egressRules:
  - from: ${from}
    to:
${to.map((t) => `    - ${t}\n`).join('')}`;
}

/** A Gateway `egress` carrying `host` on HTTPS 80 and the VirtualService of its gateway leg to host:port. */
export function gatewayLegYaml(host: string, port: number, serverHosts = "'*'"): string {
  return `${egressGatewayYaml(serverYaml(80, 'HTTPS', serverHosts, 'ISTIO_MUTUAL'))}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${host.split('.')[0]}, namespace: istio-system}
spec:
  hosts: [${host}]
  gateways: [egress]
  http:
  - route:
    - destination: {host: ${host}, port: {number: ${port}}}
`;
}

/** An AuthorizationPolicy in istio-system for the egressgateway pods; `rules` is the YAML list under `rules:`. */
export function gatewayAuthzYaml(action: string, rules: string): string {
  return `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: egress-rules
  namespace: istio-system
spec:
  action: ${action}
  selector:
    matchLabels:
      istio: egressgateway
  rules:
${rules}`;
}

/** A workload (Deployment `sleep`): the repository shows a client in this namespace. */
export function workloadYaml(namespace: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: sleep, namespace: ${namespace}}
spec:
  selector: {matchLabels: {app: sleep}}
  template:
    metadata: {labels: {app: sleep}}
    spec: {containers: [{name: sleep, image: curl}]}
`;
}

/**
 * A sidecar route in app for httpbin.org (registered there) to the ExternalName alias app/my-httpbin
 * of httpbin.org, subset v1 (the route's destination on the last line), and a DestinationRule in app
 * for `drHost` defining v1.
 */
export function aliasSubsetRouteYaml(drHost: string): string {
  return `apiVersion: v1
kind: Service
metadata: {name: my-httpbin, namespace: app}
spec: {type: ExternalName, externalName: httpbin.org}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin, namespace: app}
spec:
  hosts: [httpbin.org]
  resolution: DNS
  ports: [{number: 80, name: http, protocol: HTTP}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin, namespace: app}
spec:
  host: ${drHost}
  subsets: [{name: v1, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: app}
spec:
  hosts: [httpbin.org]
  http:
  - route: [{destination: {host: my-httpbin, subset: v1, port: {number: 80}}}]
`;
}

/** A sidecar VirtualService for httpbin.org in mytest whose route mirrors (YAML under the route, from line 10). */
export function mirroringVirtualServiceYaml(mirror: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: mytest}
spec:
  hosts: [httpbin.org]
  http:
  - route:
    - destination: {host: httpbin.org}
${mirror}`;
}

/** A DestinationRule in mytest defining subset v1 of audit.example.com, a mirror target. */
export const AUDIT_SUBSETS_YAML = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: audit, namespace: mytest}
spec:
  host: audit.example.com
  subsets: [{name: v1, labels: {version: v1}}]
`;
