import { describe, expect, it } from 'vitest';
import { RULES } from './index.js';
import { egressGateway, policyTo } from '../test/rule-fixtures.js';
import { runRule, testRule } from '../test/rule-tester.js';
import rule from './duplicate-resource.js';

const policy = policyTo('    - hosts: [httpbin.org]\n      port: {number: 80, protocol: HTTP}\n');
const serviceEntry = (
  namespace: string,
  host = 'httpbin.org',
): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: httpbin
  namespace: ${namespace}
spec:
  hosts: [${host}]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 80, name: http, protocol: HTTP}]
`;

testRule(rule, {
  valid: [
    { name: 'one copy of a policy', yaml: policy },
    {
      name: 'one name in two namespaces',
      yaml: { 'a.yaml': serviceEntry('default'), 'b.yaml': serviceEntry('mytest') },
    },
    {
      name: 'one name, two kinds',
      yaml: `${serviceEntry('default')}---\n${serviceEntry('default')
        .replace('kind: ServiceEntry', 'kind: DestinationRule')
        .replace(/spec:[\s\S]*/, 'spec:\n  host: httpbin.org\n')}`,
    },
  ],
  invalid: [
    {
      name: 'the same policy in two files',
      yaml: { 'a.yaml': policy, 'b.yaml': policy },
      findings: [
        {
          file: 'b.yaml',
          line: 4,
          column: 3,
          severity: 'error',
          message:
            'ASMEgressTrafficPolicy istio-egress/egress-by-egressgateway-a is defined twice, in a.yaml:4 and b.yaml:4: the cluster keeps one copy, whichever is applied last (Argo CD refuses to sync both), so the outcome depends on apply order; egress-lint checks only the first; delete one copy or rename it',
        },
      ],
    },
    {
      name: 'two different ServiceEntries under one name, in one file',
      yaml: `${serviceEntry('default')}---\n${serviceEntry('default', 'api.example.com')}`,
      findings: [
        { line: 15, column: 3, message: /defined twice, in test.yaml:4 and test.yaml:15/ },
      ],
    },
    {
      // A Namespace has no namespace: the one written on the copy means nothing to Kubernetes.
      name: 'a cluster-scoped Namespace twice, named without a namespace',
      yaml: {
        'a.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: mytest}\n',
        'b.yaml':
          'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: mytest\n  namespace: other\n',
      },
      findings: [
        {
          file: 'b.yaml',
          line: 4,
          column: 3,
          message: /^Namespace mytest is defined twice, in a.yaml:3 and b.yaml:4:/,
        },
      ],
    },
  ],
});

describe('duplicate-resource with the other rules', () => {
  it('two copies of one policy give no finding about the policy clashing with itself', () => {
    const all = RULES.flatMap((r) =>
      r.check
        ? runRule(r, {
            name: 'copies',
            yaml: { 'a.yaml': policy, 'b.yaml': policy, 'gateway.yaml': egressGateway() },
          })
        : [],
    );
    expect(all.map((f) => f.ruleId).filter((id) => id !== 'registry-only-missing')).toEqual([
      'duplicate-resource',
    ]);
  });
});
