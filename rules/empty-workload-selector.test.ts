import { policyFrom } from '../test/rule-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule from './empty-workload-selector.js';

/** Namespace mytest with the given workloadSelector lines (line 12). */
const policy = (selector: string): string => policyFrom(`    - namespace: mytest\n${selector}`);

testRule(rule, {
  valid: [
    {
      name: 'a selector with labels',
      yaml: policy('      workloadSelector:\n        app: sleep-a\n'),
    },
    { name: 'no selector (the whole namespace, said plainly)', yaml: policy('') },
  ],
  invalid: [
    {
      name: 'an empty selector',
      yaml: policy('      workloadSelector: {}\n'),
      findings: [
        {
          line: 12,
          column: 7,
          message:
            'workloadSelector is empty, so every workload in namespace mytest may use this rule; add the labels of the workloads you mean, or remove workloadSelector to say "the whole namespace" plainly',
        },
      ],
    },
  ],
});
