import { egressPolicyYaml, GW_HOST } from '../test/istio-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule from './vs-source-match-ignored.js';

const vs = (kind: string, match: string): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: istio-system}
spec:
  hosts: [httpbin.org]
  exportTo: [istio-system, mytest]
  gateways: [mesh, istio-system/egress]
  ${kind}:
  - match:
${match}    route:
    - destination: {host: ${GW_HOST}, port: {number: 80}}
`;

testRule(rule, {
  valid: [
    {
      name: 'HTTP match without gateways: the source is checked',
      yaml: vs(
        'http',
        '    - port: 80\n      sourceLabels: {app: sleep-a}\n      sourceNamespace: mytest\n',
      ),
    },
    {
      name: 'TCP match with gateways: the source is checked as well',
      yaml: vs(
        'tcp',
        '    - gateways: [mesh]\n      port: 80\n      sourceLabels: {app: sleep-a}\n      sourceNamespace: mytest\n',
      ),
    },
    {
      name: 'rendered from a policy with a workload selector',
      yaml: egressPolicyYaml(
        '[{namespace: mytest, workloadSelector: {app: sleep-a}}]',
        '{hosts: [httpbin.org], port: {name: http, number: 80, protocol: HTTP}, byEgressGateway: {port: 80}}',
      ),
    },
  ],
  invalid: [
    {
      name: 'HTTP match naming mesh and the source',
      yaml: vs(
        'http',
        '    - gateways: [mesh]\n      port: 80\n      sourceLabels: {app: sleep-a}\n      sourceNamespace: mytest\n',
      ),
      findings: [
        {
          line: 12,
          column: 7,
          message:
            "Istio ignores sourceLabels and sourceNamespace in an HTTP match that lists gateways, so this route applies to every sidecar that sees the VirtualService (in istio-system, mytest), not only the workloads it names; remove the match's gateways (the VirtualService's own gateways still apply, and on a gateway the source is checked against the gateway's pods) or move the route to a VirtualService bound to mesh only",
        },
      ],
    },
    {
      name: 'only sourceNamespace',
      yaml: vs('http', '    - gateways: [mesh]\n      sourceNamespace: mytest\n'),
      findings: [
        { line: 11, column: 7, message: /applies to every sidecar that sees the VirtualService/ },
      ],
    },
  ],
});
