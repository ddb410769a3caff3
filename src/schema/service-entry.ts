/**
 * What Istio's webhook rejects in a ServiceEntry beyond its generated schema (ValidateServiceEntry in
 * pkg/config/validation/validation.go): hosts that are not DNS names (IPs, CIDR blocks, `host:port`,
 * empty, `*`), addresses that are neither IPs nor CIDR blocks, CIDR blocks with a resolution other than
 * NONE or STATIC, and wildcard hosts resolved by DNS without endpoints.
 */
import type { Finding } from '../model/finding.js';
import {
  addressProblem,
  serviceEntryHostProblem,
  serviceEntryResolution,
  stringList,
} from '../model/istio.js';
import { KIND } from '../model/kinds.js';
import { get, type Resource } from '../model/resource.js';
import { findingAt } from './messages.js';

const REJECTS = 'Istio rejects this ServiceEntry';

export function serviceEntryFindings(r: Resource): Finding[] {
  if (r.kind !== KIND.serviceEntry) return [];
  const out: Finding[] = [];
  const hosts = get(r.body, ['spec', 'hosts']);
  const resolution = serviceEntryResolution(r);
  const endpoints = get(r.body, ['spec', 'endpoints']);
  const dnsWithoutEndpoints =
    (resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') &&
    !(Array.isArray(endpoints) && endpoints.length > 0);
  (Array.isArray(hosts) ? hosts : []).forEach((host, i) => {
    if (typeof host !== 'string') return;
    const problem = serviceEntryHostProblem(host);
    if (problem) out.push(findingAt(r, ['spec', 'hosts', i], `${REJECTS}: ${problem}`));
    else if (dnsWithoutEndpoints && host.startsWith('*'))
      out.push(
        findingAt(
          r,
          ['spec', 'hosts', i],
          `${REJECTS}: the wildcard host "${host}" cannot be resolved by DNS (resolution ${resolution} without endpoints); use resolution NONE or DYNAMIC_DNS`,
        ),
      );
  });
  const addresses = get(r.body, ['spec', 'addresses']);
  (Array.isArray(addresses) ? addresses : []).forEach((address, i) => {
    if (typeof address !== 'string') return;
    const problem = addressProblem(address);
    if (problem)
      out.push(findingAt(r, ['spec', 'addresses', i], `${REJECTS}: "${address}" is ${problem}`));
  });
  const cidr = stringList(addresses).find((a) => a.includes('/'));
  if (cidr && resolution !== 'NONE' && resolution !== 'STATIC')
    out.push(
      findingAt(
        r,
        ['spec', 'resolution'],
        `${REJECTS}: the CIDR block ${cidr} in addresses needs resolution NONE or STATIC, not ${resolution}`,
      ),
    );
  return out;
}
