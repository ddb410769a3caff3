/**
 * Traffic splits: a route with several destinations of weight > 0 sends a share of the traffic to
 * each (pilot/pkg/networking/core/route/route.go translateRoute, networkfilter.go
 * buildOutboundNetworkFiltersWithWeightedClusters). Every share is simulated: a 10% share that
 * bypasses the gateway or goes nowhere is shown; the verdict is the one most of the traffic gets.
 */
import { describe, expect, it } from 'vitest';
import { formatExplanationText } from '../../src/report/explain.js';
import { shareListText } from '../../src/simulate/splits.js';
import {
  accessChangesReport,
  compareAccess,
  formatAccessChange,
} from '../../src/simulate/access.js';
import { analyzeSources } from '../../src/analyze.js';
import { parseProjectConfig } from '../../src/config/project-config.js';
import {
  analyzeFixture,
  decisionText,
  serviceEntry,
  simulatorFor,
  type Correction,
} from './helpers.js';

const TASK = '../istio-tasks/egress-gateway/http';
const FILE = 'gateway.yaml';

/** The sidecar route of the egress-gateway HTTP task (all traffic to the gateway), then `more` destinations. */
const sidecarSplit = (weight: number, more: string): Correction => ({
  file: FILE,
  from: `      weight: 100
  - match:
    - gateways:
      - istio-egressgateway`,
  to: `      weight: ${weight}
${more}  - match:
    - gateways:
      - istio-egressgateway`,
  why: 'the sidecar route splits the traffic between the egress gateway and other destinations',
});

/** The gateway's route of the task (all traffic to edition.cnn.com), then `more` destinations. */
const gatewaySplit = (weight: number, more: string): Correction => ({
  file: FILE,
  from: `        host: edition.cnn.com
        port:
          number: 80
      weight: 100
`,
  to: `        host: edition.cnn.com
        port:
          number: 80
      weight: ${weight}
${more}`,
  why: "the gateway's route splits the traffic between edition.cnn.com and other destinations",
});

const TEN_PERCENT_DIRECT = `    - destination: {host: edition.cnn.com, port: {number: 80}}
      weight: 10
`;

/** A split's other destinations: `broken` percent to a host nothing registers, `open` percent to a Service the repository does not show. */
const splitTail = (
  broken: number,
  open: number,
) => `    - destination: {host: unknown.example.com, port: {number: 80}}
      weight: ${broken}
    - destination: {host: reviews.default.svc.cluster.local, port: {number: 9080}}
      weight: ${open}
`;

const explainWith = (...corrections: Correction[]) =>
  simulatorFor(analyzeFixture(TASK, { corrections }))('default', 'http://edition.cnn.com/politics');

