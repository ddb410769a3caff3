/**
 * The TLS handler on one port that takes a connection by its SNI: a gateway server, or a tls route of
 * a PASSTHROUGH server, each its own filter chain.
 */

/**
 * The server names of a filter chain built from SNI hosts (a tls match's `sniHosts`, a server's
 * hosts): a list holding `*` makes a match-all chain, with no server names at all (listener.go
 * `toFilterChainMatch`, `isMatchAll`), so the other hosts it lists name nothing: a chain naming one
 * of them, or a wildcard covering it, takes that SNI first. Written `['*']` here.
 */
export function chainServerNames(sniHosts: readonly string[]): readonly string[] {
  return sniHosts.includes('*') ? ['*'] : sniHosts;
}

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
    const served = chainServerNames(names);
    if (served[0] === '*') any ??= handler;
    else {
      for (const h of served) {
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
