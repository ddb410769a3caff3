import { egressGateway, policyTo } from '../test/rule-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule from './gateway-port-conflict.js';

/** A destination in three lines; the gateway port (if any) sits at column 25 of the third. */
const dest = (host: string, port: number, protocol: string, gatewayPort?: number): string =>
  `    - hosts: [${host}]
      port: {number: ${port}, protocol: ${protocol}}
      byEgressGateway: {${gatewayPort === undefined ? '' : `port: ${gatewayPort}`}}
`;

const one = (...to: string[]): Record<string, string> => ({
  'policy.yaml': policyTo(to.join('')),
  'gateway.yaml': egressGateway(),
});

testRule(rule, {
  valid: [
    {
      name: 'HTTP destinations share a port (routed by Host header)',
      yaml: one(dest('httpbin.org', 80, 'HTTP', 80), dest('example.org', 80, 'HTTP', 80)),
    },
    {
      name: 'TLS destinations on their own ports',
      yaml: one(dest('api.a.com', 443, 'HTTPS', 443), dest('api.b.com', 443, 'HTTPS', 444)),
    },
    {
      name: 'allocated TCP ports are one per destination',
      yaml: one(dest('db.a.com', 5432, 'TCP'), dest('db.b.com', 5432, 'TCP')),
    },
    {
      name: 'the same upstream twice (duplicate-destination reports that)',
      yaml: one(dest('api.a.com', 443, 'HTTPS', 444), dest('api.a.com', 443, 'HTTPS', 444)),
    },
    {
      name: 'the same port number on two gateways',
      yaml: {
        'a.yaml': policyTo(dest('api.a.com', 443, 'HTTPS', 444)),
        'b.yaml': policyTo(dest('api.b.com', 443, 'HTTPS', 444), 'egressgateway-b'),
        'gateways.yaml': `${egressGateway()}---\n${egressGateway('egressgateway-b')}`,
      },
    },
  ],
  invalid: [
    {
      name: 'two TLS destinations on one port',
      yaml: one(dest('api.a.com', 443, 'HTTPS', 444), dest('api.b.com', 443, 'HTTPS', 444)),
      findings: [
        {
          line: 18,
          column: 25,
          message:
            'gateway port 444 of egressgateway-a already carries the HTTPS destination api.a.com:443 (egressRules[0].to[0] of istio-egress/egress-by-egressgateway-a, policy.yaml:13); the gateway forwards a TLS/TCP port to a single upstream, so connections for api.b.com:443 would reach api.a.com:443: give this destination its own gateway port (or leave byEgressGateway.port out to have one allocated)',
        },
      ],
    },
    {
      name: 'HTTP and TCP on one port',
      yaml: one(dest('httpbin.org', 80, 'HTTP', 80), dest('db.example.com', 5432, 'TCP', 80)),
      findings: [
        {
          line: 18,
          column: 25,
          message:
            /^gateway port 80 of egressgateway-a is shared by the HTTP destination httpbin.org:80 .* and this TCP destination; a gateway port is one listener/,
        },
      ],
    },
    {
      name: 'across policies on the same gateway',
      yaml: {
        'a.yaml': policyTo(dest('api.a.com', 443, 'TLS', 444)).replace(
          'egress-by-egressgateway-a',
          'egress-a',
        ),
        'b.yaml': policyTo(
          dest('api.b.com', 8443, 'TCP', 444),
          'egressgateway-a',
          'v1beta1',
        ).replace('egress-by-egressgateway-a', 'egress-b'),
        'gateway.yaml': egressGateway(),
      },
      findings: [
        {
          file: 'b.yaml',
          line: 15,
          column: 25,
          message:
            /already carries the TLS destination api.a.com:443 \(egressRules\[0\].to\[0\] of istio-egress\/egress-a, a.yaml:13\);.*: give this destination its own gateway port$/,
        },
      ],
    },
    {
      name: 'an allocated HTTP port taken by an explicit TCP destination',
      yaml: one(dest('db.example.com', 5432, 'TCP', 10000), dest('httpbin.org', 80, 'HTTP')),
      findings: [
        {
          line: 18,
          column: 7,
          message:
            /^gateway port 10000 \(allocated\) of egressgateway-a is shared by .*: move the other destination off port 10000$/,
        },
      ],
    },
  ],
});