describe('a route splitting traffic over weighted destinations', () => {
  it('follows the task as written: one destination, no shares', () => {
    const e = explainWith();
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.shares).toBeUndefined();
  });

  it('lists a 10% share that bypasses the gateway; the verdict is the 90% share', () => {
    const e = explainWith(sidecarSplit(90, TEN_PERCENT_DIRECT));
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.gateway?.name).toBe('egressgateway');
    expect(e.shares?.map((s) => [s.weight, s.verdict])).toEqual([
      [90, 'allowed-via-gateway'],
      [10, 'allowed-direct'],
    ]);
    const direct = e.shares![1]!;
    expect(direct.destinations).toEqual([
      'VirtualService default/direct-cnn-through-egress-gateway http[0] -> edition.cnn.com:80',
    ]);
    expect(direct.upstream).toMatchObject({ host: 'edition.cnn.com', port: 80, by: 'sidecar' });
    expect(direct.hops.map((h) => h.to)).toEqual(['sidecar of default/*', 'edition.cnn.com:80']);
    expect(e.shares![0]!.hops.map((h) => h.to)).toContain(
      'istio-egressgateway.istio-system.svc.cluster.local:80',
    );
    expect(e.reason).toMatch(
      /what 90% of a traffic split gets \(its heaviest share: 90%\), the others: 10% allowed-direct$/,
    );
    expect(decisionText(e)).toContain(
      'VirtualService default/direct-cnn-through-egress-gateway http[0] splits traffic over 2 destinations (weights 90, 10); this share goes to istio-egressgateway.istio-system.svc.cluster.local:80 subset cnn (weight 90)',
    );
  });

  it('says nothing more when every share gives the same answer', () => {
    const sameGateway = `    - destination:
        host: istio-egressgateway.istio-system.svc.cluster.local
        subset: cnn
        port: {number: 80}
      weight: 50
`;
    const e = explainWith(sidecarSplit(50, sameGateway));
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.shares).toBeUndefined();
    expect(e.notes).toContain(
      'VirtualService default/direct-cnn-through-egress-gateway http[0] splits the traffic over 2 destinations; every share gives this answer',
    );
  });

  it('ignores a destination of weight 0 beside others, as Istio builds no cluster for it', () => {
    const zero = TEN_PERCENT_DIRECT.replace('weight: 10', 'weight: 0');
    const e = explainWith(sidecarSplit(100, zero));
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.shares).toBeUndefined();
    expect(decisionText(e)).not.toContain('splits traffic');
  });

  it("follows a gateway route's split: a share to a host no ServiceEntry registers is broken", () => {
    const unregistered = `    - destination: {host: unknown.example.com, port: {number: 80}}
      weight: 25
`;
    const e = explainWith(gatewaySplit(75, unregistered));
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.shares?.map((s) => [s.weight, s.verdict])).toEqual([
      [75, 'allowed-via-gateway'],
      [25, 'broken'],
    ]);
    expect(e.shares![1]!.destinations).toEqual([
      'VirtualService default/direct-cnn-through-egress-gateway http[1] -> unknown.example.com:80',
    ]);
  });

  it('multiplies the weights of nested splits; the heaviest share gives the verdict', () => {
    const halfDirect = TEN_PERCENT_DIRECT.replace('weight: 10', 'weight: 50');
    const unregistered = `    - destination: {host: unknown.example.com, port: {number: 80}}
      weight: 50
`;
    const e = explainWith(sidecarSplit(50, halfDirect), gatewaySplit(50, unregistered));
    expect(e.shares?.map((s) => [s.weight, s.verdict])).toEqual([
      [50, 'allowed-direct'],
      [25, 'allowed-via-gateway'],
      [25, 'broken'],
    ]);
    expect(e.verdict).toBe('allowed-direct');
    expect(e.shares![2]!.destinations).toHaveLength(2);
  });

  it('gives the verdict most of the traffic gets, shares of one verdict summed', () => {
    // 40% through the gateway, 60% to three unregistered hosts (20% each): most requests break.
    const unregistered = [1, 2, 3]
      .map(
        (n) => `    - destination: {host: unknown${n}.example.com, port: {number: 80}}
      weight: 20
`,
      )
      .join('');
    const e = explainWith(gatewaySplit(40, unregistered));
    expect(e.shares?.map((s) => [s.weight, s.verdict])).toEqual([
      [40, 'allowed-via-gateway'],
      [20, 'broken'],
      [20, 'broken'],
      [20, 'broken'],
    ]);
    expect(e.verdict).toBe('broken');
    expect(e.reason).toMatch(/what 60% of a traffic split gets \(its heaviest share: 20%\)/);
  });

  it('is undetermined when the undetermined shares could give another verdict the most', () => {
    // 40% broken, 25% through the gateway, 35% to an in-cluster Service the repository does not
    // show: were that 35% to pass the gateway, most of the traffic would.
    const e = explainWith(gatewaySplit(25, splitTail(40, 35)));
    expect(e.shares?.map((s) => [s.weight, s.verdict])).toEqual([
      [40, 'broken'],
      [35, 'undetermined'],
      [25, 'allowed-via-gateway'],
    ]);
    expect(e.verdict, e.reason).toBe('undetermined');
    expect(e.missing).toMatch(/reviews\.default\.svc\.cluster\.local/);
    expect(e.reason).toMatch(
      /^the answer for 35% of a traffic split is unknown and could make allowed-via-gateway what most of the traffic gets, against 40% broken; broken: /,
    );
  });

  it('keeps the verdict when the undetermined shares could not change it', () => {
    // 60% broken against 25% through the gateway and 15% undetermined.
    const e = explainWith(gatewaySplit(25, splitTail(60, 15)));
    expect(e.verdict, e.reason).toBe('broken');
    expect(e.shares?.map((s) => s.verdict)).toContain('undetermined');
  });

  // route.go translateRoute: the weighted clusters are a set; the order they are written in is no part of it.
  it('answers an equal-weight split the same whichever destination is written first', () => {
    const directFirst: Correction = {
      file: FILE,
      from: `    route:
    - destination:
        host: istio-egressgateway.istio-system.svc.cluster.local
        subset: cnn
        port:
          number: 80
      weight: 100
`,
      to: `    route:
    - destination: {host: edition.cnn.com, port: {number: 80}}
      weight: 50
    - destination:
        host: istio-egressgateway.istio-system.svc.cluster.local
        subset: cnn
        port:
          number: 80
      weight: 50
`,
      why: 'the same 50/50 split as below, with the direct destination written first',
    };
    const halfDirect = TEN_PERCENT_DIRECT.replace('weight: 10', 'weight: 50');
    const gatewayFirst = explainWith(sidecarSplit(50, halfDirect));
    const swapped = explainWith(directFirst);
    expect(swapped.verdict).toBe(gatewayFirst.verdict);
    expect(gatewayFirst.verdict).toBe('allowed-direct');
    expect(swapped.shares).toEqual(gatewayFirst.shares);
    expect(
      compareAccess(
        analyzeFixture(TASK, { corrections: [sidecarSplit(50, halfDirect)] }),
        analyzeFixture(TASK, { corrections: [directFirst] }),
      ),
    ).toEqual([]);
  });

  it('splits again at the gateway when one route applies at the sidecar and at the gateway', () => {
    const halfDirect = TEN_PERCENT_DIRECT.replace('weight: 10', 'weight: 50');
    const bothProxies: Correction = {
      file: FILE,
      from: `  - match:
    - gateways:
      - mesh
      port: 80
    route:`,
      to: `  - route:`,
      why: 'the split route has no match, so the sidecar and the egress gateway both apply it',
    };
    const e = explainWith(sidecarSplit(50, halfDirect), bothProxies);
    // Envoy picks a share at each proxy on its own: half goes direct, a quarter leaves the gateway.
    expect(e.shares?.map((s) => s.weight)).toEqual([50, 25, 25]);
    expect(e.shares![0]!.verdict).toBe('allowed-direct');
  });

  it('prints every share in the text output', () => {
    const text = formatExplanationText(explainWith(sidecarSplit(90, TEN_PERCENT_DIRECT)), {
      color: false,
    });
    expect(text).toContain(
      "shares (the traffic is split and its shares differ; the verdict is the heaviest's)\n  1. 90% allowed-via-gateway\n",
    );
    expect(text).toContain(
      '  2. 10% allowed-direct\n       via   VirtualService default/direct-cnn-through-egress-gateway http[0] -> edition.cnn.com:80\n',
    );
    expect(text).toContain(
      '       path  application -> sidecar of default/* -> edition.cnn.com:80\n',
    );
  });
});

