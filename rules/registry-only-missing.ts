import { CONFIG_FILE } from '../src/config/project-config.js';
import { policyRef } from '../src/lint/describe.js';
import { defineRule } from '../src/lint/rule.js';
import type { OutboundDeclaration } from '../src/model/mesh.js';
import { describe } from '../src/model/resource.js';

/**
 * An egress policy only adds a route through the gateway; what stops everyone else is the outbound
 * traffic policy REGISTRY_ONLY (unknown hosts get 502 / connection refused). Under ALLOW_ANY (Istio's
 * default) workloads the policy does not list reach the host directly, so the policy blocks nothing.
 * The mode can be set mesh-wide (IstioOperator, `istio` ConfigMap, the ASM console via our config
 * file) and per namespace or workload by a Sidecar; whichever applies to a workload decides for it.
 */

/** No Sidecar lives in namespace '' (resources always have one), so this asks for the mesh's fallback. */
const NAMESPACE_WITHOUT_SIDECAR = '';

export default defineRule({
  meta: {
    id: 'registry-only-missing',
    severity: 'error',
    description:
      'Egress policies exist but the outbound traffic policy (mesh-wide, or a Sidecar for a namespace or workload) is not REGISTRY_ONLY, so nothing is blocked',
    kinds: ['ASMEgressTrafficPolicy', 'IstioOperator', 'ConfigMap', 'Sidecar'],
  },
  check({ configSet, mesh, config, report }) {
    const policies = configSet.policies;
    if (policies.length === 0) return;
    const bypass =
      'workloads it does not list reach its hosts directly instead of being refused, and skip the egress gateway';
    const configFile = config.file ?? CONFIG_FILE;

    const fallback = mesh.outboundFor(NAMESPACE_WITHOUT_SIDECAR);
    if (fallback.mode !== 'REGISTRY_ONLY') {
      if (fallback.source === 'default' || fallback.source === 'config') {
        const why =
          fallback.source === 'default'
            ? `nothing in the repository sets outboundTrafficPolicy; assuming ${fallback.mode} (set mesh.outboundTrafficPolicy in ${configFile} if ASM sets it in the console)`
            : `mesh.outboundTrafficPolicy is ${fallback.mode} in ${configFile}`;
        for (const policy of policies) {
          report({
            resource: policy.resource,
            path: ['metadata', 'name'],
            ...(fallback.source === 'default' ? { severity: 'warning' as const } : {}),
            message: `${why}: under ${fallback.mode} this policy blocks nothing; ${bypass}`,
          });
        }
      } else if (fallback.resource) {
        const scope =
          fallback.source === 'Sidecar'
            ? `for every namespace without its own Sidecar (it is in the root namespace ${mesh.rootNamespace})`
            : 'mesh-wide';
        const overridden = mesh.meshWideDeclarations.find(
          (d) => d.source === 'config' && d.mode !== fallback.mode,
        );
        report({
          resource: fallback.resource,
          path: fallback.path ?? [],
          message: `outboundTrafficPolicy is ${fallback.mode} ${scope}, so the egress policies (${list(policies.map(policyRef))}) block nothing: workloads they do not list reach their hosts directly${overridden ? ` (this wins over mesh.outboundTrafficPolicy ${overridden.mode} in ${configFile})` : ''}`,
        });
      }
    }

    for (const decl of mesh.sidecars) {
      if (decl.mode === 'REGISTRY_ONLY' || decl === fallback || !decl.resource || !decl.namespace)
        continue;
      // A Sidecar shadowed by another one for the same workloads decides nothing.
      if (mesh.outboundFor(decl.namespace, decl.workloadSelector) !== decl) continue;
      const sources = policies.filter((p) =>
        p.destinations.some((d) => d.from.some((f) => f.namespace === decl.namespace)),
      );
      const note = sources.length
        ? `; it is a source namespace of ${list(sources.map(policyRef))}`
        : '';
      report({
        resource: decl.resource,
        path: decl.path ?? [],
        message: `${describe(decl.resource)} sets outboundTrafficPolicy ${decl.mode} for ${who(decl)}: they reach external hosts directly, past the egress gateway, whatever the egress policies say${note}`,
      });
    }
  },
});

function who(decl: OutboundDeclaration): string {
  const sel = decl.workloadSelector;
  return sel
    ? `workloads ${Object.entries(sel)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')} in namespace ${decl.namespace}`
    : `every workload in namespace ${decl.namespace}`;
}

function list(names: readonly string[]): string {
  return names.length > 3
    ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`
    : names.join(', ');
}
