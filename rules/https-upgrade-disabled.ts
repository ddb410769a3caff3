import { defineRule } from '../src/lint/rule.js';
import { get } from '../src/model/resource.js';

/**
 * `httpsUpgrade` is easy to half-write: ASM ignores its port unless `enabled: true`, and ignores the
 * whole block on anything but plain HTTP. A port without `enabled: true` is an error: the plain HTTP
 * the author meant to encrypt leaves the cluster unencrypted. The block on a non-HTTP destination is
 * a warning: that traffic is TLS or opaque TCP already, so nothing leaves less protected than the
 * application sent it; the protocol is probably wrong, which the repository cannot confirm.
 */
export default defineRule({
  meta: {
    id: 'https-upgrade-disabled',
    severity: 'error',
    description:
      'httpsUpgrade.port set while enabled is not true, or httpsUpgrade on a destination that is not HTTP (both silently ignored)',
    kinds: ['ASMEgressTrafficPolicy'],
  },
  check({ configSet, report }) {
    for (const policy of configSet.policies) {
      for (const d of policy.destinations) {
        const upgrade = d.httpsUpgrade;
        if (!upgrade) continue;
        const path = [...d.path, 'httpsUpgrade'];
        if (d.port.protocol !== 'HTTP') {
          const why =
            d.protocolClass === 'http'
              ? 'the upgrade applies to protocol HTTP only'
              : 'the application already sends TLS or opaque TCP, which the gateway passes through';
          report({
            resource: policy.resource,
            path,
            severity: 'warning',
            message: `httpsUpgrade has no effect with protocol ${d.port.protocol} (${why}); remove it, or declare the port as HTTP if the application sends plain HTTP`,
          });
        } else if (!upgrade.enabled && upgrade.port !== undefined) {
          const enabled = get(policy.resource.body, [...path, 'enabled']);
          report({
            resource: policy.resource,
            path: [...path, 'port'],
            message: `httpsUpgrade.port ${upgrade.port} is ignored because httpsUpgrade.enabled is ${enabled === undefined ? 'not set' : String(enabled)}: the gateway sends plain HTTP to ${d.hosts[0]}:${d.port.number}, unencrypted past the cluster; set enabled: true to originate TLS on port ${upgrade.port}, or remove the port`,
          });
        }
      }
    }
  },
});
