/**
 * policiesMissing remembers its answer per namespace and label value: gateway pods without the label
 * and pods whose label is the empty string must not share an answer, as a policy selecting `""`
 * applies to the second and misses the first.
 */
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/analyze.js';
import { DEFAULT_CONFIG } from '../../src/config/project-config.js';
import { buildIstioIndex } from '../../src/model/istio/index.js';
import { policiesMissing } from '../../src/simulate/authz.js';

const POLICIES = ['""', 'egressgateway']
  .map(
    (value, i) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p${i}, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ${value}}}
  action: DENY
  rules: [{}]
`,
  )
  .join('---\n');

describe('policiesMissing', () => {
  it('tells pods without the label from pods whose label is empty, in either order', () => {
    const { configSet, render } = analyzeSources(
      [{ path: 'authz.yaml', content: POLICIES }],
      DEFAULT_CONFIG,
    );
    const names = (
      labels: Record<string, string>,
      index = buildIstioIndex(configSet, render.resources),
    ) => policiesMissing(index, { namespace: 'istio-system', labels }, 'istio').map((p) => p.name);
    const unlabelled = ['p0', 'p1'];
    const empty = ['p1'];
    const index = buildIstioIndex(configSet, render.resources);
    expect(names({}, index)).toEqual(unlabelled);
    expect(names({ istio: '' }, index)).toEqual(empty);
    const other = buildIstioIndex(configSet, render.resources);
    expect(names({ istio: '' }, other)).toEqual(empty);
    expect(names({}, other)).toEqual(unlabelled);
  });
});
