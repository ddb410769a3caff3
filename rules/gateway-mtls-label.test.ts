import { egressGateway } from '../test/rule-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule from './gateway-mtls-label.js';

const LABEL = '  podLabels:\n    security.istio.io/tlsMode: istio\n';

testRule(rule, {
  valid: [
    { name: 'the label the seed asks for', yaml: egressGateway() },
    {
      name: 'ingress gateways are not checked',
      yaml: egressGateway()
        .replace('gatewayType: egress', 'gatewayType: ingress')
        .replace(LABEL, ''),
    },
  ],
  invalid: [
    {
      name: 'no podLabels at all',
      yaml: egressGateway().replace(LABEL, ''),
      findings: [
        {
          line: 7,
          column: 3,
          message:
            'egress gateway egressgateway-a lacks podLabels security.istio.io/tlsMode: istio; without it sidecars do not use mTLS to the gateway and its ISTIO_MUTUAL servers refuse them (add it under spec.podLabels)',
        },
      ],
    },
    {
      name: 'podLabels without the label',
      yaml: egressGateway().replace(LABEL, '  podLabels:\n    team: platform\n'),
      findings: [
        { line: 18, column: 3, message: /lacks podLabels security.istio.io\/tlsMode: istio/ },
      ],
    },
    {
      name: 'the label with another value',
      yaml: egressGateway().replace(
        LABEL,
        '  podLabels:\n    security.istio.io/tlsMode: disabled\n',
      ),
      findings: [
        {
          line: 19,
          column: 5,
          message: /has podLabels security.istio.io\/tlsMode: "disabled"; it must be "istio"/,
        },
      ],
    },
  ],
});
