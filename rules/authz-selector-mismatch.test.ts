import { testRule } from '../test/rule-tester.js';
import { egressPolicyYaml, istioGatewayYaml as gateway } from '../test/istio-fixtures.js';
import rule from './authz-selector-mismatch.js';

const policy = egressPolicyYaml(
  '[{namespace: mytest}]',
  '{hosts: [httpbin.org], port: {name: http, number: 80, protocol: HTTP}, byEgressGateway: {port: 80}}',
);

const authz = (
  namespace: string,
  selector: string,
  hosts = true,
): string => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-post
  namespace: ${namespace}
spec:
  action: DENY
  selector:
    matchLabels:
      ${selector}
  rules:
  - to:
    - operation:
${hosts ? '        hosts: [httpbin.org]\n' : ''}        methods: [POST]
`;

testRule(rule, {
  valid: [
    {
      name: 'selects the gateway the policy routes the host through',
      yaml: {
        'policy.yaml': policy,
        'gateway.yaml': gateway('egressgateway'),
        'authz.yaml': authz('istio-system', 'istio: egressgateway'),
      },
    },
    {
      name: 'no hosts, selects a declared gateway from its namespace',
      yaml: {
        'gateway.yaml': gateway('egressgateway-a'),
        'authz.yaml': authz('istio-system', 'istio: egressgateway-a', false),
      },
    },
    {
      name: 'not meant for a gateway: an application policy in its own namespace',
      yaml: { 'policy.yaml': policy, 'authz.yaml': authz('bookinfo', 'app: reviews') },
    },
    {
      name: 'seeds 000/001: the policy names an undeclared gateway (gateway-not-found), the selector the declared one',
      yaml: {
        'authz.yaml': authz('istio-system', 'istio: egressgateway-a'),
        'policy.yaml': policy,
        'gateway.yaml': gateway('egressgateway-a'),
      },
    },
  ],
  invalid: [
    {
      name: 'the host leaves through egressgateway, the policy selects egressgateway-a, both declared',
      yaml: {
        'authz.yaml': authz('istio-system', 'istio: egressgateway-a'),
        'policy.yaml': policy,
        'gateway.yaml': `${gateway('egressgateway-a')}---\n${gateway('egressgateway')}`,
      },
      findings: [
        {
          line: 10,
          column: 7,
          message:
            'selector istio: egressgateway-a picks egress gateway egressgateway-a, but httpbin.org leaves through egress gateway egressgateway via Gateway istio-system/egress-by-egressgateway (rendered from ASMEgressTrafficPolicy istio-egress/egress-by-egressgateway); this policy never sees that traffic',
        },
      ],
    },
    {
      name: 'selector picks no known egress gateway',
      yaml: {
        'authz.yaml': authz('istio-system', 'istio: egress'),
        'policy.yaml': policy,
        'gateway.yaml': gateway('egressgateway'),
      },
      findings: [
        {
          line: 10,
          column: 7,
          message:
            /^selector istio: egress picks no egress gateway's pods, so this policy applies to nothing; known egress gateways: egress gateway egressgateway \(security.istio.io\/tlsMode=istio, istio=egressgateway\)$/,
        },
      ],
    },
    {
      name: 'in the client namespace, where the gateway pods are not',
      yaml: { 'authz.yaml': authz('mytest', 'istio: egressgateway'), 'policy.yaml': policy },
      findings: [
        {
          line: 5,
          column: 3,
          message:
            /whose pods run in istio-system, but an AuthorizationPolicy in mytest applies only to workloads in mytest/,
        },
      ],
    },
  ],
});
