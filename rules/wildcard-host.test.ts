import { policyTo } from '../test/rule-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule from './wildcard-host.js';

const hosts = (...names: string[]): string =>
  policyTo(
    `    - hosts:\n${names.map((h) => `      - "${h}"\n`).join('')}      port: {number: 443, protocol: HTTPS}\n`,
  );

testRule(rule, {
  valid: [{ name: 'fully qualified hosts', yaml: hosts('api.example.com', 'example.com') }],
  invalid: [
    {
      name: 'a wildcard host',
      yaml: hosts('api.example.com', '*.example.com'),
      findings: [
        {
          line: 15,
          column: 9,
          message:
            'wildcard host *.example.com: the egress gateway resolves destinations by DNS and Istio rejects a DNS ServiceEntry with a wildcard host; list the host names you need (e.g. api.example.com)',
        },
      ],
    },
  ],
});
