import { policyTo } from '../test/rule-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule from './registry-only-missing.js';

const policy = policyTo('    - hosts: [httpbin.org]\n      port: {number: 80, protocol: HTTP}\n');

/** A Sidecar whose mode line is line 8 (line 10 with a selector). */
const sidecar = (
  namespace: string,
  mode: string,
  name = 'default',
  selector?: string,
): string => `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
${selector ? `  workloadSelector:\n    labels: {${selector}}\n` : ''}  outboundTrafficPolicy:
    mode: ${mode}
`;

/** IstioOperator with the mode on line 9. */
const operator = (mode: string): string => `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: installed-state
  namespace: istio-system
spec:
  meshConfig:
    outboundTrafficPolicy:
      mode: ${mode}
`;

const registryOnly = 'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n';

testRule(rule, {
  valid: [
    { name: 'REGISTRY_ONLY in the config file (ASM console)', yaml: policy, config: registryOnly },
    {
      name: 'REGISTRY_ONLY in the IstioOperator',
      yaml: { 'policy.yaml': policy, 'operator.yaml': operator('REGISTRY_ONLY') },
    },
    {
      name: 'the repository wins over the config file',
      yaml: { 'policy.yaml': policy, 'operator.yaml': operator('REGISTRY_ONLY') },
      config: 'mesh:\n  outboundTrafficPolicy: ALLOW_ANY\n',
    },
    { name: 'no egress policy, nothing to block', yaml: operator('ALLOW_ANY') },
    {
      name: 'a Sidecar shadowed by an older one (by name) in the same namespace',
      yaml: {
        'policy.yaml': policy,
        'sidecars.yaml': `${sidecar('mytest', 'REGISTRY_ONLY', 'a')}---\n${sidecar('mytest', 'ALLOW_ANY', 'b')}`,
      },
      config: registryOnly,
    },
    {
      name: 'a root-namespace Sidecar making the mesh REGISTRY_ONLY',
      yaml: { 'policy.yaml': policy, 'sidecar.yaml': sidecar('istio-system', 'REGISTRY_ONLY') },
    },
  ],
  invalid: [
    {
      name: 'nothing sets the mode: assume ALLOW_ANY and say so',
      yaml: policy,
      findings: [
        {
          line: 4,
          column: 3,
          severity: 'warning',
          message:
            'nothing in the repository sets outboundTrafficPolicy; assuming ALLOW_ANY (set mesh.outboundTrafficPolicy in .github/egress-lint.yml if ASM sets it in the console): under ALLOW_ANY this policy blocks nothing; workloads it does not list reach its hosts directly instead of being refused, and skip the egress gateway',
        },
      ],
    },
    {
      name: 'ALLOW_ANY in the config file',
      yaml: policy,
      config: 'mesh:\n  outboundTrafficPolicy: ALLOW_ANY_DYNAMIC_DNS\n',
      findings: [
        {
          line: 4,
          column: 3,
          severity: 'error',
          message: /^mesh.outboundTrafficPolicy is ALLOW_ANY_DYNAMIC_DNS in egress-lint.yml: under/,
        },
      ],
    },
    {
      name: 'ALLOW_ANY in the IstioOperator, reported there, winning over the config file',
      yaml: { 'policy.yaml': policy, 'operator.yaml': operator('ALLOW_ANY') },
      config: registryOnly,
      findings: [
        {
          file: 'operator.yaml',
          line: 9,
          column: 7,
          severity: 'error',
          message:
            'outboundTrafficPolicy is ALLOW_ANY mesh-wide, so the egress policies (istio-egress/egress-by-egressgateway-a) block nothing: workloads they do not list reach their hosts directly (this wins over mesh.outboundTrafficPolicy REGISTRY_ONLY in egress-lint.yml)',
        },
      ],
    },
    {
      name: 'ALLOW_ANY in the istio ConfigMap',
      yaml: {
        'policy.yaml': policy,
        'mesh.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |\n    outboundTrafficPolicy:\n      mode: ALLOW_ANY\n',
      },
      findings: [
        {
          file: 'mesh.yaml',
          line: 7,
          column: 3,
          message: /^outboundTrafficPolicy is ALLOW_ANY mesh-wide/,
        },
      ],
    },
    {
      name: 'a Sidecar opens a source namespace',
      yaml: { 'policy.yaml': policy, 'sidecar.yaml': sidecar('mytest', 'ALLOW_ANY') },
      config: registryOnly,
      findings: [
        {
          file: 'sidecar.yaml',
          line: 8,
          column: 5,
          message:
            'Sidecar mytest/default sets outboundTrafficPolicy ALLOW_ANY for every workload in namespace mytest: they reach external hosts directly, past the egress gateway, whatever the egress policies say; it is a source namespace of istio-egress/egress-by-egressgateway-a',
        },
      ],
    },
    {
      name: 'a Sidecar opens some workloads of another namespace',
      yaml: {
        'policy.yaml': policy,
        'sidecar.yaml': sidecar('default', 'ALLOW_ANY', 'nginx', 'app: nginx'),
      },
      config: registryOnly,
      findings: [
        {
          file: 'sidecar.yaml',
          line: 10,
          column: 5,
          message:
            /^Sidecar default\/nginx sets outboundTrafficPolicy ALLOW_ANY for workloads app=nginx in namespace default: .*say$/,
        },
      ],
    },
    {
      name: 'a root-namespace Sidecar opens every namespace without its own Sidecar',
      yaml: { 'policy.yaml': policy, 'sidecar.yaml': sidecar('istio-system', 'ALLOW_ANY') },
      config: registryOnly,
      findings: [
        {
          file: 'sidecar.yaml',
          line: 8,
          column: 5,
          message:
            /^outboundTrafficPolicy is ALLOW_ANY for every namespace without its own Sidecar \(it is in the root namespace istio-system\), so the egress policies/,
        },
      ],
    },
  ],
});
