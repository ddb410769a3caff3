import { testRule } from '../test/rule-tester.js';
import rule from './policy-name.js';

const policy = (name: string, namespace?: string): string => `apiVersion: istio.alibabacloud.com/v1
kind: ASMEgressTrafficPolicy
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ''}spec:
  byEgressGateway:
    name: egressgateway
  egressRules:
  - from:
    - namespace: mytest
    to:
    - hosts: [httpbin.org]
      port: {number: 80, protocol: HTTP}
`;

testRule(rule, {
  valid: [
    {
      name: 'conventional name and namespace',
      yaml: policy('egress-by-egressgateway', 'istio-egress'),
    },
    {
      name: 'policy namespace from the config',
      yaml: policy('egress-by-egressgateway', 'egress'),
      config: 'mesh:\n  policyNamespace: egress\n',
    },
  ],
  invalid: [
    {
      name: 'name does not follow egress-by-<gateway>',
      yaml: policy('httpbin-egress', 'istio-egress'),
      findings: [{ line: 4, column: 3, message: /should be named "egress-by-egressgateway"/ }],
    },
    {
      name: 'wrong namespace',
      yaml: policy('egress-by-egressgateway', 'mytest'),
      findings: [
        {
          line: 5,
          column: 3,
          message: /in namespace "mytest"; ASM expects egress traffic policies in "istio-egress"/,
        },
      ],
    },
    {
      name: 'no namespace at all',
      yaml: policy('egress-by-egressgateway'),
      findings: [{ line: 3, column: 1, message: /has no namespace/ }],
    },
  ],
});
