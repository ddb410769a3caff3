import { describe, expect, it } from 'vitest';
import { isObject, type Resource } from '../../src/model/resource.js';
import { WorkloadPolicyIndex } from '../../src/model/istio/workload-policies.js';
import { policyAppliesTo, type Workload } from '../../src/model/istio/workloads.js';
import { mulberry32 } from '../helpers/mutate.js';

const ROOT = 'istio-system';

const policy = (name: string, namespace: string, spec: Record<string, unknown>): Resource =>
  ({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    group: 'security.istio.io',
    namespace,
    name,
    body: { spec },
  }) as unknown as Resource;

/** Picks below n from a seeded generator, so a failure names a seed that repeats it. */
function random(seed: number): (n: number) => number {
  const next = mulberry32(seed);
  return (n) => Math.floor(next() * n);
}

const NAMESPACES = [ROOT, 'istio-egress', 'team-a', 'team-b'];
const KEYS = ['istio', 'app', 'zone'];
const VALUES = ['egress-0', 'egress-1', 'egress-2', 'x'];

function randomLabels(pick: (n: number) => number, most: number): Record<string, string> {
  const labels: Record<string, string> = {};
  for (let i = pick(most + 1); i > 0; i--) labels[KEYS[pick(KEYS.length)]!] = VALUES[pick(4)]!;
  return labels;
}

/** Every form a policy's selector takes: none, empty, pairs, a number for a value, targetRef only. */
function randomSpec(pick: (n: number) => number): Record<string, unknown> {
  switch (pick(6)) {
    case 0:
      return {};
    case 1:
      return { selector: { matchLabels: {} } };
    case 2:
      return { selector: { matchLabels: { istio: 7 } } };
    case 3:
      return { targetRef: { kind: 'Gateway', name: 'egress' } };
    default:
      return { selector: { matchLabels: randomLabels(pick, 3) } };
  }
}

/** What policiesMissing (simulate/authz.ts) keeps of the policies the index gives for a key. */
const otherValue = (p: Resource, w: Workload, key: string): boolean => {
  const sel = (p.body.spec as Record<string, unknown>).selector;
  const labels = isObject(sel) ? sel.matchLabels : undefined;
  return isObject(labels) && typeof labels[key] === 'string' && labels[key] !== w.labels[key];
};

describe('workload policy index', () => {
  it('gives the policies a scan with policyAppliesTo gives, in the same order', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const pick = random(seed);
      const policies = Array.from({ length: 60 }, (_, i) =>
        policy(`p${i}`, NAMESPACES[pick(NAMESPACES.length)]!, randomSpec(pick)),
      );
      const index = new WorkloadPolicyIndex(policies, ROOT);
      for (let w = 0; w < 30; w++) {
        const workload = {
          namespace: NAMESPACES[pick(NAMESPACES.length)]!,
          labels: randomLabels(pick, 3),
        };
        const scanned = policies.filter((p) => policyAppliesTo(p, workload, ROOT));
        expect(index.applyingTo(workload), `seed ${seed}`).toEqual(scanned);
        for (const key of KEYS) {
          const inScope = (p: Resource): boolean =>
            p.namespace === ROOT || p.namespace === workload.namespace;
          const missing = policies.filter((p) => inScope(p) && otherValue(p, workload, key));
          const found = index
            .selectingKey(workload, key)
            .filter((p) => otherValue(p, workload, key));
          expect(found, `seed ${seed}, key ${key}`).toEqual(missing);
        }
      }
    }
  });

  it('finds a gateway’s policies among a thousand, in its namespace and the root namespace', () => {
    const policies = [
      ...Array.from({ length: 1000 }, (_, i) =>
        policy(`deny-${i}`, ROOT, { selector: { matchLabels: { istio: `egress-${i % 100}` } } }),
      ),
      policy('everyone-in-egress', 'istio-egress', {}),
      policy('elsewhere', 'team-a', { selector: { matchLabels: { istio: 'egress-7' } } }),
    ];
    const index = new WorkloadPolicyIndex(policies, ROOT);
    const names = (rs: Resource[]): string[] => rs.map((r) => r.name);
    const pods = { namespace: 'istio-egress', labels: { istio: 'egress-7', app: 'gw' } };
    expect(names(index.applyingTo(pods))).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `deny-${7 + 100 * i}`),
      'everyone-in-egress',
    ]);
    expect(index.selectingKey(pods, 'istio')).toHaveLength(1000);
    expect(index.selectingKey({ ...pods, namespace: 'team-a' }, 'istio')).toHaveLength(1001);
    expect(index.applyingTo({ namespace: 'team-b', labels: {} })).toEqual([]);
  });
});