describe('access changes of a traffic split', () => {
  const base = analyzeFixture(TASK);
  const head = analyzeFixture(TASK, { corrections: [sidecarSplit(90, TEN_PERCENT_DIRECT)] });

  it('a new 10% share going direct is an access change, though the verdict stays', () => {
    const changes = compareAccess(base, head).filter(
      (c) => c.source === 'default/*' && c.destination === 'http://edition.cnn.com:80',
    );
    expect(changes).toHaveLength(1);
    const [c] = changes;
    expect(c).toMatchObject({ before: 'allowed-via-gateway', after: 'allowed-via-gateway' });
    expect(c!.beforeShares).toBeUndefined();
    expect(c!.afterShares).toBe(
      '90% allowed-via-gateway (istio-system/egressgateway), 10% allowed-direct',
    );
    expect(formatAccessChange(c!)).toBe(
      'default/* -> http://edition.cnn.com:80: allowed-via-gateway -> allowed-via-gateway (split: 90% allowed-via-gateway (istio-system/egressgateway), 10% allowed-direct)',
    );
    expect(accessChangesReport(changes)?.rows[0]?.after).toBe(
      'allowed-via-gateway (split: 90% allowed-via-gateway (istio-system/egressgateway), 10% allowed-direct)',
    );
  });

  it('the same split on both sides is no change', () => {
    expect(compareAccess(head, head)).toEqual([]);
  });
});

