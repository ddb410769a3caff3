import { testRule } from '../test/rule-tester.js';
import {
  egressGatewayYaml,
  gatewayAuthzYaml,
  MTLS_SERVER,
  serverYaml,
} from '../test/istio-fixtures.js';
import rule from './authz-l7-on-l4.js';

/** Port 80 carries HTTP (HTTPS terminated); port 443 carries TLS (terminated, then TCP). */
const gateway = egressGatewayYaml(MTLS_SERVER + serverYaml(443, 'TLS', "'*'", 'ISTIO_MUTUAL'));
const httpOnly = egressGatewayYaml(MTLS_SERVER);

const authz = gatewayAuthzYaml;

const denyPost = `  - from:
    - source:
        namespaces: [mytest]
    to:
    - operation:
        hosts: [httpbin.org]
        methods: [POST]
`;

testRule(rule, {
  valid: [
    {
      // builder.go isDryRun: a dry-run policy's rules are shadow rules; it allows and denies nothing.
      name: 'HTTP conditions in a dry-run policy on a gateway that also carries TLS',
      yaml: {
        'gateway.yaml': gateway,
        'authz.yaml': authz('ALLOW', `  - to:\n    - operation:\n        methods: [GET]\n`).replace(
          '  namespace: istio-system\n',
          '  namespace: istio-system\n  annotations: {istio.io/dry-run: "true"}\n',
        ),
      },
    },
    {
      name: 'HTTP conditions on a gateway that only carries HTTP',
      yaml: { 'gateway.yaml': httpOnly, 'authz.yaml': authz('DENY', denyPost) },
    },
    {
      name: 'HTTP conditions limited to the HTTP port',
      yaml: {
        'gateway.yaml': gateway,
        'authz.yaml': authz(
          'ALLOW',
          `  - to:\n    - operation:\n        ports: ["80"]\n        paths: [/status/*]\n`,
        ),
      },
    },
    {
      name: 'only L4 conditions on the TLS port',
      yaml: {
        'gateway.yaml': gateway,
        'authz.yaml': authz('DENY', `  - from:\n    - source:\n        namespaces: [mytest]\n`),
      },
    },
  ],
  invalid: [
    {
      name: 'DENY with hosts and methods also applies to the TLS port: it denies everything there',
      yaml: { 'authz.yaml': authz('DENY', denyPost), 'gateway.yaml': gateway },
      findings: [
        {
          line: 17,
          column: 9,
          message:
            '`hosts` needs HTTP, but port 443 (TLS, ISTIO_MUTUAL) of egress gateway egressgateway carries TLS/TCP: Istio drops `hosts` from this DENY rule there, so it denies every connection on that port that its other conditions match; limit the rule with `ports` to HTTP ports, or match TLS by `when: connection.sni`',
        },
        {
          line: 18,
          column: 9,
          message:
            /^`methods` needs HTTP, but port 443 .* Istio drops `methods` from this DENY rule there/,
        },
      ],
    },
    {
      name: 'ALLOW with paths on a TLS port allows nothing there',
      yaml: {
        'authz.yaml': authz('ALLOW', `  - to:\n    - operation:\n        paths: [/status/*]\n`),
        'gateway.yaml': gateway,
      },
      findings: [
        {
          line: 14,
          column: 9,
          message: /Istio skips this ALLOW rule there, so it allows nothing on that port/,
        },
      ],
    },
    {
      name: 'request headers in `when` on a TLS port',
      yaml: {
        'authz.yaml': authz(
          'ALLOW',
          `  - when:\n    - key: request.headers[x-team]\n      values: [payments]\n`,
        ),
        'gateway.yaml': gateway,
      },
      findings: [{ line: 13, column: 7, message: /^`request.headers\[x-team\]` needs HTTP/ }],
    },
  ],
});
