import { describe, expect, it } from 'vitest';
import { rulesMergedByAge, subsetsOf, subsetsOfRule } from '../../src/model/istio.js';
import type { Resource } from '../../src/model/resource.js';

const rule = (name: string, subsets: string[]): Resource =>
  ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    group: 'networking.istio.io',
    namespace: 'istio-system',
    name,
    body: { spec: { host: 'x', subsets: subsets.map((s) => ({ name: s })) } },
  }) as unknown as Resource;

describe("one DestinationRule's subsets", () => {
  it('are what subsetsOf gives for the rule alone, read once per rule', () => {
    const a = rule('a', ['one', 'two', 'one']);
    const b = rule('b', ['two', 'three']);
    expect([...subsetsOfRule(a).keys()]).toEqual(['one', 'two']);
    expect(subsetsOfRule(a).get('one')?.index).toBe(0);
    expect(subsetsOfRule(a)).toEqual(subsetsOf([a]));
    expect(subsetsOfRule(a)).toBe(subsetsOfRule(a));
    expect(subsetsOfRule(b)).not.toBe(subsetsOfRule(a));
    expect([...subsetsOfRule(b).keys()]).toEqual(['two', 'three']);
    // Merged, the first definition of a name wins.
    expect(subsetsOf([a, b]).get('two')?.resource).toBe(a);
  });

  it("are one answer for every list of that rule alone (each client namespace's lookup is a list)", () => {
    const a = rule('alone', ['one']);
    const lists = [[a], [a]];
    expect(subsetsOf(lists[0]!)).toBe(subsetsOfRule(a));
    expect(subsetsOf(lists[1]!)).toBe(subsetsOf(lists[0]!));
    // A rule alone has no rival whose creation order could change the merge.
    expect(rulesMergedByAge([a], 'one')).toEqual([]);
    expect(rulesMergedByAge([a, rule('twin', ['one'])], 'one')).toHaveLength(2);
  });
});
