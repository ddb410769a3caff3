import { egressGatewayYaml, serverYaml } from '../test/istio-fixtures.js';
import { egressGateway, policyTo } from '../test/rule-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule from './gateway-server-conflict.js';

const MTLS = serverYaml(80, 'HTTPS', 'httpbin.org', 'ISTIO_MUTUAL');

testRule(rule, {
  valid: [
    {
      name: 'two Gateways, same port and protocol, different hosts',
      yaml: {
        'a.yaml': egressGatewayYaml(MTLS, 'a'),
        'b.yaml': egressGatewayYaml(
          serverYaml(80, 'HTTPS', 'edition.cnn.com', 'ISTIO_MUTUAL'),
          'b',
        ),
      },
    },
    {
      name: 'same host, different ports',
      yaml: {
        'a.yaml': egressGatewayYaml(MTLS, 'a'),
        'b.yaml': egressGatewayYaml(serverYaml(443, 'TLS', 'httpbin.org', 'PASSTHROUGH'), 'b'),
      },
    },
    {
      name: 'same port and host on different gateway pods',
      yaml: {
        'a.yaml': egressGatewayYaml(MTLS, 'a'),
        'b.yaml': egressGatewayYaml(serverYaml(80, 'HTTP', 'httpbin.org'), 'b').replace(
          'istio: egressgateway}',
          'istio: other-egressgateway}',
        ),
      },
    },
  ],
  invalid: [
    {
      name: 'same pods, port and host; HTTP beside HTTPS with ISTIO_MUTUAL (istioctl conflicting-gateways)',
      yaml: {
        'a.yaml': egressGatewayYaml(MTLS, 'a'),
        'b.yaml': egressGatewayYaml(serverYaml(80, 'HTTP', 'httpbin.org'), 'b'),
      },
      findings: [
        {
          file: 'a.yaml',
          line: 7,
          column: 5,
          severity: 'error',
          message:
            "this server (port 80 (HTTPS, ISTIO_MUTUAL), hosts httpbin.org) and Gateway istio-system/b (port 80 (HTTP), b.yaml:7) configure the same gateway pods (egressgateway in istio-system) for the same host on one port with a different protocol or TLS mode: Istio keeps the oldest Gateway's server and drops the other, so the traffic meant for one of them meets the wrong protocol or TLS; use one server per port and host, or a different port",
        },
        {
          file: 'b.yaml',
          line: 7,
          column: 5,
          message:
            /^this server \(port 80 \(HTTP\), hosts httpbin.org\) and Gateway istio-system\/a/,
        },
      ],
    },
    {
      name: 'a hand-written Gateway beside a policy on the same gateway, other TLS mode',
      yaml: {
        'gw.yaml': `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: handmade, namespace: istio-system}
spec:
  selector: {istio: egressgateway-a}
  servers:
${serverYaml(80, 'HTTPS', "'*'", 'SIMPLE').replace('{mode: SIMPLE}', '{mode: SIMPLE, credentialName: egress-cert}')}`,
        'policy.yaml': policyTo(
          '    - hosts: [httpbin.org]\n      port: {number: 80, protocol: HTTP}\n      byEgressGateway: {port: 80}\n',
        ),
        'egress.yaml': egressGateway(),
      },
      findings: [
        {
          file: 'gw.yaml',
          line: 7,
          column: 5,
          message:
            /and Gateway istio-system\/egress-by-egressgateway-a \(rendered from ASMEgressTrafficPolicy/,
        },
      ],
    },
  ],
});
