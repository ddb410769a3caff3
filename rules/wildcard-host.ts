import { defineRule } from '../src/lint/rule.js';

/**
 * The egress gateway must find the external host's addresses: the ServiceEntry behind a destination
 * uses `resolution: DNS` and the gateway routes to the first host by name. A wildcard cannot be looked
 * up, and Istio rejects a DNS ServiceEntry whose hosts are not fully qualified ("hosts must be FQDN if
 * no endpoints are provided for resolution mode DNS").
 */
export default defineRule({
  meta: {
    id: 'wildcard-host',
    severity: 'error',
    description:
      'A destination host is a wildcard (*.example.com), which the egress gateway cannot resolve or route to',
    kinds: ['ASMEgressTrafficPolicy'],
  },
  check({ configSet, report }) {
    for (const policy of configSet.policies) {
      for (const d of policy.destinations) {
        d.hosts.forEach((host, i) => {
          if (!host.startsWith('*')) return;
          report({
            resource: policy.resource,
            path: [...d.path, 'hosts', i],
            message: `wildcard host ${host}: the egress gateway resolves destinations by DNS and Istio rejects a DNS ServiceEntry with a wildcard host; list the host names you need (e.g. api.${host.replace(/^\*\.?/, '')})`,
          });
        });
      }
    }
  },
});
