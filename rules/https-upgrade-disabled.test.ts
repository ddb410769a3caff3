import { policyTo } from '../test/rule-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule from './https-upgrade-disabled.js';

/** One destination (lines 13-18) with the given port protocol and httpsUpgrade block (lines 17-). */
const to = (protocol: string, upgrade: string): string => `    - hosts: [httpbin.org]
      port:
        number: ${protocol === 'HTTP' ? 80 : 443}
        protocol: ${protocol}
      httpsUpgrade:
${upgrade}`;

testRule(rule, {
  valid: [
    {
      name: 'enabled with a port (seed 000, solution 1)',
      yaml: policyTo(to('HTTP', '        enabled: true\n        port: 443\n')),
    },
    {
      name: 'enabled without a port (443 is used)',
      yaml: policyTo(to('HTTP', '        enabled: true\n')),
    },
    { name: 'disabled without a port', yaml: policyTo(to('HTTP', '        enabled: false\n')) },
    {
      name: 'no httpsUpgrade at all',
      yaml: policyTo('    - hosts: [httpbin.org]\n      port: {number: 443, protocol: HTTPS}\n'),
    },
  ],
  invalid: [
    {
      name: 'port with enabled: false',
      yaml: policyTo(to('HTTP', '        enabled: false\n        port: 443\n')),
      findings: [
        {
          line: 19,
          column: 9,
          severity: 'error',
          message:
            'httpsUpgrade.port 443 is ignored because httpsUpgrade.enabled is false: the gateway sends plain HTTP to httpbin.org:80, unencrypted past the cluster; set enabled: true to originate TLS on port 443, or remove the port',
        },
      ],
    },
    {
      name: 'port without enabled',
      yaml: policyTo(to('HTTP', '        port: 8443\n')),
      findings: [
        {
          line: 18,
          column: 9,
          severity: 'error',
          message: /^httpsUpgrade.port 8443 is ignored because httpsUpgrade.enabled is not set:/,
        },
      ],
    },
    {
      name: 'upgrade on an HTTPS destination',
      yaml: policyTo(to('HTTPS', '        enabled: true\n        port: 443\n')),
      findings: [
        {
          line: 17,
          column: 7,
          severity: 'warning',
          message:
            /^httpsUpgrade has no effect with protocol HTTPS \(the application already sends TLS/,
        },
      ],
    },
    {
      name: 'upgrade on an HTTP2 destination',
      yaml: policyTo(to('HTTP2', '        enabled: true\n')),
      findings: [
        {
          line: 17,
          column: 7,
          severity: 'warning',
          message:
            /^httpsUpgrade has no effect with protocol HTTP2 \(the upgrade applies to protocol HTTP only\)/,
        },
      ],
    },
  ],
});
