import { defineRule } from '../src/lint/rule.js';

/** Findings made by the renderer: a policy that cannot be turned into Istio resources. */
export default defineRule({
  meta: {
    id: 'render',
    severity: 'error',
    description:
      'Policy the renderer cannot turn into Istio resources (e.g. no free gateway port left to allocate)',
    kinds: ['ASMEgressTrafficPolicy'],
    stage: 'render',
  },
});
