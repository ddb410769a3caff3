/**
 * visibleEntries answers one entry or none without grouping by written host and choosing among them
 * (the choice has nothing to decide then). Held equal here to the full choice, chosenEntries:
 * the same entries in the same order and the same trace, on generated registries where a host has
 * no entry, one, or several (ServiceEntries and Kubernetes Services, exported in different ways,
 * imported or not by the proxy's Sidecar).
 */
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/analyze.js';
import { DEFAULT_CONFIG } from '../../src/config/project-config.js';
import type { Resource } from '../../src/model/resource.js';
import { simulationContext } from '../../src/simulate/context.js';
import { Trace } from '../../src/simulate/trace.js';
import type { Stage } from '../../src/simulate/types.js';
import { chosenEntries, registryEntries, visibleEntries } from '../../src/simulate/upstream.js';

const NAMESPACES = ['ns-a', 'ns-b', 'ns-c'];
const HOSTS = ['a.example.com', 'b.example.com', '*.example.com', 'c.example.org'];
const EXPORTS = ['', 'exportTo: ["."]', 'exportTo: ["*"]', 'exportTo: [ns-a]'];

/** A small deterministic generator, so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function pick<T>(list: readonly T[], next: () => number): T {
  return list[Math.floor(next() * list.length)]!;
}

function registryYaml(entries: number, services: number, next: () => number): string {
  const docs: string[] = [];
  for (let i = 0; i < entries; i++) {
    const hosts = [pick(HOSTS, next), ...(next() < 0.3 ? [pick(HOSTS, next)] : [])];
    docs.push(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se-${i}, namespace: ${pick(NAMESPACES, next)}}
spec:
  hosts: [${[...new Set(hosts)].join(', ')}]
  location: MESH_EXTERNAL
  resolution: ${pick(['DNS', 'NONE'], next)}
  ports: [{number: ${pick([80, 443], next)}, name: p, protocol: ${pick(['HTTP', 'TLS'], next)}}]
  ${pick(EXPORTS, next)}
`);
  }
  for (let i = 0; i < services; i++) {
    docs.push(`apiVersion: v1
kind: Service
metadata: {name: svc-${i % 2}, namespace: ${pick(NAMESPACES, next)}}
spec:
  ports: [{port: 80, name: http}]
`);
  }
  return docs.join('---\n');
}

/** The full choice over every entry visible, without visibleEntries' shortcut. */
const everyWay: typeof visibleEntries = (ctx, host, namespace, exact = false, view) =>
  chosenEntries(registryEntries(ctx, host, namespace, exact), host, namespace, view);

/** What a lookup leaves behind: its answer and everything it wrote on the trace. */
function lookedUp(
  lookup: typeof visibleEntries,
  args: { host: string; namespace: string; exact: boolean; at?: Stage; refuse?: string },
  ctx: ReturnType<typeof simulationContext>,
): unknown {
  const t = new Trace(false);
  const imported = (r: Resource): boolean => {
    t.note(`asked about ${r.namespace}/${r.name}`);
    return r.namespace !== args.refuse;
  };
  const view = args.at ? { t, at: args.at, ...(args.refuse ? { imported } : {}) } : undefined;
  const entries = lookup(ctx, args.host, args.namespace, args.exact, view);
  return {
    entries: entries.map((r) => `${r.kind} ${r.namespace}/${r.name}`),
    decisions: t.decisions,
    notes: t.notes,
    groups: t.orderGroups.map((g) => g.key),
  };
}

describe('visibleEntries with one entry or none', () => {
  it('answers as the full choice among entries does, entries and trace alike', () => {
    const next = random(11);
    let oneEntry = 0;
    for (const [entries, services] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [2, 0],
      [3, 1],
      [6, 2],
    ] as const) {
      for (let round = 0; round < 4; round++) {
        const analysis = analyzeSources(
          [{ path: 'registry.yaml', content: registryYaml(entries, services, next) }],
          DEFAULT_CONFIG,
        );
        const ctx = simulationContext(analysis);
        const hosts = [
          ...HOSTS.filter((h) => !h.includes('*')),
          'x.example.com',
          ...[0, 1].flatMap((i) => NAMESPACES.map((ns) => `svc-${i}.${ns}.svc.cluster.local`)),
        ];
        for (const host of hosts)
          for (const namespace of NAMESPACES)
            for (const exact of [false, true])
              for (const at of [undefined, 'sidecar', 'egress-gateway'] as const)
                for (const refuse of [undefined, 'ns-b']) {
                  const args = {
                    host,
                    namespace,
                    exact,
                    ...(at ? { at } : {}),
                    ...(refuse ? { refuse } : {}),
                  };
                  const chosen = lookedUp(everyWay, args, ctx);
                  expect(lookedUp(visibleEntries, args, ctx), JSON.stringify(args)).toEqual(chosen);
                  if (registryEntries(ctx, host, namespace, exact).length === 1) oneEntry++;
                }
      }
    }
    // The shortcut's case was met (one entry visible before the choice), not only none or several.
    expect(oneEntry).toBeGreaterThan(100);
  });
});
