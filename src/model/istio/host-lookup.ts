/**
 * Resources found by host as Istio matches hosts (wildcards either side, host.Name.Matches): rules,
 * the index and the simulator ask per host, and a scan per question would cost what there is rather
 * than what is found.
 */
import type { Resource } from '../resource.js';
import { hostMatches, isWild } from './hosts.js';

export interface HostLookup {
  /** The resources with a host matching `host` (wildcards either side), in their original order. */
  matching(host: string): readonly Resource[];
  /** The resources that list `host` itself, in their original order. */
  listing(host: string): readonly Resource[];
}

/**
 * hostLookup by a scan of every resource, each answer a new list: for a few resources, where the
 * index's maps and closures cost more than they save (the simulator keeps a lookup per gateway server
 * and proxy namespace, mostly of one or two VirtualServices).
 */
export function scanningLookup(
  resources: readonly Resource[],
  hostsOfResource: (r: Resource) => readonly string[],
): HostLookup {
  return {
    matching: (host) =>
      resources.filter((r) => hostsOfResource(r).some((h) => hostMatches(h, host))),
    listing: (host) => resources.filter((r) => hostsOfResource(r).includes(host)),
  };
}

/** Up to this many resources, scanningLookup answers as fast as the index. */
export const SCAN_LIMIT = 8;

/** scanningLookup for a few resources, else hostLookup. */
export function smallHostLookup(
  resources: readonly Resource[],
  hostsOfResource: (r: Resource) => readonly string[],
): HostLookup {
  return (resources.length <= SCAN_LIMIT ? scanningLookup : hostLookup)(resources, hostsOfResource);
}

export function hostLookup(
  resources: readonly Resource[],
  hostsOfResource: (r: Resource) => readonly string[],
): HostLookup {
  // Resources by host as written, in their order; those with a wildcard host are also matched one
  // by one against the hosts asked for. A host most resources name alone (one ServiceEntry,
  // VirtualService or DestinationRule per host, thousands of them) keeps that resource, and a list
  // of it is made when asked: a list of one kept per host cost more than the map's entry.
  const written = new Map<string, Resource | Resource[]>();
  const wildcard: Resource[] = [];
  for (const r of resources) {
    let wild = false;
    for (const h of new Set(hostsOfResource(r))) {
      if (isWild(h)) wild = true;
      const kept = written.get(h);
      if (kept === undefined) written.set(h, r);
      else if (Array.isArray(kept)) kept.push(r);
      else written.set(h, [kept, r]);
    }
    if (wild) wildcard.push(r);
  }
  const none: readonly Resource[] = [];
  const writtenFor = (host: string): readonly Resource[] => {
    const kept = written.get(host);
    return kept === undefined ? none : Array.isArray(kept) ? kept : [kept];
  };
  const matches = (r: Resource, host: string): boolean =>
    hostsOfResource(r).some((h) => hostMatches(h, host));
  let position: Map<Resource, number> | undefined;
  const cache = new Map<string, readonly Resource[]>();
  return {
    listing: writtenFor,
    matching(host) {
      if (wildcard.length === 0 && !isWild(host)) return writtenFor(host);
      let found = cache.get(host);
      if (!found) {
        if (isWild(host)) found = resources.filter((r) => matches(r, host));
        else {
          const wild = wildcard.filter((r) => matches(r, host));
          if (wild.length === 0) found = writtenFor(host);
          else {
            position ??= new Map(resources.map((r, i) => [r, i]));
            found = [...new Set([...writtenFor(host), ...wild])].sort(
              (a, b) => position!.get(a)! - position!.get(b)!,
            );
          }
        }
        cache.set(host, found);
      }
      return found;
    },
  };
}
