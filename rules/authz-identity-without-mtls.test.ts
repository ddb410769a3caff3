import { testRule } from '../test/rule-tester.js';
import {
  egressGatewayYaml as gateway,
  gatewayAuthzYaml,
  MTLS_SERVER as mtls,
  serverYaml,
} from '../test/istio-fixtures.js';
import rule from './authz-identity-without-mtls.js';

const passthrough = serverYaml(443, 'TLS', 'edition.cnn.com', 'PASSTHROUGH');
const plain = serverYaml(8080, 'HTTP', "'*'");

const authz = (action: string, source: string, ports?: string): string =>
  gatewayAuthzYaml(
    action,
    `  - from:\n    - source:\n        ${source}\n${ports ? `    to:\n    - operation:\n        ports: ["${ports}"]\n` : ''}`,
  );

testRule(rule, {
  valid: [
    {
      name: 'seed 002: DENY by namespace on an ISTIO_MUTUAL server',
      yaml: {
        'gateway.yaml': gateway(mtls),
        'authz.yaml': authz('DENY', 'namespaces: [demo-frontend]'),
      },
    },
    {
      name: 'principals limited to the mTLS port',
      yaml: {
        'gateway.yaml': gateway(mtls + plain),
        'authz.yaml': authz('ALLOW', 'principals: [cluster.local/ns/default/sa/sleep]', '80'),
      },
    },
    {
      name: 'source IPs need no identity',
      yaml: {
        'gateway.yaml': gateway(passthrough),
        'authz.yaml': authz('DENY', 'ipBlocks: [10.0.0.0/8]'),
      },
    },
  ],
  invalid: [
    {
      name: 'DENY by namespace on a PASSTHROUGH server denies nothing',
      yaml: {
        'authz.yaml': authz('DENY', 'namespaces: [demo-frontend]'),
        'gateway.yaml': gateway(passthrough),
      },
      findings: [
        {
          line: 14,
          column: 9,
          message:
            "`namespaces` needs the client's mTLS identity, which the gateway does not get on port 443 (TLS, passed through) of egress gateway egressgateway: TLS passed through, not terminated; this DENY rule never matches there, so it denies nothing on that port",
        },
      ],
    },
    {
      name: 'ALLOW by principal on a plain-text port denies everyone there',
      yaml: {
        'authz.yaml': authz('ALLOW', 'principals: [cluster.local/ns/default/sa/sleep]'),
        'gateway.yaml': gateway(mtls + plain),
      },
      findings: [
        {
          line: 14,
          column: 9,
          message:
            /on port 8080 \(HTTP\) of egress gateway egressgateway: plain text; this ALLOW rule never matches there, so those requests are denied$/,
        },
      ],
    },
  ],
});
