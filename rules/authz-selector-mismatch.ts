import { defineRule } from '../src/lint/rule.js';
import {
  authzGatewayTargets,
  authzRules,
  describeGatewayWorkload,
  gatewaysCarrying,
  labelsText,
  selectorFit,
  stringList,
  workloadSelectorOf,
  type GatewayWorkload,
} from '../src/model/istio.js';
import { KIND } from '../src/model/kinds.js';
import { describeOrigin, get } from '../src/model/resource.js';
import { listText } from '../src/lint/wording.js';

/**
 * An AuthorizationPolicy for an egress gateway works only where the gateway's pods are: in their
 * namespace (or from the root namespace), with a selector their labels satisfy, and on the gateway
 * the traffic actually leaves through. Seeds 000/001 route httpbin.org through `egressgateway` but
 * select `istio: egressgateway-a`: the DENY rule never sees a single request.
 *
 * "Meant for an egress gateway": the selector uses the gateway label (`istio` by default), or the
 * policy's rules name hosts (`to.operation.hosts`) that leave through an egress gateway.
 */
export default defineRule({
  meta: {
    id: 'authz-selector-mismatch',
    severity: 'error',
    description:
      'AuthorizationPolicy for an egress gateway whose selector picks no egress gateway, or not the one its hosts leave through',
    kinds: [
      'AuthorizationPolicy',
      'IstioGateway',
      'ASMEgressTrafficPolicy',
      'Gateway',
      'VirtualService',
    ],
  },
  check({ index, config, configSet, report }) {
    const gatewayLabel = config.mesh.gatewayLabel;
    const workloads = index.gatewayWorkloads();
    // A policy naming a gateway the repository does not declare, beside ones it does, is
    // gateway-not-found's finding; a selector that misses that gateway follows from it and would invite
    // the wrong fix (selecting the misspelt gateway), so it is left out.
    const misnamed = (w: GatewayWorkload): boolean =>
      configSet.gateways.length > 0 &&
      w.name !== undefined &&
      !configSet.isDeclaredGateway(w.name) &&
      configSet.policies.some((p) => p.gateway === w.name);
    for (const policy of index.ofKind(KIND.authorizationPolicy)) {
      const selector = workloadSelectorOf(policy);
      if (!selector || Object.keys(selector).length === 0) continue;
      const hosts = [
        ...new Set(
          authzRules(policy).flatMap((ref) =>
            (Array.isArray(ref.rule.to) ? ref.rule.to : []).flatMap((t) =>
              stringList(get(t, ['operation', 'hosts'])),
            ),
          ),
        ),
      ];
      const carriers = new Map(hosts.map((h) => [h, gatewaysCarrying(index, h)]));
      const usesGatewayLabel = gatewayLabel in selector;
      const inScope = (w: GatewayWorkload): boolean =>
        policy.namespace === index.rootNamespace || policy.namespace === w.namespace;
      const namesEgressHosts =
        [...carriers.values()].some((c) => c.length > 0) && workloads.some(inScope);
      if (!usesGatewayLabel && !namesEgressHosts) continue;

      const selectorKey = usesGatewayLabel ? gatewayLabel : Object.keys(selector)[0]!;
      const selectorPath = ['spec', 'selector', 'matchLabels', selectorKey];
      const selected = `${selectorKey}: ${selector[selectorKey]}`;
      const fits = workloads.filter((w) => selectorFit(selector, w.labels) === 'matches');
      const picked = authzGatewayTargets(index, policy);

      if (picked.length === 0) {
        const elsewhere = fits[0];
        if (elsewhere) {
          report({
            resource: policy,
            path: policy.namespaceDefaulted ? ['metadata'] : ['metadata', 'namespace'],
            message: `selects ${describeGatewayWorkload(elsewhere)}, whose pods run in ${elsewhere.namespace}, but an AuthorizationPolicy in ${policy.namespace} applies only to workloads in ${policy.namespace}; put it in ${elsewhere.namespace} (or the root namespace ${index.rootNamespace})`,
          });
        } else if (
          workloads.length > 0 &&
          workloads.every((w) => selectorFit(selector, w.labels) === 'conflicts')
        ) {
          const known = workloads
            .map((w) => `${describeGatewayWorkload(w)} (${labelsText(w.labels)})`)
            .join('; ');
          report({
            resource: policy,
            path: selectorPath,
            message: `selector ${selected} picks no egress gateway's pods, so this policy applies to nothing; known egress gateways: ${known}`,
          });
        }
        continue;
      }

      const missed = hosts.filter((h) => {
        const c = carriers.get(h)!;
        return (
          c.length > 0 &&
          !c.some((x) => picked.includes(x.workload)) &&
          !c.every((x) => misnamed(x.workload))
        );
      });
      if (missed.length === 0) continue;
      const through = [
        ...new Set(
          missed.flatMap((h) =>
            carriers
              .get(h)!
              .map(
                (c) => `${describeGatewayWorkload(c.workload)} via ${describeOrigin(c.gateway)}`,
              ),
          ),
        ),
      ];
      report({
        resource: policy,
        path: selectorPath,
        message: `selector ${selected} picks ${listText(picked.map(describeGatewayWorkload))}, but ${listText(missed)} leave${missed.length === 1 ? 's' : ''} through ${listText(through)}; this policy never sees that traffic`,
      });
    }
  },
});
