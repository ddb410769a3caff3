import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../src/analyze.js';
import { parseProjectConfig } from '../src/config/project-config.js';
import { simulatorFor } from '../test/simulate/helpers.js';
import { testRule } from '../test/rule-tester.js';
import rule from './mesh-config.js';

/** The istio ConfigMap in istio-system with `mesh` text (a block scalar, indented under it). */
const meshConfigMap = (mesh: string): string => `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
${mesh
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
`;

const UNPARSABLE = meshConfigMap('outboundTrafficPolicy:\n  mode: [REGISTRY_ONLY\n');

testRule(rule, {
  valid: [
    {
      name: 'a mesh config that parses',
      yaml: meshConfigMap('outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n'),
    },
    {
      name: 'another ConfigMap named istio, outside the root namespace, is no mesh config',
      yaml: UNPARSABLE.replace('namespace: istio-system', 'namespace: team'),
    },
  ],
  invalid: [
    {
      name: 'mesh text that does not parse: the defaults are used',
      yaml: UNPARSABLE,
      findings: [
        {
          line: 5,
          column: 3,
          message:
            /^istiod cannot use the mesh config in ConfigMap istio-system\/istio: line \d+: .+; egress-lint uses the defaults for every verdict \(outbound traffic policy ALLOW_ANY, Istio's default\); fix the text$/,
        },
      ],
    },
    {
      name: 'an unknown outbound mode',
      yaml: meshConfigMap('outboundTrafficPolicy:\n  mode: REGISTRY-ONLY\n'),
      findings: [
        {
          line: 5,
          column: 3,
          message:
            'istiod cannot use the mesh config in ConfigMap istio-system/istio: outboundTrafficPolicy.mode "REGISTRY-ONLY" is none of REGISTRY_ONLY, ALLOW_ANY, ALLOW_ANY_DYNAMIC_DNS; egress-lint uses the defaults for every verdict (outbound traffic policy ALLOW_ANY, Istio\'s default); fix the text',
        },
      ],
    },
    {
      name: 'mesh text that is no mapping, with the project config setting the mode',
      yaml: meshConfigMap('just text\n'),
      config: 'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n',
      findings: [
        {
          line: 5,
          column: 3,
          message:
            /: it is not a mapping of mesh settings; .*\(outbound traffic policy REGISTRY_ONLY, from the project config\)/,
        },
      ],
    },
  ],
});

describe('explain with a mesh config it cannot use', () => {
  it('says the defaults were used, and why', () => {
    const analysis = analyzeSources(
      [{ path: 'mesh.yaml', content: UNPARSABLE }],
      parseProjectConfig(''),
    );
    const e = simulatorFor(analysis)('default', 'http://httpbin.org/get');
    expect(e.verdict).toBe('allowed-direct');
    expect(JSON.stringify(e)).toContain(
      'the mesh config in ConfigMap istio-system/istio cannot be used (line',
    );
  });
});
