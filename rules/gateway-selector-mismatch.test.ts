import { testRule } from '../test/rule-tester.js';
import { istioGatewayYaml } from '../test/istio-fixtures.js';
import rule from './gateway-selector-mismatch.js';

const istioGateway = istioGatewayYaml('egressgateway-a');

const gateway = (selector: string): string => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: egress, namespace: istio-system}
spec:
  selector:
    ${selector}
  servers:
  - port: {number: 80, name: https, protocol: HTTPS}
    hosts: ['*']
    tls: {mode: ISTIO_MUTUAL}
`;

testRule(rule, {
  valid: [
    {
      name: 'selects the declared gateway',
      yaml: { 'gw.yaml': istioGateway, 'gateway.yaml': gateway('istio: egressgateway-a') },
    },
    { name: 'no gateway declared: nothing to compare with', yaml: gateway('istio: egressgateway') },
    {
      name: 'selects one of many declared gateways',
      yaml: {
        'gw.yaml': [istioGateway, istioGatewayYaml('egressgateway-b')].join('---\n'),
        'gateway.yaml': gateway('istio: egressgateway-b'),
      },
    },
    {
      // The pods may carry a label the repository does not show: the selector may pick them.
      name: 'selects by a label the declared gateways may carry',
      yaml: { 'gw.yaml': istioGateway, 'gateway.yaml': gateway('zone: edge') },
    },
  ],
  invalid: [
    {
      name: 'selects a gateway the repository does not declare',
      yaml: { 'gateway.yaml': gateway('istio: egressgateway'), 'gw.yaml': istioGateway },
      findings: [
        {
          line: 6,
          column: 5,
          message:
            'selector istio=egressgateway picks none of the gateways this repository declares (egress gateway egressgateway-a: security.istio.io/tlsMode=istio, istio=egressgateway-a), so its servers exist on no proxy and the VirtualServices bound to it do nothing',
        },
      ],
    },
    {
      name: 'a second label conflicts with the declared gateway',
      yaml: {
        'gateway.yaml': gateway('{istio: egressgateway-a, security.istio.io/tlsMode: disabled}'),
        'gw.yaml': istioGateway,
      },
      findings: [
        {
          line: 6,
          column: 6,
          message:
            'selector istio=egressgateway-a, security.istio.io/tlsMode=disabled picks none of the gateways this repository declares (egress gateway egressgateway-a: security.istio.io/tlsMode=istio, istio=egressgateway-a), so its servers exist on no proxy and the VirtualServices bound to it do nothing',
        },
      ],
    },
  ],
});
