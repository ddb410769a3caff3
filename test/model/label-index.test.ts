import { describe, expect, it } from 'vitest';
import { LabelPairIndex } from '../../src/model/istio/label-index.js';
import {
  fitsSomeWorkload,
  gatewaysFitting,
  gatewaysSelectingLabels,
  labelsKey,
  selectorFit,
  workloadsFitting,
  type Workload,
} from '../../src/model/istio/workloads.js';
import type { Resource } from '../../src/model/resource.js';

const gateway = (name: string, selector?: Record<string, string>): Resource =>
  ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    group: 'networking.istio.io',
    namespace: 'istio-system',
    name,
    annotations: {},
    body: { spec: selector ? { selector } : {} },
  }) as unknown as Resource;

describe('label pair index', () => {
  it('finds items sharing a pair, each once, in the order added', () => {
    const index = new LabelPairIndex<string>();
    index.add('a', { istio: 'one', tier: 'x' });
    index.add('b', { istio: 'two' });
    index.add('c', { tier: 'x', istio: 'one' });
    expect(index.sharing({ tier: 'x', istio: 'one' })).toEqual(['a', 'c']);
    expect(index.sharing({ istio: 'two', tier: 'x' })).toEqual(['a', 'b', 'c']);
    expect(index.sharing({ istio: 'three' })).toEqual([]);
    expect(index.sharing({})).toEqual([]);
  });

  it('gives the Gateways a filter over all of them gives, among thousands', () => {
    const gateways = [
      gateway('none'),
      gateway('empty', {}),
      ...Array.from({ length: 3000 }, (_, i) => gateway(`g${i}`, { istio: `egress-${i % 1000}` })),
      gateway('two-labels', { istio: 'egress-7', zone: 'b' }),
    ];
    const names = (rs: Resource[]): string[] => rs.map((r) => r.name);
    expect(
      names(
        gatewaysFitting(gateways, { namespace: 'istio-system', labels: { istio: 'egress-7' } }),
      ),
    ).toEqual(['g7', 'g1007', 'g2007', 'two-labels']);
    // A conflicting label rules a Gateway out; a selector needs every label to select.
    expect(
      names(
        gatewaysFitting(gateways, {
          namespace: 'istio-system',
          labels: { istio: 'egress-7', zone: 'a' },
        }),
      ),
    ).toEqual(['g7', 'g1007', 'g2007']);
    expect(
      names(
        gatewaysSelectingLabels(gateways, {
          namespace: 'istio-system',
          labels: { istio: 'egress-7' },
        }),
      ),
    ).toEqual(['g7', 'g1007', 'g2007']);
    expect(
      names(
        gatewaysSelectingLabels(gateways, {
          namespace: 'istio-system',
          labels: { istio: 'egress-7', zone: 'b' },
        }),
      ),
    ).toEqual(['g7', 'g1007', 'g2007', 'two-labels']);
    expect(gatewaysFitting(gateways, { namespace: 'istio-system', labels: { app: 'x' } })).toEqual(
      [],
    );
  });
});

describe('workloads by selector', () => {
  const workloads: Workload[] = [
    { namespace: 'istio-system', labels: { istio: 'egress-a', zone: 'x' } },
    { namespace: 'istio-egress', labels: { istio: 'egress-b' } },
    { namespace: 'istio-system', labels: { app: 'proxy' } },
    ...Array.from({ length: 2000 }, (_, i) => ({
      namespace: 'istio-system',
      labels: { istio: `egress-${i}` },
    })),
  ];
  const selectors: Record<string, string>[] = [
    { istio: 'egress-a' },
    { istio: 'egress-a', zone: 'y' },
    { istio: 'egress-b', zone: 'x' },
    { zone: 'x' },
    { istio: 'egress-1999' },
    { istio: 'nowhere' },
    { tier: 'edge' },
    {},
  ];

  it('finds the workloads a selector fits, as a scan with selectorFit does', () => {
    for (const selector of selectors) {
      const scanned = workloads.filter((w) => selectorFit(selector, w.labels) === 'matches');
      expect(workloadsFitting(workloads, selector)).toEqual(scanned);
    }
    // egress-a's zone fits, its istio label does not; egress-b may be in zone x.
    expect(workloadsFitting(workloads, { istio: 'egress-b', zone: 'x' })).toEqual([workloads[1]]);
  });

  it('tells whether a selector fits some workload (matches, or names none of its keys)', () => {
    for (const list of [workloads, workloads.slice(0, 2), workloads.slice(3), []]) {
      const fitsSome = fitsSomeWorkload(list);
      for (const selector of selectors) {
        const scanned = !list.every((w) => selectorFit(selector, w.labels) === 'conflicts');
        expect(fitsSome(selector), JSON.stringify(selector)).toBe(scanned);
      }
    }
    // Every workload carries `istio`, with another value: all conflict.
    expect(fitsSomeWorkload(workloads.slice(3))({ istio: 'nowhere' })).toBe(false);
    // A workload without the `tier` key may carry it: unknown, so it fits.
    expect(fitsSomeWorkload(workloads.slice(0, 2))({ tier: 'edge' })).toBe(true);
  });

  it('keys labels by their pairs whatever their order, the same key on every call', () => {
    const labels = { b: '2', a: '1' };
    expect(labelsKey(labels)).toBe(labelsKey({ a: '1', b: '2' }));
    expect(labelsKey(labels)).toBe('[["a","1"],["b","2"]]');
    expect(labelsKey(labels)).not.toBe(labelsKey({ a: '1' }));
  });
});
