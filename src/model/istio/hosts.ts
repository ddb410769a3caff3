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
  if (!Array.isArray(v)) return [];
  // filter builds its answer with room for 17, which lists kept per resource keep: a list of strings
  // only, the usual one, is copied at its size.
  return v.every((x) => typeof x === 'string')
    ? (v.slice() as string[])
    : v.filter((x): x is string => typeof x === 'string');
}

/** A ServiceEntry port's protocol: the `protocol` field, else what its name says; undefined means sniffed. */
export function servicePortProtocol(port: unknown): string | undefined {
  const explicit = get(port, ['protocol']);
  if (typeof explicit === 'string' && explicit) return explicit.toUpperCase();
  const name = get(port, ['name']);
  return protocolFromPortName(typeof name === 'string' ? name : undefined);
}

/**
 * Of `items` (filter chains, services) named by host patterns, the one whose pattern matches `name`
 * most specifically, as Envoy picks a filter chain by server name or a virtual host by domain: the
 * exact name, else the longest wildcard suffix, else `*`; the first of equals (envoy
 * filter_chain_manager_impl.cc findFilterChainForServerName). `matches` is the matching in use
 * (Istio's host matching, or Envoy's server_names).
 */
export function mostSpecific<T>(
  items: readonly T[],
  namesOf: (item: T) => readonly string[],
  name: string | undefined,
  matches: (pattern: string, name: string | undefined) => boolean,
): T | undefined {
  let best: T | undefined;
  let bestScore = -1;
  for (const item of items) {
    for (const pattern of namesOf(item)) {
      if (!matches(pattern, name)) continue;
      const score = specificity(pattern, name);
      if (score > bestScore) [best, bestScore] = [item, score];
    }
  }
  return best;
}

/** The host pattern of `patterns` that matches `name` most specifically (Istio's host matching). */
export function mostSpecificMatch(patterns: readonly string[], name: string): string | undefined {
  return mostSpecific(
    patterns,
    (p) => [p],
    name,
    (p, n) => n !== undefined && hostMatches(p, n),
  );
}

/** Exact beats every wildcard; a longer wildcard suffix beats a shorter one; `*` comes last. */
function specificity(pattern: string, name: string | undefined): number {
  if (pattern.toLowerCase() === name?.toLowerCase()) return Number.MAX_SAFE_INTEGER;
  return pattern === '*' ? 0 : pattern.length;
}