/** A simulator over `content` alone, with the mesh's outbound policy REGISTRY_ONLY. */
const registryOnly = (content: string) =>
  simulatorFor(
    analyzeSources(
      [{ path: 'routes.yaml', content }],
      parseProjectConfig('mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n'),
    ),
  );

/** A connection to db.example.com (registered) whose tcp route splits over `destinations`, as written. */
const tcpSplit = (destinations: readonly (readonly [string, number])[]) =>
  registryOnly(`${serviceEntry('db', 'default', 'db.example.com', '{number: 5432, name: tcp, protocol: TCP}')}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: db, namespace: default}
spec:
  hosts: [db.example.com]
  tcp:
  - route:
${destinations.map(([host, weight]) => `    - {destination: {host: ${host}, port: {number: 5432}}, weight: ${weight}}\n`).join('')}`)(
    'default',
    'tcp://db.example.com:5432',
  );

// networkfilter.go buildOutboundNetworkFiltersWithWeightedClusters: tcp routes split the same way.
describe('a tcp route splitting connections', () => {
  const tcp = (weights: [number, number]) =>
    tcpSplit([
      ['db.example.com', weights[0]],
      ['replica.example.com', weights[1]],
    ]);

  it('a 20% share to a host no service registers is listed as broken', () => {
    const e = tcp([80, 20]);
    expect(e.verdict, e.reason).toBe('allowed-direct');
    expect(e.shares?.map((s) => [s.weight, s.verdict])).toEqual([
      [80, 'allowed-direct'],
      [20, 'broken'],
    ]);
  });

  it('the heavier share gives the verdict, whichever destination is written first', () => {
    expect(tcp([20, 80]).verdict).toBe('broken');
  });
});

// httproute.go: of two VirtualServices for one host the sidecar keeps the oldest's routes, so each
// order is simulated with the shares it meets.
describe('a split that only another creation order meets', () => {
  const twoRoutes = `${serviceEntry('httpbin', 'mytest', 'httpbin.org', '{number: 80, name: http, protocol: HTTP}')}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a, namespace: mytest}
spec:
  hosts: [httpbin.org]
  http:
  - route: [{destination: {host: httpbin.org, port: {number: 80}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: b, namespace: mytest}
spec:
  hosts: [httpbin.org]
  http:
  - route:
    - {destination: {host: httpbin.org, port: {number: 80}}, weight: 90}
    - {destination: {host: nope.org, port: {number: 80}}, weight: 10}
`;
  const e = registryOnly(twoRoutes)('mytest', 'http://httpbin.org/get');

  it('is undetermined, naming the VirtualServices whose age decides', () => {
    expect(e.verdict, e.reason).toBe('undetermined');
    expect(e.missing).toMatch(/VirtualService mytest\/a.*VirtualService mytest\/b/);
    expect(e.reason).toContain('10% broken');
    expect(e.notes.join('\n')).not.toContain('the answer is the same whichever it is');
  });
});

