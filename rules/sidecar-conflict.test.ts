import { testRule } from '../test/rule-tester.js';
import rule from './sidecar-conflict.js';

const sidecar = (
  name: string,
  namespace: string,
  selector = '',
  mode = 'REGISTRY_ONLY',
): string => `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
${selector}  outboundTrafficPolicy: {mode: ${mode}}
`;
const app = (a: string): string => `  workloadSelector:\n    labels: {app: ${a}}\n`;

testRule(rule, {
  valid: [
    {
      name: 'one Sidecar per namespace',
      yaml: `${sidecar('default', 'mytest')}---\n${sidecar('default', 'other')}`,
    },
    {
      name: 'a namespace default and a workload Sidecar (the selector wins)',
      yaml: `${sidecar('default', 'mytest')}---\n${sidecar('sleep', 'mytest', app('sleep'), 'ALLOW_ANY')}`,
    },
    {
      name: 'different selectors',
      yaml: `${sidecar('a', 'mytest', app('a'))}---\n${sidecar('b', 'mytest', app('b'))}`,
    },
  ],
  invalid: [
    {
      name: 'two without selector in one namespace (istioctl MultipleSidecarsWithoutWorkloadSelectors)',
      yaml: `${sidecar('default', 'mytest')}---\n${sidecar('open', 'mytest', '', 'ALLOW_ANY')}`,
      findings: [
        {
          line: 4,
          column: 3,
          severity: 'warning',
          message:
            'Sidecar mytest/default and Sidecar mytest/open (test.yaml:12) both apply to every workload of mytest without a more specific Sidecar: Istio uses the oldest by creation time (which the repository cannot show) and ignores the others, so their outbound traffic policy and egress hosts depend on creation order (egress-lint assumes Sidecar mytest/default, first by name); merge them into one Sidecar',
        },
        {
          line: 12,
          column: 3,
          message: /^Sidecar mytest\/open and Sidecar mytest\/default \(test.yaml:4\) both apply/,
        },
      ],
    },
    {
      name: 'the same selector twice (istioctl ConflictingSidecarWorkloadSelectors)',
      yaml: `${sidecar('a', 'mytest', app('sleep'))}---\n${sidecar('b', 'mytest', app('sleep'), 'ALLOW_ANY')}`,
      findings: [
        {
          line: 7,
          column: 3,
          message: /both apply to the workloads labelled app=sleep in mytest:/,
        },
        { line: 17, column: 3, message: /^Sidecar mytest\/b and Sidecar mytest\/a/ },
      ],
    },
  ],
});
