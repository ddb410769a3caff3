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
  ],
});