describe('a split into more shares than are simulated', () => {
  /** Hosts no service registers, before db.example.com in text order. */
  const unregistered = (from: number, count: number, weight: number) =>
    Array.from({ length: count }, (_, i) => [`a${from + i}.example.com`, weight] as const);

  it('simulates the heaviest shares, leaving out the lightest whatever the written order', () => {
    const e = tcpSplit([
      ...unregistered(0, 4, 1),
      ...unregistered(10, 31, 2),
      ['db.example.com', 34],
    ]);
    expect(e.verdict).toBe('broken'); // 62% of the traffic simulated, against 34% direct
    expect(e.shares).toHaveLength(32);
    expect(e.shares!.map((s) => s.weight)).not.toContain(1);
    expect(e.notes).toContain(
      'the traffic splits on the way give more than 32 shares; 32 were simulated, heaviest first; the others (4% of the traffic) were not',
    );
  });

  it('is undetermined when the shares left out could give another verdict the most', () => {
    // Of 132 parts: 30 direct and 62 broken simulated (31 shares of 1.52%), 40 in shares past the first 32.
    const e = tcpSplit([
      ['db.example.com', 30],
      ...unregistered(100, 31, 2),
      ...unregistered(200, 40, 1),
    ]);
    expect(e.shares).toHaveLength(32);
    expect(e.verdict, e.reason).toBe('undetermined');
    expect(e.missing).toBe('what the 30.3% of the traffic in shares past the first 32 gets');
    expect(e.reason).toMatch(
      /^the answer for 30.3% of a traffic split is unknown and could make allowed-direct what most of the traffic gets, against 47.12% broken/,
    );
  });

  it('cuts equal shares by destination text, not by written order', () => {
    const others = unregistered(10, 39, 1);
    const dbFirst = tcpSplit([['db.example.com', 1], ...others]);
    const dbLast = tcpSplit([...others, ['db.example.com', 1]]);
    const answer = (e: typeof dbFirst) => [e.verdict, e.shares, e.reason, e.notes];
    expect(answer(dbLast)).toEqual(answer(dbFirst));
  });

  it('puts the note on the share that gives the verdict', () => {
    const e = tcpSplit([['db.example.com', 2], ...unregistered(10, 49, 2)]);
    expect(e.verdict).toBe('broken');
    expect(e.notes).toContain(
      'the traffic splits on the way give more than 32 shares; 32 were simulated, heaviest first; the others (36% of the traffic) were not',
    );
  });

  it('counts the shares past the first few in the reason, which is one line', () => {
    // Hosts after db.example.com in text order, so that its share is among those simulated.
    const later = Array.from({ length: 49 }, (_, i) => [`z${10 + i}.example.com`, 2] as const);
    const e = tcpSplit([['db.example.com', 2], ...later]);
    expect(e.reason).toMatch(
      /the others: 2% allowed-direct, 2% broken, 2% broken, 2% broken, … and 27 more$/,
    );
  });

  it('says only the shares simulated give the answer when all agree', () => {
    const e = tcpSplit([
      ['db.example.com', 2],
      ...Array.from({ length: 49 }, () => ['db.example.com', 2] as const),
    ]);
    expect(e.shares).toBeUndefined();
    expect(e.notes).toContain(
      'VirtualService default/db tcp[0] splits the traffic over 50 destinations; every share simulated gives this answer',
    );
  });
});

describe('shareListText', () => {
  it('lists up to four shares and counts the rest', () => {
    expect(shareListText(['50% a', '30% b'])).toBe('50% a, 30% b');
    expect(shareListText(['1', '2', '3', '4'])).toBe('1, 2, 3, 4');
    expect(shareListText(['1', '2', '3', '4', '5', '6'])).toBe('1, 2, 3, 4, … and 2 more');
  });
});
