import { testRule } from '../test/rule-tester.js';
import rule from './serviceentry-conflict.js';

const serviceEntry = (
  name: string,
  namespace: string,
  resolution: string,
  protocol = 'HTTP',
  exportTo = '',
): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  hosts: [httpbin.org]
${exportTo}  ports:
  - {number: 80, name: http, protocol: ${protocol}}
  resolution: ${resolution}
`;

testRule(rule, {
  valid: [
    {
      name: 'the same definition twice',
      yaml: serviceEntry('a', 'team-a', 'DNS') + '---\n' + serviceEntry('b', 'team-b', 'DNS'),
    },
    {
      name: 'different definitions that no namespace sees together',
      yaml:
        serviceEntry('a', 'team-a', 'DNS', 'HTTP', '  exportTo: ["."]\n') +
        '---\n' +
        serviceEntry('b', 'team-b', 'NONE', 'TCP', '  exportTo: ["."]\n'),
    },
  ],
  invalid: [
    {
      name: 'one host, two resolutions and two protocols',
      yaml:
        serviceEntry('a', 'team-a', 'DNS') + '---\n' + serviceEntry('b', 'team-b', 'NONE', 'TCP'),
      findings: [
        {
          line: 7,
          column: 30,
          message:
            'protocol HTTP on port 80 of httpbin.org disagrees with ServiceEntry team-b/b, which clients see as well: Istio keeps only the oldest ServiceEntry for a host, so which one applies depends on creation order; keep one ServiceEntry per host',
        },
        {
          line: 8,
          column: 3,
          message: /^resolution DNS for httpbin.org disagrees with ServiceEntry team-b\/b/,
        },
        {
          line: 16,
          column: 30,
          message: /^protocol TCP on port 80 of httpbin.org disagrees with ServiceEntry team-a\/a/,
        },
        {
          line: 17,
          column: 3,
          message: /^resolution NONE for httpbin.org disagrees with ServiceEntry team-a\/a/,
        },
      ],
    },
  ],
});
