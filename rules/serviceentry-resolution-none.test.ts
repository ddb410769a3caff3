import { testRule } from '../test/rule-tester.js';
import { egressGatewayYaml, GW_HOST, MTLS_SERVER } from '../test/istio-fixtures.js';
import rule from './serviceentry-resolution-none.js';

const serviceEntry = (resolution?: string): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: aliyun, namespace: istio-system}
spec:
  hosts: [www.aliyun.com]
  location: MESH_EXTERNAL
  ports: [{number: 80, name: http, protocol: HTTP}]
${resolution ? `  resolution: ${resolution}\n` : ''}`;

/** Seed 002: the gateway leg sends www.aliyun.com on. */
const egress = `${egressGatewayYaml(MTLS_SERVER, 'istio-egressgateway')}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs-aliyun-egress, namespace: demo-frontend}
spec:
  hosts: [www.aliyun.com]
  gateways: [istio-system/istio-egressgateway, mesh]
  http:
  - match:
    - gateways: [mesh]
      port: 80
    route:
    - destination: {host: ${GW_HOST}, port: {number: 80}}
  - match:
    - gateways: [istio-system/istio-egressgateway]
      port: 80
    route:
    - destination: {host: www.aliyun.com, port: {number: 80}}
`;

const direct = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: direct, namespace: demo-frontend}
spec:
  hosts: [www.aliyun.com]
  http:
  - route:
    - destination: {host: www.aliyun.com}
`;

/** Entries for the host in team-a and team-b (both public), with the gateway route to it. */
const twoEntries = (a: string, b: string): Record<string, string> => ({
  'se.yaml': `${inNamespace('team-a', a)}---\n${inNamespace('team-b', b)}`,
  'egress.yaml': egress,
});
const inNamespace = (namespace: string, resolution: string): string =>
  serviceEntry(resolution).replace('namespace: istio-system', `namespace: ${namespace}`);

/**
 * Gateway pods in istio-system and egress-b. team-a's NONE entry is exported to both, team-b's DNS
 * entry to egress-b only: istio-system gets NONE whatever the order, egress-b only in one order.
 */
const gatewayPods = (namespace: string): string => `apiVersion: istio.alibabacloud.com/v1beta1
kind: IstioGateway
metadata: {name: egress-${namespace}, namespace: ${namespace}}
spec:
  gatewayType: egress
  ports: [{name: http, port: 80, targetPort: 80}]
  podLabels: {team: egress}
`;
const perNamespace: Record<string, string> = {
  'se.yaml': `${inNamespace('team-a', 'NONE')}  exportTo: [istio-system, egress-b]\n---\n${inNamespace('team-b', 'DNS')}  exportTo: [egress-b]\n`,
  'egress.yaml': egress.replace('selector: {istio: egressgateway}', 'selector: {team: egress}'),
  'pods.yaml': `${gatewayPods('istio-system')}---\n${gatewayPods('egress-b')}`,
};

testRule(rule, {
  valid: [
    {
      name: 'seed 002: resolution DNS',
      yaml: { 'se.yaml': serviceEntry('DNS'), 'egress.yaml': egress },
    },
    {
      name: 'NONE is fine for sidecars that go direct',
      yaml: { 'se.yaml': serviceEntry('NONE'), 'direct.yaml': direct },
    },
  ],
  invalid: [
    {
      name: 'resolution NONE for a host routed through the gateway',
      yaml: { 'se.yaml': serviceEntry('NONE'), 'egress.yaml': egress },
      findings: [
        {
          line: 8,
          column: 3,
          message:
            'www.aliyun.com is routed through egress gateway egressgateway, but ServiceEntry istio-system/aliyun has resolution NONE: a gateway cannot pass traffic on to the address it was sent to (that is its own), so Istio gives it an endpoint-list cluster, and a NONE entry has no endpoints: the traffic never leaves (503, no healthy upstream); use resolution: DNS (or STATIC with endpoints)',
        },
      ],
    },
    {
      name: 'resolution left out (NONE by default)',
      yaml: { 'se.yaml': serviceEntry(), 'egress.yaml': egress },
      findings: [
        {
          line: 4,
          column: 1,
          message: /has resolution NONE \(the default, as resolution is not set\)/,
        },
      ],
    },
    {
      name: 'two entries for the host, one NONE: creation order decides which the gateway keeps, so a warning',
      yaml: twoEntries('NONE', 'DNS'),
      findings: [
        {
          line: 8,
          column: 3,
          severity: 'warning',
          message:
            /use resolution: DNS \(or STATIC with endpoints\) \(if ServiceEntry team-a\/aliyun is the oldest of ServiceEntry team-a\/aliyun and ServiceEntry team-b\/aliyun: Istio keeps the oldest entry for a host, and which was created first the repository cannot show\)$/,
        },
      ],
    },
    {
      name: 'gateway pods in istio-system see only the NONE entry: an error, though egress-b also sees a DNS one',
      yaml: perNamespace,
      findings: [
        { line: 8, column: 3, severity: 'error', message: /\(or STATIC with endpoints\)$/ },
      ],
    },
    {
      name: 'two entries for the host, both NONE: whichever is older, an error',
      yaml: twoEntries('NONE', 'NONE'),
      findings: [
        { line: 8, column: 3, severity: 'error', message: /\(or STATIC with endpoints\)$/ },
      ],
    },
  ],
});
