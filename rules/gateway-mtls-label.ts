import { defineRule } from '../src/lint/rule.js';
import { TLS_MODE_LABEL } from '../src/model/istio.js';
import { get, isObject } from '../src/model/resource.js';

/**
 * Sidecars choose mTLS towards an endpoint by its `security.istio.io/tlsMode: istio` label (that is
 * how auto mTLS tells mesh pods from plain ones). ASM does not always put it on egress gateway pods;
 * the egress policy docs ask for it in `spec.podLabels`, and without it the sidecar -> gateway leg,
 * which must be mTLS, is not.
 */
export default defineRule({
  meta: {
    id: 'gateway-mtls-label',
    severity: 'error',
    description: `Egress gateway (IstioGateway) without podLabels ${TLS_MODE_LABEL}: istio, so sidecars do not use mTLS to it`,
    kinds: ['IstioGateway'],
  },
  check({ configSet, report }) {
    for (const gw of configSet.gateways) {
      if (gw.gatewayType !== 'egress' || !gw.resource) continue;
      const value = gw.podLabels[TLS_MODE_LABEL];
      if (value === 'istio') continue;
      const hasLabels = isObject(get(gw.resource.body, ['spec', 'podLabels']));
      report({
        resource: gw.resource,
        path:
          value !== undefined
            ? ['spec', 'podLabels', TLS_MODE_LABEL]
            : hasLabels
              ? ['spec', 'podLabels']
              : // the line that makes it an egress gateway; the whole spec would be a long annotation
                ['spec', 'gatewayType'],
        message:
          value !== undefined
            ? `egress gateway ${gw.name} has podLabels ${TLS_MODE_LABEL}: "${value}"; it must be "istio", or sidecars do not use mTLS to the gateway and its ISTIO_MUTUAL servers refuse them`
            : `egress gateway ${gw.name} lacks podLabels ${TLS_MODE_LABEL}: istio; without it sidecars do not use mTLS to the gateway and its ISTIO_MUTUAL servers refuse them (add it under spec.podLabels)`,
      });
    }
  },
});
