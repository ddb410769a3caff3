import { parse } from 'tldts';
import { defineRule } from '../src/lint/rule.js';

/**
 * The gateway leg of a destination routes to its first host (there is one upstream per entry), so every
 * other host of the entry is served by the first host's addresses. ASM states the requirement ("the IP
 * addresses of multiple domain names after DNS resolution must be the same"); we cannot resolve DNS,
 * but hosts under different registrable domains almost never share addresses, while `www.x.org` and
 * `x.org` usually do. Registrable domains come from the Public Suffix List with its private section
 * (tldts): `a.cloudfront.net` and `b.cloudfront.net` belong to different customers, as do
 * `x.github.io` and `y.github.io`.
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
        const listed = new Set(d.hosts.map(normalize));
        const site = siteOf(first, listed);
        d.hosts.forEach((host, i) => {
          if (sameSite(site, siteOf(host, listed))) return;
          report({
            resource: policy.resource,
            path: [...d.path, 'hosts', i],
            message: `${host} is not under ${site.domain} like the first host ${first}: the egress gateway sends every host of this entry to ${first}'s addresses, so requests for ${host} reach the wrong server unless both resolve to the same IPs; give it its own entry in to`,
          });
        });
      }
    }
  },
});

interface Site {
  /** The registrable domain (`example.co.uk`), or the host itself when it has none (IPs, suffixes). */
  domain: string;
  /** The public suffix (`co.uk`, `github.io`), when the host is under one. */
  suffix?: string;
}

function normalize(host: string): string {
  return host.toLowerCase().replace(/^\*\./, '').replace(/\.$/, '');
}

/**
 * `listed`: the entry's hosts. When it lists a private-section suffix itself (`httpbin.org`), the hosts
 * under it are taken as that one operator's site (`www.httpbin.org`, `eu.httpbin.org`).
 */
function siteOf(host: string, listed: ReadonlySet<string> = new Set()): Site {
  const name = normalize(host);
  const parsed = parse(name, { allowPrivateDomains: true });
  const suffix = parsed.publicSuffix ?? undefined;
  if (parsed.isPrivate && suffix && listed.has(suffix)) return { domain: suffix, suffix };
  return {
    domain: (!parsed.isIp && parsed.domain) || name,
    ...(parsed.publicSuffix && !parsed.isIp ? { suffix: parsed.publicSuffix } : {}),
  };
}

/**
 * Same registrable domain; or one host is itself a private-section suffix and the other is right under
 * it (`httpbin.org` is listed, so `www.httpbin.org` is a registrable domain of its own, yet both are
 * the one operator's): a missed warning there costs less than a false one.
 */
function sameSite(a: Site, b: Site): boolean {
  return a.domain === b.domain || a.domain === b.suffix || b.domain === a.suffix;
}

/** `api.eu.example.co.uk` -> `example.co.uk`; `*.example.com` -> `example.com`; IP addresses stay as they are. */
export function registrableDomain(host: string): string {
  return siteOf(host).domain;
}
