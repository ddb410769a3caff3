import { policyFrom } from '../test/rule-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule from './duplicate-source.js';

testRule(rule, {
  valid: [
    { name: 'two namespaces', yaml: policyFrom('    - namespace: a\n    - namespace: b\n') },
    {
      name: 'one namespace, two different selectors',
      yaml: policyFrom(
        '    - namespace: a\n      workloadSelector: {app: web}\n    - namespace: a\n      workloadSelector: {app: api}\n',
      ),
    },
  ],
  invalid: [
    {
      name: 'the same namespace twice',
      yaml: policyFrom('    - namespace: mytest\n    - namespace: mytest\n'),
      findings: [
        {
          line: 12,
          column: 7,
          message: 'namespace mytest is already listed at test.yaml:11; remove one of them',
        },
      ],
    },
    {
      name: 'the same selector twice (keys in another order)',
      yaml: policyFrom(
        '    - namespace: a\n      workloadSelector: {app: x, tier: web}\n    - namespace: a\n      workloadSelector: {tier: web, app: x}\n',
      ),
      findings: [
        {
          line: 13,
          column: 7,
          message:
            'namespace a with workloads app=x,tier=web is already listed at test.yaml:11; remove one of them',
        },
      ],
    },
    {
      name: 'a selector next to the whole namespace',
      yaml: policyFrom(
        '    - namespace: mytest\n    - namespace: mytest\n      workloadSelector: {app: sleep-a}\n',
      ),
      findings: [
        {
          line: 12,
          column: 7,
          message:
            'namespace mytest is listed for every workload at test.yaml:11 and again for workloads app=sleep-a here; the whole-namespace entry admits every workload, so the selector restricts nothing. Keep the entry you mean',
        },
      ],
    },
    {
      name: 'the whole namespace after a selector',
      yaml: policyFrom(
        '    - namespace: mytest\n      workloadSelector: {app: sleep-a}\n    - namespace: mytest\n',
      ),
      findings: [
        {
          line: 13,
          column: 7,
          message:
            /^namespace mytest is listed for selected workloads at test.yaml:11 and again for every workload here;/,
        },
      ],
    },
  ],
});
