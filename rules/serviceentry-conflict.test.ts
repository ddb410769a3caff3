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
    {
      name: 'each namespace that sees both has its own: the own-namespace entry wins there, whatever the age',
      yaml:
        serviceEntry('a', 'team-a', 'DNS', 'HTTP', '  exportTo: [team-a, team-b]\n') +
        '---\n' +
        serviceEntry('b', 'team-b', 'NONE', 'TCP', '  exportTo: [team-a, team-b]\n'),
    },
    {
      name: 'the other namespace gets one by name and the other only as public: the named one wins',
      yaml:
        serviceEntry('a', 'team-a', 'DNS', 'HTTP', '  exportTo: [".", app]\n') +
        '---\n' +
        serviceEntry('b', 'team-b', 'NONE', 'HTTP'),
    },
  ],
  invalid: [
    {
      name: 'only app sees both without its own: the warning names it',
      yaml:
        serviceEntry('a', 'team-a', 'DNS', 'HTTP', '  exportTo: [team-a, team-b, app]\n') +
        '---\n' +
        serviceEntry('b', 'team-b', 'NONE', 'HTTP', '  exportTo: [team-a, team-b, app]\n'),
      findings: [
        {
          line: 9,
          column: 3,
          message:
            /^resolution DNS for httpbin.org disagrees with ServiceEntry team-b\/b, which proxies in app see as well/,
        },
        {
          line: 19,
          column: 3,
          message:
            /^resolution NONE for httpbin.org disagrees with ServiceEntry team-a\/a, which proxies in app see as well/,
        },
      ],
    },
    {
      name: 'one host, two resolutions and two protocols',
      yaml:
        serviceEntry('a', 'team-a', 'DNS') + '---\n' + serviceEntry('b', 'team-b', 'NONE', 'TCP'),
      findings: [
        {
          line: 7,
          column: 30,
          message:
            'protocol HTTP on port 80 of httpbin.org disagrees with ServiceEntry team-b/b, which proxies in namespaces other than team-a, team-b see as well with nothing but creation order to choose between them (no own-namespace entry, export by name or Kubernetes Service settles it there): Istio keeps only the oldest ServiceEntry for a host, so which one applies the repository cannot show; keep one ServiceEntry per host',
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
