import { policyTo } from '../test/rule-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule from './duplicate-destination.js';

const dest = (hosts: string, port: number, protocol: string, extra = ''): string =>
  `    - hosts:\n${hosts
    .split(',')
    .map((h) => `      - ${h}\n`)
    .join('')}      port: {number: ${port}, protocol: ${protocol}}\n${extra}`;

/** A second egress rule (from another namespace) with the given `to` entries. */
const secondRule = (to: string): string => `  - from:\n    - namespace: other\n    to:\n${to}`;

testRule(rule, {
  valid: [
    {
      name: 'same host, different ports',
      yaml: policyTo(dest('httpbin.org', 80, 'HTTP') + dest('httpbin.org', 443, 'HTTPS')),
    },
    {
      name: 'different hosts, same port',
      yaml: policyTo(dest('httpbin.org', 80, 'HTTP') + dest('example.org', 80, 'HTTP')),
    },
    {
      name: 'an upgrade to 443 next to another host on 443',
      yaml: policyTo(
        dest('httpbin.org', 80, 'HTTP', '      httpsUpgrade: {enabled: true}\n') +
          dest('example.org', 443, 'HTTPS'),
      ),
    },
    {
      name: 'a disabled upgrade claims nothing',
      yaml: policyTo(
        dest('httpbin.org', 80, 'HTTP', '      httpsUpgrade: {enabled: false}\n') +
          dest('httpbin.org', 443, 'HTTPS'),
      ),
    },
  ],
  invalid: [
    {
      name: 'the same host and port in two rules of one policy',
      yaml: policyTo(
        dest('www.httpbin.org,httpbin.org', 80, 'HTTP') +
          secondRule(dest('httpbin.org', 80, 'HTTP')),
      ),
      findings: [
        {
          line: 21,
          column: 9,
          message:
            'httpbin.org:80 is already claimed by egressRules[0].to[0] of istio-egress/egress-by-egressgateway-a at test.yaml:15; Istio uses one VirtualService per host on the sidecars, so one of the two routes is dropped: keep one destination per host and port, with all its sources in the from of one rule',
        },
      ],
    },
    {
      name: 'across policies, case-insensitively',
      yaml: {
        'a.yaml': policyTo(dest('api.example.com', 443, 'HTTPS')),
        'b.yaml': policyTo(dest('API.example.com', 443, 'TLS'), 'egressgateway-b'),
      },
      findings: [
        {
          file: 'b.yaml',
          line: 14,
          column: 9,
          message:
            /^API.example.com:443 is already claimed by egressRules\[0\].to\[0\] of istio-egress\/egress-by-egressgateway-a at a.yaml:14;/,
        },
      ],
    },
    {
      name: 'an HTTPS destination on the port an httpsUpgrade already claims',
      yaml: policyTo(
        dest(
          'httpbin.org',
          80,
          'HTTP',
          '      httpsUpgrade:\n        enabled: true\n        port: 443\n',
        ) + dest('httpbin.org', 443, 'HTTPS'),
      ),
      findings: [
        {
          line: 20,
          column: 9,
          message:
            /^httpbin.org:443 is already claimed by egressRules\[0\].to\[0\] of .* \(as the HTTPS port of its httpsUpgrade\) at test.yaml:18;/,
        },
      ],
    },
    {
      name: 'an httpsUpgrade onto a port another destination claims',
      yaml: policyTo(
        dest('httpbin.org', 443, 'HTTPS') +
          dest(
            'httpbin.org',
            80,
            'HTTP',
            '      httpsUpgrade:\n        enabled: true\n        port: 443\n',
          ),
      ),
      findings: [
        {
          line: 21,
          column: 9,
          message:
            /^httpbin.org:443 \(as the HTTPS port of its httpsUpgrade\) is already claimed by egressRules\[0\].to\[0\] .* at test.yaml:14;/,
        },
      ],
    },
  ],
});
