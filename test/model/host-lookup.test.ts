/**
 * The two ways of finding resources by host give the same answers: the index (hostLookup) and the
 * scan that smallHostLookup uses for a few resources.
 */
import { describe, expect, it } from 'vitest';
import {
  hostLookup,
  scanningLookup,
  smallHostLookup,
  SCAN_LIMIT,
} from '../../src/model/istio/host-lookup.js';
import type { Resource } from '../../src/model/resource.js';

const HOSTS = [
  'a.example.com',
  'b.example.com',
  '*.example.com',
  '*.com',
  '*',
  'a.example.org',
  '*.example.org',
  'x.a.example.com',
];

/** A small deterministic generator, so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function resourcesWithHosts(count: number, next: () => number): Map<Resource, string[]> {
  const out = new Map<Resource, string[]>();
  for (let i = 0; i < count; i++) {
    const hosts = Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
      return HOSTS[Math.floor(next() * HOSTS.length)]!;
    });
    out.set({ name: `r${i}` } as Resource, hosts);
  }
  return out;
}

describe('hosts looked up by index or by scan', () => {
  it('answer the same resources in the same order, for every host asked', () => {
    const next = random(7);
    for (const count of [0, 1, 3, SCAN_LIMIT, SCAN_LIMIT + 1, 40]) {
      for (let round = 0; round < 5; round++) {
        const hosts = resourcesWithHosts(count, next);
        const resources = [...hosts.keys()];
        const of = (r: Resource): readonly string[] => hosts.get(r)!;
        const indexed = hostLookup(resources, of);
        const scanned = scanningLookup(resources, of);
        for (const host of [...HOSTS, 'c.example.com', '*.net', 'example.com']) {
          const names = (rs: readonly Resource[]): string[] => rs.map((r) => r.name);
          expect(names(scanned.matching(host)), `${count} matching ${host}`).toEqual(
            names(indexed.matching(host)),
          );
          expect(names(scanned.listing(host)), `${count} listing ${host}`).toEqual(
            names(indexed.listing(host)),
          );
        }
      }
    }
  });

  it('smallHostLookup scans up to SCAN_LIMIT resources and indexes more', () => {
    const of = (): readonly string[] => ['a.example.com'];
    const few = Array.from({ length: SCAN_LIMIT }, (_, i) => ({ name: `r${i}` }) as Resource);
    const many = [...few, { name: 'more' } as Resource];
    // The index remembers its answer for a host; a scan builds a new list each time.
    const small = smallHostLookup(few, of);
    expect(small.listing('a.example.com')).not.toBe(small.listing('a.example.com'));
    const large = smallHostLookup(many, of);
    expect(large.listing('a.example.com')).toBe(large.listing('a.example.com'));
  });
});
