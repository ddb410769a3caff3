import { describe, expect, it } from 'vitest';
import {
  matchesApplyingTo,
  routeMatchAppliesTo,
  routesOf,
  type ProxyView,
} from '../../src/model/istio.js';
import type { JsonObject, Resource } from '../../src/model/resource.js';
import { mulberry32 } from '../helpers/mutate.js';

function virtualService(name: string, spec: JsonObject): Resource {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    group: 'networking.istio.io',
    version: 'v1',
    name,
    namespace: 'istio-system',
    namespaceDefaulted: false,
    labels: {},
    annotations: {},
    body: { spec },
  } as Resource;
}

const GATEWAYS = ['mesh', 'istio-system/egress', 'istio-system/other'];
const NAMESPACES = ['team-0', 'team-1', 'team-2', 'team-3'];
const PORTS = [80, 443, 8080];

/** A match of any shape routeMatchAppliesTo reads: own gateways, port, source namespace and labels. */
function randomMatch(pick: (n: number) => number): JsonObject {
  const match: JsonObject = {};
  if (pick(3) === 0) match.gateways = [GATEWAYS[pick(3)]!];
  if (pick(3) > 0) match.port = PORTS[pick(3)]!;
  if (pick(4) > 0) match.sourceNamespace = NAMESPACES[pick(4)]!;
  if (pick(4) === 0) match.sourceLabels = { app: `a${pick(2)}` };
  return match;
}

describe('matchesApplyingTo', () => {
  it('gives the matches a test of each gives, in order, for routes long and short', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const random = mulberry32(seed);
      const pick = (n: number): number => Math.floor(random() * n);
      // Lengths on both sides of the point where the matches get indexed.
      const route = (): JsonObject => ({
        match: Array.from({ length: 1 + pick(60) }, () => randomMatch(pick)),
        route: [{ destination: { host: 'api.example.com' } }],
      });
      const vs = virtualService(`vs-${seed}`, {
        hosts: ['api.example.com'],
        gateways: pick(2) ? ['mesh', 'egress'] : ['mesh'],
        http: [route(), route()],
        tls: [route()],
        tcp: [route(), { route: [{ destination: { host: 'api.example.com' } }] }],
      });
      for (const r of routesOf(vs)) {
        for (let p = 0; p < 20; p++) {
          const proxy: ProxyView = {
            gateway: GATEWAYS[pick(3)]!,
            namespace: NAMESPACES[pick(4)]!,
            labels: pick(2) ? { app: `a${pick(2)}` } : {},
          };
          const port = PORTS[pick(3)]!;
          const tested = r.matches.filter((m) => routeMatchAppliesTo(m, proxy, port));
          expect(matchesApplyingTo(r.matches, proxy, port), `seed ${seed}`).toEqual(tested);
        }
      }
    }
  });

  it('finds one namespace’s match among thousands, with those for any source in order', () => {
    const match = (i: number): JsonObject =>
      i % 1000 === 0 ? { port: 80 } : { port: 80, sourceNamespace: `team-${i}` };
    const vs = virtualService('many', {
      hosts: ['api.example.com'],
      http: [{ match: Array.from({ length: 3000 }, (_, i) => match(i)), route: [] }],
    });
    const [route] = routesOf(vs);
    const proxy: ProxyView = { gateway: 'mesh', namespace: 'team-1234', labels: {} };
    expect(matchesApplyingTo(route!.matches, proxy, 80).map((m) => m.index)).toEqual([
      0, 1000, 1234, 2000,
    ]);
    expect(matchesApplyingTo(route!.matches, proxy, 443)).toEqual([]);
    expect(
      matchesApplyingTo(route!.matches, { ...proxy, gateway: 'istio-system/egress' }, 80),
    ).toEqual([]);
  });
});
