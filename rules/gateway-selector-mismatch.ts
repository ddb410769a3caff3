import { defineRule } from '../src/lint/rule.js';
import { listText } from '../src/lint/wording.js';
import {
  describeGatewayWorkload,
  fitsSomeWorkload,
  gatewaySelector,
  labelsText,
} from '../src/model/istio.js';
import { KIND } from '../src/model/kinds.js';

/**
 * A Gateway configures the proxies its selector picks, in any namespace. When the repository declares
 * its gateways (IstioGateway) and a Gateway's selector fits none of them, its servers exist on no proxy
 * and the routes bound to it do nothing (istioctl's gateway.GatewayAnalyzer checks the same against
 * running pods). Rendered Gateways are left to gateway-not-found.
 */
export default defineRule({
  meta: {
    id: 'gateway-selector-mismatch',
    severity: 'error',
    description: 'Gateway whose selector picks none of the gateways the repository declares',
    kinds: ['Gateway', 'IstioGateway', 'ASMEgressTrafficPolicy'],
  },
  check({ index, configSet, config, report }) {
    if (configSet.gateways.length === 0) return; // the gateways live elsewhere: nothing to compare with
    const named = new Set(configSet.policies.map((p) => p.gateway));
    const known = index
      .gatewayWorkloads()
      .filter((w) => w.declaration || (w.name !== undefined && named.has(w.name)));
    // Looked up by label pair: ten thousand Gateways against ten thousand gateways is no scan each.
    const fitsSome = fitsSomeWorkload(known);
    for (const gateway of index.ofKind(KIND.gateway)) {
      if (gateway.rendered) continue;
      const labels = gatewaySelector(gateway);
      if (!labels) continue;
      if (fitsSome(labels)) continue;
      const key =
        config.mesh.gatewayLabel in labels ? config.mesh.gatewayLabel : Object.keys(labels)[0]!;
      report({
        resource: gateway,
        path: ['spec', 'selector', key],
        message: `selector ${labelsText(labels)} picks none of the gateways this repository declares (${listText(known.map((w) => `${describeGatewayWorkload(w)}: ${labelsText(w.labels)}`))}), so its servers exist on no proxy and the VirtualServices bound to it do nothing`,
      });
    }
  },
});
