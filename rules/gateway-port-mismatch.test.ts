import { egressGateway, policyTo } from '../test/rule-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule from './gateway-port-mismatch.js';

/** One destination (lines 13-19): host, port name/number/protocol, and the gateway port line if any. */
const to = (
  host: string,
  name: string,
  number: number,
  protocol: string,
  gatewayPort?: number,
): string =>
  `    - hosts: [${host}]
      port:
        name: ${name}
        number: ${number}
        protocol: ${protocol}
${gatewayPort === undefined ? '' : `      byEgressGateway:\n        port: ${gatewayPort}\n`}`;

const withGateway = (policy: string): Record<string, string> => ({
  'policy.yaml': policy,
  'gateway.yaml': egressGateway(),
});

testRule(rule, {
  valid: [
    {
      name: 'HTTP on the http port (seed 000)',
      yaml: withGateway(policyTo(to('httpbin.org', 'http', 80, 'HTTP', 80))),
    },
    {
      name: 'HTTPS on https-444 (seed 000, solution 2)',
      yaml: withGateway(policyTo(to('httpbin.org', 'https', 443, 'HTTPS', 444))),
    },
    {
      name: 'TCP on a TLS-class port',
      yaml: withGateway(policyTo(to('db.example.com', 'tcp', 5432, 'TCP', 443))),
    },
    {
      name: 'allocated port (v1, no port written)',
      yaml: withGateway(policyTo(to('db.example.com', 'tcp', 5432, 'TCP'))),
    },
    {
      name: 'gateway not in the config set (gateway-not-found reports it)',
      yaml: policyTo(to('httpbin.org', 'http', 80, 'HTTP', 8080)),
    },
    {
      name: 'port name with a suffix',
      yaml: withGateway(policyTo(to('httpbin.org', 'http-web', 80, 'HTTP', 80))),
    },
    {
      name: 'port name that is not a protocol',
      yaml: withGateway(policyTo(to('httpbin.org', 'web', 80, 'HTTP', 80))),
    },
  ],
  invalid: [
    {
      name: 'a port the gateway does not have',
      yaml: withGateway(policyTo(to('httpbin.org', 'http', 80, 'HTTP', 8080))),
      findings: [
        {
          line: 19,
          column: 9,
          message:
            'egress gateway egressgateway-a has no port 8080 (its ports: 80 ("http"), 443 ("https"), 444 ("https-444")); use 80 ("http")',
        },
      ],
    },
    {
      name: 'HTTPS destination on the HTTP port',
      yaml: withGateway(policyTo(to('httpbin.org', 'https', 443, 'HTTPS', 80))),
      findings: [
        {
          line: 19,
          column: 9,
          message:
            /^gateway port 80 \("http"\) carries HTTP, but this destination is HTTPS, which needs a TLS\/TCP-class .* port; use 443 \("https"\) or 444 \("https-444"\)$/,
        },
      ],
    },
    {
      name: 'HTTP destination on an HTTPS port',
      yaml: withGateway(policyTo(to('httpbin.org', 'http', 80, 'HTTP', 444))),
      findings: [
        {
          line: 19,
          column: 9,
          message:
            /carries HTTPS, but this destination is HTTP, which needs an HTTP-class .* port; use 80 \("http"\)$/,
        },
      ],
    },
    {
      name: 'no fitting port at all',
      yaml: {
        'policy.yaml': policyTo(to('httpbin.org', 'grpc', 50051, 'GRPC', 443)),
        'gateway.yaml': egressGateway().replace('- name: http\n', '- name: tcp\n'),
      },
      findings: [
        {
          line: 19,
          column: 9,
          message:
            /none of its ports fits, add an HTTP-class .* port to IstioGateway istio-system\/egressgateway-a$/,
        },
      ],
    },
    {
      name: 'port name and protocol disagree',
      yaml: withGateway(policyTo(to('httpbin.org', 'https', 80, 'HTTP', 80))),
      findings: [
        {
          line: 15,
          column: 9,
          severity: 'warning',
          message:
            /^port name "https" says HTTPS but the protocol is HTTP; .*name it "http" or "http-<suffix>"/,
        },
      ],
    },
  ],
});
