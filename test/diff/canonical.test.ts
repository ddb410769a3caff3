/** Noise control and identity: what counts as a change, what does not, and the patches themselves. */
import { applyPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/analyze.js';
import { DEFAULT_CONFIG } from '../../src/config/project-config.js';
import { canonicalDigest, canonicalJson, canonicalYaml } from '../../src/diff/canonical.js';
import { diffRevisions } from '../../src/diff/diff.js';
import { MAX_EDIT_LINES, unifiedPatch } from '../../src/diff/patch.js';
import { splitApiVersion, type JsonObject, type Resource } from '../../src/model/resource.js';
import { resourcesToYaml } from '../../src/render/emit.js';
import { changeName, editedLines } from '../helpers/revisions.js';

const diffYaml = (base: string, head: string) =>
  diffRevisions(
    analyzeSources([{ path: 'a.yaml', content: base }], DEFAULT_CONFIG),
    analyzeSources([{ path: 'a.yaml', content: head }], DEFAULT_CONFIG),
  );

/** One HTTP destination through the egress gateway. */
const policyYaml = (hosts: string): string => `apiVersion: istio.alibabacloud.com/v1
kind: ASMEgressTrafficPolicy
metadata: {name: egress-by-egressgateway, namespace: istio-egress}
spec:
  byEgressGateway: {name: egressgateway}
  egressRules:
  - from: [{namespace: mytest}]
    to:
    - name: httpbin
      hosts: ${hosts}
      port: {name: http, number: 80, protocol: HTTP}
      byEgressGateway: {port: 80}
`;

const VS = (
  http: string,
  hosts = '[a.example.com, b.example.com]',
) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: apps}
spec:
  hosts: ${hosts}
  http:
${http}`;
const ROUTE_A = `  - match: [{uri: {prefix: /a}}, {uri: {prefix: /aa}}]
    route: [{destination: {host: a.example.com}, weight: 90}, {destination: {host: b.example.com}, weight: 10}]
`;
const ROUTE_A_REORDERED = `  - route: [{weight: 10, destination: {host: b.example.com}}, {destination: {host: a.example.com}, weight: 90}]
    match: [{uri: {prefix: /aa}}, {uri: {prefix: /a}}]
