/**
 * The TLS handler on one port that takes a connection by its SNI: a gateway server, or a tls route of
 * a PASSTHROUGH server, each its own filter chain.
 */

/**
 * Prepares the choice among `handlers` (oldest first) for many SNI lookups, as Envoy picks a filter
 * chain by server name (filter_chain_manager_impl.cc findFilterChainForServerName): an exact name
 * (any case) first, then the longest `*.suffix` wildcard, then a handler for `*`, which Istio builds
 * without server names (listener.go toFilterChainMatch); the first of equals. A handler repeating a
 * host an older one already took is dropped, as Istio does (model/gateway.go CheckDuplicates).
 */
export function sniChooser<T>(
  handlers: readonly T[],
  hostsOf: (handler: T) => readonly string[],
): (sni: string | undefined) => T | undefined {
  const exact = new Map<string, T>();
  const wildcards: [suffix: string, handler: T][] = [];
  let any: T | undefined;
  const taken = new Set<string>();
  for (const handler of handlers) {
    const names = hostsOf(handler);
    if (names.some((h) => taken.has(h))) continue;
    names.forEach((h) => taken.add(h));
    if (names.includes('*')) any ??= handler;
    else {
      for (const h of names) {
        if (h.startsWith('*.')) wildcards.push([h.slice(1).toLowerCase(), handler]);
        else if (!exact.has(h.toLowerCase())) exact.set(h.toLowerCase(), handler);
      }
    }
  }
  wildcards.sort((a, b) => b[0].length - a[0].length);
  return (sni) => {
    if (sni === undefined) return any;
    const name = sni.toLowerCase();
    return exact.get(name) ?? wildcards.find(([suffix]) => name.endsWith(suffix))?.[1] ?? any;
  };
}
