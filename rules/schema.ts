import { defineRule } from '../src/lint/rule.js';

/** Findings made by the schema stage: a resource that its kind's schema (ours or Istio's) rejects. */
export default defineRule({
  meta: {
    id: 'schema',
    severity: 'error',
    description:
      'Resource that does not fit its schema: missing or unknown fields, wrong types, bad values, unsupported versions',
    kinds: [
      'ASMEgressTrafficPolicy',
      'IstioGateway',
      'ServiceEntry',
      'VirtualService',
      'DestinationRule',
      'Gateway',
      'Sidecar',
      'AuthorizationPolicy',
      'PeerAuthentication',
      'IstioOperator',
    ],
    stage: 'schema',
  },
});