`;
const ROUTE_ALL = `  - route: [{destination: {host: c.example.com}}]
`;

describe('canonical form', () => {
  it('VirtualService: hosts, match (OR) and weighted destinations are sets', () => {
    expect(
      diffYaml(
        VS(ROUTE_A + ROUTE_ALL),
        VS(ROUTE_A_REORDERED + ROUTE_ALL, '[b.example.com, a.example.com]'),
      ).changes,
    ).toEqual([]);
  });

  it('VirtualService: the order of http routes is a change (first match wins)', () => {
    const d = diffYaml(VS(ROUTE_A + ROUTE_ALL), VS(ROUTE_ALL + ROUTE_A));
    expect(d.changes.map(changeName)).toEqual(['changed VirtualService apps/vs']);
    expect(d.changes[0]!.location).toEqual({ file: 'a.yaml', line: 7, column: 28 }); // the host of the route now first
  });

  it('AuthorizationPolicy: rules, sources and operations are sets', () => {
    const ap = (rules: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: istio-system}
spec:
  action: DENY
  rules:
${rules}`;
    const one = `  - from: [{source: {namespaces: [a, b]}}, {source: {principals: [p]}}]
    to: [{operation: {methods: [POST, PUT], hosts: [x.example.com]}}]
`;
    const two = `  - to: [{operation: {hosts: [y.example.com]}}]
`;
    const oneReordered = `  - to: [{operation: {hosts: [x.example.com], methods: [PUT, POST]}}]
    from: [{source: {principals: [p]}}, {source: {namespaces: [b, a]}}]
`;
    expect(diffYaml(ap(one + two), ap(two + oneReordered)).changes).toEqual([]);
    expect(diffYaml(ap(one), ap(one.replace('PUT', 'GET'))).changes.map(changeName)).toEqual([
      'changed AuthorizationPolicy istio-system/ap',
    ]);
  });

  it('Gateway servers keep their order; their hosts do not', () => {
    const gw = (servers: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers:
${servers}`;
    const s80 =
      '  - {port: {number: 80, name: http, protocol: HTTP}, hosts: [a.example.com, b.example.com]}\n';
    const s80b =
      '  - {port: {number: 80, name: http, protocol: HTTP}, hosts: [b.example.com, a.example.com]}\n';
    const s443 =
      '  - {port: {number: 443, name: tls, protocol: TLS}, hosts: [a.example.com], tls: {mode: PASSTHROUGH}}\n';
    expect(diffYaml(gw(s80 + s443), gw(s80b + s443)).changes).toEqual([]);
    expect(diffYaml(gw(s80 + s443), gw(s443 + s80)).changes.map(changeName)).toEqual([
      'changed Gateway istio-system/gw',
    ]);
  });

  it('ASMEgressTrafficPolicy hosts keep their order: the first host is the SNI and the upstream', () => {
    const d = diffYaml(
      policyYaml('[www.httpbin.org, httpbin.org]'),
      policyYaml('[httpbin.org, www.httpbin.org]'),
    );
    expect(d.changes.map(changeName)).toContain(
      'changed ASMEgressTrafficPolicy istio-egress/egress-by-egressgateway',
    );
    const dr = d.changes.find(
      (c) =>
        changeName(c) === 'changed DestinationRule istio-system/egress-by-egressgateway-gateway',
    )!;
    expect(editedLines(dr.patch)).toEqual([
      '-          sni: www.httpbin.org',
      '+          sni: httpbin.org',
    ]);
  });

  it('fields the API server fills in, and an explicit default namespace, are not changes', () => {
    const exported = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: se
  namespace: default
  uid: 3f6c1c1e-0000-4000-8000-000000000000
  resourceVersion: "12345"
  generation: 3
  creationTimestamp: "2024-01-01T00:00:00Z"
  managedFields: [{manager: kubectl}]
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"networking.istio.io/v1"}'
spec: {hosts: [x.example.com], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}
status: {observedGeneration: 3}
`;
    const written = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se}
spec: {hosts: [x.example.com], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}
`;
    expect(diffYaml(exported, written).changes).toEqual([]);
  });

  it('a value that changes type (80 -> "80") is a change', () => {
    const se = (port: string) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec: {hosts: [x.example.com], ports: [{number: ${port}, name: http, protocol: HTTP}]}
`;
    expect(editedLines(diffYaml(se('80'), se('"80"')).changes[0]!.patch)).toEqual([
      '-    number: 80',
      '+    number: "80"',
    ]);
  });

  it('only mesh resources are compared: workloads and other kinds are not', () => {
    const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec: {template: {spec: {containers: [{name: web, image: ${image}}]}}}
`;
    expect(diffYaml(deployment('nginx:1'), deployment('nginx:2')).changes).toEqual([]);
    const meshConfig = (mode: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: "outboundTrafficPolicy: {mode: ${mode}}"
`;
    expect(
      diffYaml(meshConfig('REGISTRY_ONLY'), meshConfig('ALLOW_ANY')).changes.map(changeName),
    ).toEqual(['changed ConfigMap istio-system/istio']);
  });

  it('a hand-written resource replaced by a rendered one of the same name is a change, not add + remove', async () => {
    const policy = policyYaml('[httpbin.org]');
    const head = analyzeSources([{ path: 'policy.yaml', content: policy }], DEFAULT_CONFIG);
    // What a team had written by hand before adopting the policy: the same objects, one port off.
    const handWritten = resourcesToYaml(head.render.resources).replace(
      'number: 80\n    name: http',
      'number: 8080\n    name: http',
    );
    const base = analyzeSources([{ path: 'istio.yaml', content: handWritten }], DEFAULT_CONFIG);
    const d = diffRevisions(base, head);
    expect(d.changes.map(changeName)).toEqual([
      'added ASMEgressTrafficPolicy istio-egress/egress-by-egressgateway',
      'changed ServiceEntry istio-system/egress-by-egressgateway-httpbin',
    ]);
    expect(d.changes[1]).toMatchObject({ origin: 'rendered', previousOrigin: 'hand-written' });
    expect(d.summary.unchanged).toBe(3);
  });

  it('two objects of one identity in a revision are told apart, not merged', () => {
    const se = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec: {hosts: [x.example.com]}
`;
    const d = diffYaml(se, `${se}---\n${se.replace('x.example.com', 'y.example.com')}`);
    expect(d.changes.map(changeName)).toEqual(['added ServiceEntry default/se']);
    expect(editedLines(d.changes[0]!.patch)).toContain('+  - y.example.com');
  });
});

describe('unified patches', () => {
  const lines = (n: number, tag: string) =>
    Array.from({ length: n }, (_, i) => `${tag}-${i}`).join('\n') + '\n';
  const roundTrip = (a: string, b: string) =>
    applyPatch(a, `--- a\n+++ b\n${unifiedPatch(a, b).patch}`);

  it('apply back to the new text, for small edits, additions, removals and huge rewrites', () => {
    const small = lines(50, 'x');
    const edited = small.replace('x-20\n', 'y-20\n').replace('x-40\n', '');
    expect(roundTrip(small, edited)).toBe(edited);
    expect(roundTrip('', small)).toBe(small);
    expect(roundTrip(small, '')).toBe('');
    // More edits than MAX_EDIT_LINES: bounded, still a correct patch (common head and tail kept).
    const big = `head\n${lines(MAX_EDIT_LINES * 3, 'a')}tail\n`;
    const rewritten = `head\n${lines(MAX_EDIT_LINES * 3, 'b')}tail\n`;
    const patch = unifiedPatch(big, rewritten);
    expect(patch.patch.split('\n')[0]).toBe(
      `@@ -1,${MAX_EDIT_LINES * 3 + 2} +1,${MAX_EDIT_LINES * 3 + 2} @@`,
    );
    expect([patch.additions, patch.deletions]).toEqual([MAX_EDIT_LINES * 3, MAX_EDIT_LINES * 3]);
    expect(roundTrip(big, rewritten)).toBe(rewritten);
  });

  it('counts additions and deletions', () => {
    expect(unifiedPatch('a\nb\nc\n', 'a\nB\nc\nd\n')).toMatchObject({ additions: 2, deletions: 1 });
    expect(unifiedPatch('same\n', 'same\n')).toEqual({ patch: '', additions: 0, deletions: 0 });
  });
});

describe('canonical digest', () => {
  const resource = (kind: string, apiVersion: string, body: JsonObject): Resource => ({
    apiVersion,
    kind,
    ...splitApiVersion(apiVersion),
    name: 'r',
    namespace: 'apps',
    namespaceDefaulted: false,
    labels: {},
    annotations: {},
    body,
  });
  const VS_BODY = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: {
      name: 'r',
      namespace: 'apps',
      labels: { '10': 'a', '9': 'b', app: 'x' },
      ownerReferences: [{ kind: 'App', name: 'x' }],
    },
    spec: {
      hosts: ['a.example.com', 'b.example.com'],
      gateways: ['mesh'],
      http: [
        {
          match: [{ uri: { prefix: '/a' } }, { port: 80 }],
          route: [{ destination: { host: 'a.example.com', port: { number: 80 } }, weight: 90 }],
          retries: { attempts: 3, perTryTimeout: '2s' },
        },
        { route: [{ destination: { host: 'c.example.com' } }] },
      ],
    },
  };
  /** Edits each giving a body the canonical YAML may or may not tell from the original. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- edits reach into a body of any shape, wrong types included
  const EDITS: Record<string, (b: any) => void> = {
    keyOrder: (b) =>
      (b.spec = { http: b.spec.http, gateways: b.spec.gateways, hosts: b.spec.hosts }),
    setOrder: (b) => b.spec.hosts.reverse(),
    matchOrder: (b) => b.spec.http[0].match.reverse(),
    routeOrder: (b) => b.spec.http.reverse(),
    portText: (b) => (b.spec.http[0].match[1].port = '80'),
    minusZero: (b) => (b.spec.http[0].route[0].weight = -0),
    zero: (b) => (b.spec.http[0].route[0].weight = 0),
    nan: (b) => (b.spec.http[0].route[0].weight = NaN),
    nanText: (b) => (b.spec.http[0].route[0].weight = 'NaN'),
    infinity: (b) => (b.spec.http[0].retries.attempts = Infinity),
    infinityText: (b) => (b.spec.http[0].retries.attempts = 'Infinity'),
    minusInfinity: (b) => (b.spec.http[0].retries.attempts = -Infinity),
    minusInfinityText: (b) => (b.spec.http[0].retries.attempts = '-Infinity'),
    minusInfinityInSet: (b) => b.spec.hosts.push(-Infinity, null),
    nullInSet: (b) => b.spec.hosts.push(null, '-Infinity'),
    undefinedInList: (b) => b.spec.gateways.push(undefined),
    nullInList: (b) => b.spec.gateways.push(null),
    undefinedValue: (b) => (b.spec.http[0].retries.retryOn = undefined),
    nullValue: (b) => (b.spec.http[0].retries.retryOn = null),
    emptyMap: (b) => (b.spec.http[1].headers = {}),
    mapOfUndefined: (b) => (b.spec.http[1].headers = { request: undefined }),
    emptyList: (b) => (b.spec.http[1].headers = []),
    trueValue: (b) => (b.spec.http[1].mirrorPercentage = true),
    trueText: (b) => (b.spec.http[1].mirrorPercentage = 'true'),
    integerKeys: (b) => (b.metadata.labels = { app: 'x', '9': 'b', '10': 'a' }),
    serverFields: (b) => {
      b.status = { ok: 1 };
      b.metadata.uid = 'u';
      b.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
    },
    noNamespace: (b) => delete b.metadata.namespace,
    namespaceLast: (b) => {
      delete b.metadata.namespace;
      b.metadata.namespace = 'apps';
    },
    noMetadata: (b) => delete b.metadata,
    onlyNamespace: (b) => (b.metadata = { namespace: 'apps' }),
    metadataLast: (b) => {
      const { metadata } = b;
      delete b.metadata;
      b.metadata = metadata;
    },
  };
  const names = Object.keys(EDITS);
  /** Reordering edits last, so the others find their fields where they expect them. */
  const apply = (edits: string[]): JsonObject => {
    const body = structuredClone(VS_BODY);
    for (const e of edits.filter((x) => !x.endsWith('Order'))) EDITS[e]!(body);
    for (const e of edits.filter((x) => x.endsWith('Order'))) EDITS[e]!(body);
    return body;
  };
  const variants = [
    [],
    ...names.map((n) => [n]),
    ...names.flatMap((a, i) => names.slice(i + 1).map((b) => [a, b])),
  ].map((edits) => {
    const r = resource('VirtualService', 'networking.istio.io/v1', apply(edits));
    return { edits: edits.join('+'), digest: canonicalDigest(r), yaml: canonicalYaml(r) };
  });

  it('is equal for two resources exactly when their canonical YAML is', () => {
    let equal = 0;
    for (const a of variants) {
      for (const b of variants) {
        if ((a.digest === b.digest) !== (a.yaml === b.yaml))
          expect.fail(`${a.edits} vs ${b.edits}: digests and YAML disagree`);
        if (a !== b && a.yaml === b.yaml) equal++;
      }
    }
    expect(equal).toBeGreaterThan(1000);
  });

  it('hashes JSON, and the YAML only for values JSON writes otherwise', () => {
    const json = (edits: string[]): string | undefined =>
      canonicalJson(resource('VirtualService', 'networking.istio.io/v1', apply(edits)));
    expect(json([])).toBeDefined();
    expect(json(['minusZero', 'undefinedInList', 'integerKeys'])).toBeDefined();
    for (const e of ['nan', 'infinity', 'minusInfinity', 'minusInfinityText'])
      expect(json([e]), e).toBeUndefined();
  });
});

describe('remembered digests', () => {
  it("diffRevisions remembers the base's digests (the app's cached base), not the head's", () => {
    const yaml = VS(ROUTE_ALL);
    const base = analyzeSources([{ path: 'a.yaml', content: yaml }], DEFAULT_CONFIG);
    const head = analyzeSources([{ path: 'a.yaml', content: yaml }], DEFAULT_CONFIG);
    expect(diffRevisions(base, head).changes).toEqual([]);
    // Resources are read-only; editing one in place shows which digests were kept.
    const spec = (a: typeof base): JsonObject =>
      a.configSet.resources.find((r) => r.kind === 'VirtualService')!.body.spec as JsonObject;
    spec(head).hosts = ['c.example.com'];
    expect(diffRevisions(base, head).changes.map((c) => c.change)).toEqual(['changed']);
    spec(base).hosts = ['c.example.com'];
    expect(diffRevisions(base, head).changes.map((c) => c.change)).toEqual(['changed']);
  });
});
