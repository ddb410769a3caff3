import { describe, expect, it } from 'vitest';
import { LabelPairIndex } from '../../src/model/istio/label-index.js';
import { gatewaysFitting, gatewaysSelectingLabels } from '../../src/model/istio/workloads.js';
import type { Resource } from '../../src/model/resource.js';

const gateway = (name: string, selector?: Record<string, string>): Resource =>
  ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    group: 'networking.istio.io',
    namespace: 'istio-system',
    name,
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
    expect(names(gatewaysFitting(gateways, { istio: 'egress-7' }))).toEqual([
      'g7',
      'g1007',
      'g2007',
      'two-labels',
    ]);
    // A conflicting label rules a Gateway out; a selector needs every label to select.
    expect(names(gatewaysFitting(gateways, { istio: 'egress-7', zone: 'a' }))).toEqual([
      'g7',
      'g1007',
      'g2007',
    ]);
    expect(names(gatewaysSelectingLabels(gateways, { istio: 'egress-7' }))).toEqual([
      'g7',
      'g1007',
      'g2007',
    ]);
    expect(names(gatewaysSelectingLabels(gateways, { istio: 'egress-7', zone: 'b' }))).toEqual([
      'g7',
      'g1007',
      'g2007',
      'two-labels',
    ]);
    expect(gatewaysFitting(gateways, { app: 'x' })).toEqual([]);
  });
});
