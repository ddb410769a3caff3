import { egressGateway, policyTo } from '../test/rule-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule from './gateway-not-found.js';

const to = `    - hosts: [httpbin.org]
      port: {name: http, number: 80, protocol: HTTP}
`;

testRule(rule, {
  valid: [
    {
      name: 'the gateway is declared',
      yaml: { 'policy.yaml': policyTo(to), 'gateway.yaml': egressGateway() },
    },
    {
      name: 'an egress gateway wins over an ingress gateway of the same name',
      yaml: {
        'policy.yaml': policyTo(to),
        'gateway.yaml': `${egressGateway()}---\n${egressGateway().replace('gatewayType: egress', 'gatewayType: ingress').replace('istio-system', 'istio-ingress')}`,
      },
    },
  ],
  invalid: [
    {
      name: 'a typo of a declared gateway (seed 000: egressgateway vs egressgateway-a)',
      yaml: { 'policy.yaml': policyTo(to, 'egressgateway'), 'gateway.yaml': egressGateway() },
      findings: [
        {
          line: 8,
          column: 5,
          severity: 'error',
          message:
            'no egress gateway named "egressgateway" in the config set; did you mean "egressgateway-a"?',
        },
      ],
    },
    {
      name: 'a name unlike any declared gateway',
      yaml: { 'policy.yaml': policyTo(to, 'outbound'), 'gateway.yaml': egressGateway() },
      findings: [
        {
          line: 8,
          column: 5,
          severity: 'warning',
          message:
            /no egress gateway named "outbound" .*\(egress gateways here: egressgateway-a\); if it was created in the ASM console/,
        },
      ],
    },
    {
      name: 'no IstioGateway in the repository at all',
      yaml: policyTo(to),
      findings: [
        {
          line: 8,
          column: 5,
          severity: 'info',
          message:
            /not in the config set \(no IstioGateway found\).*assumes it lives in istio-system/,
        },
      ],
    },
    {
      name: 'an ingress gateway',
      yaml: {
        'policy.yaml': policyTo(to, 'ingressgateway'),
        'gateway.yaml': `${egressGateway('ingressgateway').replace('gatewayType: egress', 'gatewayType: ingress')}---\n${egressGateway()}`,
      },
      findings: [
        {
          line: 8,
          column: 5,
          severity: 'error',
          message:
            /"ingressgateway" is an ingress gateway .*need a gateway with spec.gatewayType: egress \(egress gateways here: egressgateway-a\)/,
        },
      ],
    },
  ],
});
