/**
 * ServiceEntry hosts and addresses as Istio reads them: which host names and addresses its validation
 * accepts (pkg/config/validation/validation.go ValidateServiceEntry, agent/validation.go), and which
 * ServiceEntries take a connection to an IP address (serviceentry/conversion.go: one service per host
 * and address; the sidecar binds a listener per address, CIDR blocks by longest prefix).
 */
import ipaddr from 'ipaddr.js';
import { get, type Resource } from '../resource.js';
import { stringList } from './hosts.js';

// pkg/config/labels/instance.go: Istio's DNS-1123 labels for hosts admit upper case.
const DNS1123_LABEL = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

/**
 * What an IP literal can look like before ipaddr.js judges it: IPv4 in digits and dots only (ipaddr.js
 * also reads hex octets, which we take for names), or IPv6: a colon among hex digits, dots and the
 * `x` of `0x` octets, a zone after `%` (its parser's regular expressions admit no other character).
 * ipaddr.js answers a name by throwing and catching inside `isValid`, about a millisecond per fuzz
 * mutant; a name rarely gets past this test.
 */
const IP_SHAPED = /^(?:[\d.]+|[\da-fx.]*:[\da-fx:.]*(?:%[\da-z]+)?)$/i;

/** An IP literal (brackets of an IPv6 URL host allowed), normalized; undefined for names. */
export function ipLiteral(host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return IP_SHAPED.test(bare) && ipaddr.isValid(bare) ? ipaddr.parse(bare).toString() : undefined;
}

/** Why Istio rejects a ServiceEntry host (ValidateWildcardDomain; `*` alone is refused), or undefined. */
export function serviceEntryHostProblem(host: string): string | undefined {
  if (host === '') return 'an empty host';
  if (host === '*') return 'the host "*" (a ServiceEntry cannot register every host)';
  if (host.length > 255) return `host "${host.slice(0, 40)}..." (longer than 255 characters)`;
  const [first, ...rest] = host.split('.');
  const firstOk = first === '*' || DNS1123_LABEL.test(first!.replace(/^\*/, 'x'));
  const labels = rest.at(-1) === '' ? rest.slice(0, -1) : rest;
  const ok =
    firstOk &&
    labels.every((l) => DNS1123_LABEL.test(l) && l.length <= 63) &&
    (first!.length <= 63 || first === '*') &&
    (labels.length === 0 || !/^\d+$/.test(labels.at(-1)!));
  if (ok) return undefined;
  if (ipLiteral(host)) return `host "${host}", an IP address (addresses go under spec.addresses)`;
  if (/\/\d+$/.test(host))
    return `host "${host}", a CIDR block (addresses go under spec.addresses)`;
  if (/:\d+$/.test(host) && !host.includes('::'))
    return `host "${host}" with a port (ports go under spec.ports)`;
  return `host "${host}" (not a DNS name: labels of letters, digits and "-", a "*." prefix at most)`;
}

/** Istio's ValidateIPSubnet: an IP address or a CIDR block. */
export function addressProblem(address: string): string | undefined {
  if (address.includes('/')) return ipaddr.isValidCIDR(address) ? undefined : 'not a CIDR block';
  // Brackets are for URLs: `[::1]` is an ipLiteral but no address.
  return ipLiteral(address) && ipaddr.isValid(address) ? undefined : 'not an IP address';
}

/** The prefix length by which `address` (IP or CIDR) covers `ip`, or undefined when it does not. */
export function addressCovers(address: string, ip: string): number | undefined {
  if (addressProblem(address)) return undefined;
  const target = ipaddr.parse(ip);
  const [range, bits] = address.includes('/')
    ? ipaddr.parseCIDR(address)
    : [ipaddr.parse(address), ipaddr.parse(address).kind() === 'ipv4' ? 32 : 128];
  if (range.kind() !== target.kind()) return undefined;
  return target.match(range, bits) ? bits : undefined;
}

/** Whether the IP falls in one of the CIDR blocks or addresses (malformed ones count as not matching). */
export function inRanges(ip: string, ranges: readonly string[]): boolean {
  return ranges.some((r) => r === '*' || addressCovers(r.trim(), ip) !== undefined);
}

/**
 * The ServiceEntries (among `entries`) whose `addresses` take a connection to `ip` on `port`, the
 * most specific address first: Istio's sidecar binds a listener per service address and port, and
 * a connection lands on the one whose address (or CIDR block) fits its destination best.
 */
export function entriesForAddress(
  entries: readonly Resource[],
  ip: string,
  port: number,
): Resource[] {
  const fits: { se: Resource; bits: number }[] = [];
  for (const se of entries) {
    const ports = get(se.body, ['spec', 'ports']);
    if (!Array.isArray(ports) || !ports.some((p) => get(p, ['number']) === port)) continue;
    const bits = Math.max(
      -1,
      ...stringList(get(se.body, ['spec', 'addresses'])).map((a) => addressCovers(a, ip) ?? -1),
    );
    if (bits >= 0) fits.push({ se, bits });
  }
  return fits.sort((a, b) => b.bits - a.bits).map((f) => f.se);
}
