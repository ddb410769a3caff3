import { defineRule } from '../src/lint/rule.js';

/**
 * The gateway leg of a destination routes to its first host (there is one upstream per entry), so every
 * other host of the entry is served by the first host's addresses. ASM states the requirement ("the IP
 * addresses of multiple domain names after DNS resolution must be the same"); we cannot resolve DNS,
 * but hosts under different registrable domains almost never share addresses, while `www.x.org` and
 * `x.org` usually do. "Registrable domain" is approximated without the public suffix list: the last two
 * labels, or three when the second-level label is a common public second level under a country code
 * (`co.uk`, `com.cn`, `net.au`...).
 */
export default defineRule({
  meta: {
    id: 'hosts-resolve-same',
    severity: 'warning',
    description:
      'A destination lists hosts under different registrable domains, which the gateway would all send to the first host',
    kinds: ['ASMEgressTrafficPolicy'],
  },
  check({ configSet, report }) {
    for (const policy of configSet.policies) {
      for (const d of policy.destinations) {
        const first = d.hosts[0];
        if (!first || d.hosts.length < 2) continue;
        const domain = registrableDomain(first);
        d.hosts.forEach((host, i) => {
          if (registrableDomain(host) === domain) return;
          report({
            resource: policy.resource,
            path: [...d.path, 'hosts', i],
            message: `${host} is not under ${domain} like the first host ${first}: the egress gateway sends every host of this entry to ${first}'s addresses, so requests for ${host} reach the wrong server unless both resolve to the same IPs; give it its own entry in to`,
          });
        });
      }
    }
  },
});

const PUBLIC_SECOND_LEVEL = new Set([
  'ac',
  'co',
  'com',
  'edu',
  'gov',
  'go',
  'gob',
  'mil',
  'ne',
  'net',
  'or',
  'org',
]);

/** `api.eu.example.co.uk` -> `example.co.uk`; `*.example.com` -> `example.com`; IP addresses stay as they are. */
export function registrableDomain(host: string): string {
  const name = host.toLowerCase().replace(/^\*\./, '').replace(/\.$/, '');
  if (/^[\d.]+$/.test(name) || name.includes(':')) return name;
  const labels = name.split('.');
  const tld = labels[labels.length - 1] ?? '';
  const second = labels[labels.length - 2] ?? '';
  const take = labels.length >= 3 && tld.length === 2 && PUBLIC_SECOND_LEVEL.has(second) ? 3 : 2;
  return labels.slice(-take).join('.');
}
