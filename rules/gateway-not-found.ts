import { defineRule } from '../src/lint/rule.js';
import { suggest } from '../src/schema/messages.js';

/**
 * The policy names its gateway by name only, so a typo is silent: ASM finds no gateway and nothing is
 * rendered for the policy. How sure we are decides the severity: a name one or two edits away from a
 * declared egress gateway is a typo (error); a name unlike any declared gateway may be one made in the
 * console (warning); a repository that declares no IstioGateway at all keeps its gateways elsewhere (info).
 */
export default defineRule({
  meta: {
    id: 'gateway-not-found',
    severity: 'error',
    description:
      'spec.byEgressGateway.name names no egress gateway (IstioGateway) of the config set, or an ingress gateway',
    kinds: ['ASMEgressTrafficPolicy', 'IstioGateway'],
  },
  check({ configSet, report }) {
    const egressNames = [
      ...new Set(configSet.gateways.filter((g) => g.gatewayType === 'egress').map((g) => g.name)),
    ].sort();
    for (const policy of configSet.policies) {
      const name = policy.gateway;
      const path = ['spec', 'byEgressGateway', 'name'];
      if (configSet.isDeclaredGateway(name)) {
        const gw = configSet.gateway(name);
        if (gw.gatewayType !== 'egress') {
          report({
            resource: policy.resource,
            path,
            message: `"${name}" is an ${gw.gatewayType ?? 'untyped'} gateway (IstioGateway ${gw.namespace}/${gw.name}); egress traffic policies need a gateway with spec.gatewayType: egress${listed(egressNames)}`,
          });
        }
        continue;
      }
      if (configSet.gateways.length === 0) {
        report({
          resource: policy.resource,
          path,
          severity: 'info',
          message: `egress gateway "${name}" is not in the config set (no IstioGateway found), so its ports and labels are not checked; egress-lint assumes it lives in ${configSet.defaults.gatewayNamespace} (mesh.gatewayNamespace)`,
        });
        continue;
      }
      const guess = suggest(name, egressNames);
      report({
        resource: policy.resource,
        path,
        ...(guess ? {} : { severity: 'warning' as const }),
        message: guess
          ? `no egress gateway named "${name}" in the config set; did you mean "${guess}"?`
          : `no egress gateway named "${name}" in the config set${listed(egressNames)}; if it was created in the ASM console, add its IstioGateway to the repository so its ports and labels are checked`,
      });
    }
  },
});

function listed(names: readonly string[]): string {
  return names.length
    ? ` (egress gateways here: ${names.join(', ')})`
    : ' (the config set has no egress gateway)';
}
