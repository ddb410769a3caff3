/**
 * Host names and service hosts: Istio's host matching, in-cluster hosts, ServiceEntry port
 * protocols.
 */
import { protocolFromPortName } from '../protocol.js';
import { get } from '../resource.js';

export const isWild = (h: string): boolean => h.startsWith('*');

/** Istio's host.Name.Matches: either side may be a wildcard (`*.example.com`, `*`). */
export function hostMatches(a: string, b: string): boolean {
  const aw = isWild(a);
  const bw = isWild(b);
  if (aw && bw)
    return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** Istio's host.Name.SubsetOf: every host `a` stands for is also covered by `b`. */
export function hostSubsetOf(a: string, b: string): boolean {
  const aw = isWild(a);
  const bw = isWild(b);
  if (aw) return bw && a.length >= b.length && a.slice(1).endsWith(b.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

export function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** A ServiceEntry port's protocol: the `protocol` field, else what its name says; undefined means sniffed. */
export function servicePortProtocol(port: unknown): string | undefined {
  const explicit = get(port, ['protocol']);
  if (typeof explicit === 'string' && explicit) return explicit.toUpperCase();
  const name = get(port, ['name']);
  return protocolFromPortName(typeof name === 'string' ? name : undefined);
}
