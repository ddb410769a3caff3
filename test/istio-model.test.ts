import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../src/analyze.js';
import { DEFAULT_CONFIG } from '../src/config/project-config.js';
import {
  authzRules,
  buildIstioIndex,
  conditionAppliesToPort,
  httpOnlyConditions,
  identityConditions,
  clientTlsFor,
  describeNamespaces,
  gatewayServers,
  istioMtlsSni,
  matchScope,
  OTHER_NAMESPACES,
  outboundTls,
  routesOf,
  peerAuthenticationMode,
  selectorFit,
  serverForSni,
  serversByPort,
  visibleNamespaces,
  type IstioIndex,
} from '../src/model/istio.js';
import type { Resource } from '../src/model/resource.js';
import {
  egressGatewayYaml,
  gatewayAuthzYaml,
  GW_HOST,
  MTLS_SERVER,
  serverYaml,
} from './istio-fixtures.js';

function indexOf(yaml: string): IstioIndex {
  const analysis = analyzeSources([{ path: 'test.yaml', content: yaml }], DEFAULT_CONFIG);
  expect(analysis.findings.filter((f) => f.severity === 'error')).toEqual([]);
  return buildIstioIndex(analysis.configSet, analysis.render.resources);
}

const one = (index: IstioIndex, kind: string, name: string): Resource =>
  index.ofKind(kind).find((r) => r.name === name)!;

describe('DestinationRule lookup', () => {
  const yaml = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: a, namespace: istio-system}
spec:
  host: ${GW_HOST}
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
  subsets:
  - name: one
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: b, namespace: istio-system}
spec:
  host: ${GW_HOST}
  subsets:
  - name: two
    trafficPolicy:
      portLevelSettings:
      - port: {number: 443}
        tls: {mode: ISTIO_MUTUAL, sni: edition.cnn.com}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: private, namespace: team}
spec:
  host: ${GW_HOST}
  exportTo: [other]
`;

  it('merges the rules of the namespace the lookup stops at', () => {
    const index = indexOf(yaml);
    const found = index.destinationRulesFor(GW_HOST, 'mytest');
    expect(found?.step).toBe('service');
    expect(found?.rules.map((r) => r.name)).toEqual(['a', 'b']);
  });

  it('skips a rule of the client namespace that is not exported to it', () => {
    const found = indexOf(yaml).destinationRulesFor(GW_HOST, 'team');
    expect(found?.rules.map((r) => r.name)).toEqual(['a', 'b']);
  });

  const dr = (name: string, namespace: string, host: string, extra = ''): string =>
    `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  host: '${host}'
${extra}---
`;
  const names = (found: { rules: readonly Resource[] } | undefined): string[] | undefined =>
    found?.rules.map((r) => r.name);

  it('merges rules for one host only when their exportTo is the same, or covers the first one', () => {
    const index = indexOf(
      dr('a', 'istio-system', GW_HOST, '  exportTo: [mytest]\n') +
        dr('b', 'istio-system', GW_HOST, '  exportTo: [mytest, other]\n') +
        dr('c', 'istio-system', GW_HOST, '  exportTo: [other]\n'),
    );
    // a, then b (its exportTo covers a's) merged in; c stands alone, and so does b for other.
    expect(names(index.destinationRulesFor(GW_HOST, 'mytest'))).toEqual(['a', 'b']);
    expect(names(index.destinationRulesFor(GW_HOST, 'other'))).toEqual(['c']);
  });

  it('takes the most specific host of a namespace before looking at exportTo (MostSpecificHostMatch)', () => {
    const index = indexOf(
      dr('wide', 'istio-system', '*.svc.cluster.local') +
        dr('exact', 'istio-system', GW_HOST, '  exportTo: [team]\n'),
    );
    // In the service namespace the exact host wins and is not exported to mytest: no fallback to
    // the wildcard there; the root namespace (the same one here) has nothing more specific either.
    expect(index.destinationRulesFor(GW_HOST, 'mytest')).toBeUndefined();
    expect(names(index.destinationRulesFor(GW_HOST, 'team'))).toEqual(['exact']);
  });

  it("a client in the root namespace finds the service namespace's rule before the root namespace's public one", () => {
    const index = indexOf(
      dr('mesh-wide', 'istio-system', '*.local') + dr('svc', 'team', 'api.team.svc.cluster.local'),
    );
    expect(index.destinationRulesFor('api.team.svc.cluster.local', 'istio-system')).toMatchObject({
      step: 'service',
      rules: [{ name: 'svc' }],
    });
    expect(index.destinationRulesFor('db.other.svc.cluster.local', 'istio-system')?.step).toBe(
      'root',
    );
  });

  it('gives clients that find the same rules at the same step one shared answer', () => {
    const index = indexOf(dr('svc', 'team', 'api.team.svc.cluster.local'));
    const host = 'api.team.svc.cluster.local';
    const fromA = index.destinationRulesFor(host, 'a');
    expect(fromA).toMatchObject({ step: 'service', rules: [{ name: 'svc' }] });
    expect(index.destinationRulesFor(host, 'b')).toBe(fromA);
    expect(index.destinationRulesFor(host, 'team')).toMatchObject({ step: 'client' });
  });

  it('a workloadSelector rule applies to the pods it selects in its namespace; the others get the rule without one', () => {
    const index = indexOf(
      dr('all', 'mytest', GW_HOST) +
        dr('some', 'mytest', GW_HOST, '  workloadSelector: {matchLabels: {app: a}}\n'),
    );
    expect(names(index.destinationRulesFor(GW_HOST, 'mytest', { app: 'a' }))).toEqual(['some']);
    expect(names(index.destinationRulesFor(GW_HOST, 'mytest', { app: 'b' }))).toEqual(['all']);
    expect(names(index.destinationRulesFor(GW_HOST, 'mytest'))).toEqual(['all']);
    // Never exported: a client elsewhere does not see it.
    expect(index.destinationRulesFor(GW_HOST, 'other', { app: 'a' })).toBeUndefined();
  });

  it('says where the lookup looks', () => {
    expect(indexOf(yaml).destinationRuleLookupPath(GW_HOST, 'mytest')).toEqual([
      'mytest',
      'istio-system',
    ]);
  });

  it('merges TLS the way Istio does: subset port level, then subset, then rule', () => {
    const index = indexOf(yaml);
    const rules = index.destinationRulesFor(GW_HOST, 'mytest')!.rules;
    expect(clientTlsFor(rules, 443, 'two')).toMatchObject({
      mode: 'ISTIO_MUTUAL',
      sni: 'edition.cnn.com',
    });
    expect(clientTlsFor(rules, 443, 'two')?.resource.name).toBe('b');
    expect(clientTlsFor(rules, 443, 'two')?.path).toEqual([
      'spec',
      'subsets',
      0,
      'trafficPolicy',
      'portLevelSettings',
      0,
      'tls',
    ]);
    // Subset `one` has no policy: the rule's top-level TLS applies, with no SNI.
    const top = clientTlsFor(rules, 80, 'one');
    expect(top).toMatchObject({ mode: 'ISTIO_MUTUAL', path: ['spec', 'trafficPolicy', 'tls'] });
    expect(top?.sni).toBeUndefined();
    // A port-level setting of the subset replaces TLS wholesale, even on another port it is absent.
    expect(clientTlsFor(rules, 80, 'two')).toMatchObject({
      mode: 'ISTIO_MUTUAL',
      resource: one(index, 'DestinationRule', 'a'),
    });
  });

  it("reads a namespace's mTLS mode from its namespace-wide PeerAuthentication, else the mesh-wide one", () => {
    const pa = (name: string, namespace: string, mode: string, selector = '') =>
      `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${selector}  mtls: {mode: ${mode}}
---
`;
    const index = indexOf(
      pa('mesh', 'istio-system', 'DISABLE') +
        pa('strict', 'team', 'STRICT') +
        pa('pods', 'other', 'STRICT', '  selector: {matchLabels: {app: a}}\n'),
    );
    expect(peerAuthenticationMode(index, 'team')?.mode).toBe('STRICT');
    expect(peerAuthenticationMode(index, 'other')?.resource.name).toBe('mesh');
    const q = { host: GW_HOST, port: 80, clientNamespace: 'mytest', serverLabelled: true };
    expect(outboundTls(index, { ...q, serverNamespace: 'team' })).toMatchObject({
      mode: 'ISTIO_MUTUAL',
      sni: istioMtlsSni(GW_HOST, 80),
      auto: true,
    });
    expect(outboundTls(index, { ...q, serverNamespace: 'other' })).toMatchObject({
      mode: 'DISABLE',
      auto: true,
      mtlsDisabledBy: { name: 'mesh' },
    });
    expect(outboundTls(index, { ...q, serverLabelled: false, serverNamespace: 'team' }).mode).toBe(
      'DISABLE',
    );
  });

  it('names the SNI auto mTLS sends', () => {
    expect(istioMtlsSni(GW_HOST, 80)).toBe(`outbound_.80_._.${GW_HOST}`);
    expect(istioMtlsSni(GW_HOST, 443, 'cnn')).toBe(`outbound_.443_.cnn_.${GW_HOST}`);
  });
});

describe('route matches', () => {
  const index = indexOf(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: mytest}
spec:
  hosts: [httpbin.org]
  gateways: [mesh, istio-system/egress]
  http:
  - match:
    - gateways: [mesh]
      sourceNamespace: mytest
    - sourceNamespace: mytest
    route:
    - destination: {host: ${GW_HOST}}
  tcp:
  - match:
    - gateways: [mesh]
      sourceNamespace: mytest
    route:
    - destination: {host: ${GW_HOST}}
`);
  const vs = one(index, 'VirtualService', 'vs');
  const http = (i: number) =>
    (vs.body.spec as { http: { match: Record<string, unknown>[] }[] }).http[0]!.match[i];

  it('ignores the source of an HTTP match that names gateways', () => {
    expect(matchScope(vs, 'http', http(0), 'mesh')).toEqual({ applies: true, sourceIgnored: true });
    expect(matchScope(vs, 'http', http(1), 'mesh')).toEqual({
      applies: true,
      sourceNamespace: 'mytest',
      sourceIgnored: false,
    });
    expect(matchScope(vs, 'http', http(0), 'istio-system/egress').applies).toBe(false);
  });

  it('honours the source of TLS and TCP matches on sidecars, not on gateways (l4SingleMatch)', () => {
    const tcp = (vs.body.spec as { tcp: { match: Record<string, unknown>[] }[] }).tcp[0]!.match[0];
    expect(matchScope(vs, 'tcp', tcp, 'mesh')).toEqual({
      applies: true,
      sourceNamespace: 'mytest',
      sourceIgnored: false,
    });
    const { gateways: _, ...anyGateway } = tcp!;
    expect(matchScope(vs, 'tcp', anyGateway, 'istio-system/egress')).toEqual({
      applies: true,
      sourceIgnored: true,
    });
  });
});

describe('route field paths', () => {
  it('name the route, each match (a route without matches: the route) and each destination', () => {
    const index = indexOf(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: mytest}
spec:
  hosts: [httpbin.org]
  http:
  - route: [{destination: {host: httpbin.org}}]
  - match: [{port: 80}, {port: 8080}]
    route:
    - destination: {host: httpbin.org, subset: v2}
    - destination: {host: httpbin.org, subset: v1, port: {number: 80}}
  tcp:
  - route: [{destination: {host: httpbin.org}}]
`);
    const routes = routesOf(one(index, 'VirtualService', 'vs')).map((r) => ({
      path: r.path,
      matches: r.matches.map((m) => [m.index, m.path]),
      destinations: r.destinations.map((d) => [d.host, d.subset, d.port, d.path]),
    }));
    expect(routes).toEqual([
      {
        path: ['spec', 'http', 0],
        matches: [[undefined, ['spec', 'http', 0]]],
        destinations: [
          ['httpbin.org', undefined, undefined, ['spec', 'http', 0, 'route', 0, 'destination']],
        ],
      },
      {
        path: ['spec', 'http', 1],
        matches: [
          [0, ['spec', 'http', 1, 'match', 0]],
          [1, ['spec', 'http', 1, 'match', 1]],
        ],
        destinations: [
          ['httpbin.org', 'v2', undefined, ['spec', 'http', 1, 'route', 0, 'destination']],
          ['httpbin.org', 'v1', 80, ['spec', 'http', 1, 'route', 1, 'destination']],
        ],
      },
      {
        path: ['spec', 'tcp', 0],
        matches: [[undefined, ['spec', 'tcp', 0]]],
        destinations: [
          ['httpbin.org', undefined, undefined, ['spec', 'tcp', 0, 'route', 0, 'destination']],
        ],
      },
    ]);
  });
});

describe('route uses', () => {
  /** The egress gateway with an mTLS server, and a VirtualService `vs` for httpbin.org. */
  const withVirtualService = (namespace: string, spec: string): IstioIndex =>
    indexOf(
      egressGatewayYaml(MTLS_SERVER) +
        `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: ${namespace}}
spec:
  hosts: [httpbin.org]
${spec}`,
    );

  it('counts a gateway as a user of an HTTP match only when the source fields fit its pods', () => {
    const index = withVirtualService(
      'istio-system',
      `  gateways: [mesh, egress]
  http:
  - match: [{port: 80, sourceNamespace: mytest}]
    route: [{destination: {host: ${GW_HOST}, port: {number: 80}}}]
  - match: [{port: 80, sourceNamespace: istio-system}]
    route: [{destination: {host: httpbin.org, port: {number: 80}}}]
`,
    );
    const uses = index
      .routeUses()
      .map((u) => `${u.route.index}:${u.on}:${u.clientNamespaces.join(',')}`);
    expect(uses).toEqual([
      '0:mesh:mytest',
      '1:mesh:istio-system',
      '1:istio-system/egress:istio-system',
    ]);
  });

  it('works out the gateway clients on each call instead of keeping them', () => {
    const index = withVirtualService(
      'mytest',
      `  http:
  - route: [{destination: {host: ${GW_HOST}, port: {number: 80}}}]
`,
    );
    const first = [...index.gatewayClients()];
    const again = [...index.gatewayClients()];
    // The VirtualService is seen everywhere; no DestinationRule says what its clients send.
    expect(first.map((c) => `${c.namespace}:${c.port}:${c.tls.mode}`)).toEqual([
      `${OTHER_NAMESPACES}:80:unknown`,
      'istio-system:80:unknown',
      'mytest:80:unknown',
    ]);
    expect(again).toEqual(first);
    expect(again[0]).not.toBe(first[0]);
  });
});

describe('gateway servers', () => {
  const index = indexOf(
    egressGatewayYaml(
      serverYaml(80, 'HTTPS', 'edition.cnn.com', 'ISTIO_MUTUAL') +
        serverYaml(443, 'TLS', "'*'", 'ISTIO_MUTUAL') +
        serverYaml(444, 'TLS', 'edition.cnn.com', 'PASSTHROUGH'),
    ),
  );
  const servers = gatewayServers(one(index, 'Gateway', 'egress'));

  it('says which routes Istio uses for each server', () => {
    expect(servers.map((s) => `${s.port}:${s.routeKind}`)).toEqual([
      '80:http',
      '443:tcp',
      '444:tls',
    ]);
  });

  it('matches SNI on specific hosts, anything on *', () => {
    expect(serverForSni([servers[0]!], 'edition.cnn.com')).toBe(servers[0]);
    expect(serverForSni([servers[0]!], istioMtlsSni(GW_HOST, 80))).toBeUndefined();
    expect(serverForSni([servers[1]!], istioMtlsSni(GW_HOST, 443))).toBe(servers[1]);
  });

  it('picks the filter chain Envoy would: a specific host before *, and no SNI only on *', () => {
    const pick = (sni: string | undefined) => serverForSni(servers, sni)?.port;
    expect(pick('EDITION.cnn.com')).toBe(80);
    expect(pick('anything.example')).toBe(443);
    expect(pick(undefined)).toBe(443);
    expect(serverForSni([servers[0]!, servers[2]!], undefined)).toBeUndefined();
  });

  it('keeps the TLS servers of a port only when no plaintext server comes first (mergeGateways)', () => {
    const gateway = (yaml: string) => one(indexOf(egressGatewayYaml(yaml)), 'Gateway', 'egress');
    const mixed = gateway(
      serverYaml(80, 'HTTP', "'*'") + serverYaml(80, 'TLS', 'edition.cnn.com', 'ISTIO_MUTUAL'),
    );
    const on = serversByPort([mixed]).get(80)!;
    expect(on.plaintext?.protocol).toBe('HTTP');
    expect(on.tls).toEqual([]);
    expect(on.forSni('edition.cnn.com')).toBeUndefined();
    const tlsFirst = serversByPort([gateway(serverYaml(80, 'TLS', "'*'", 'ISTIO_MUTUAL'))]).get(
      80,
    )!;
    expect(tlsFirst.plaintext).toBeUndefined();
    expect(tlsFirst.forSni('x.org')?.tlsMode).toBe('ISTIO_MUTUAL');
  });

  it('reads tls the way Istio does: no mode is PASSTHROUGH, an HTTP server stays plaintext', () => {
    const [http, tls] = gatewayServers(
      one(
        indexOf(
          egressGatewayYaml(
            `  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ['*']\n    tls: {httpsRedirect: true}\n` +
              `  - port: {number: 443, name: tls, protocol: TLS}\n    hosts: ['*']\n    tls: {}\n`,
          ),
        ),
        'Gateway',
        'egress',
      ),
    );
    expect([http!.tlsMode, http!.routeKind]).toEqual([undefined, 'http']);
    expect([tls!.tlsMode, tls!.routeKind]).toEqual(['PASSTHROUGH', 'tls']);
  });

  it('finds the gateway pods from the Gateway selector', () => {
    const [w] = index.gatewayWorkloads();
    expect(w).toMatchObject({
      name: 'egressgateway',
      namespace: 'istio-system',
      serviceHost: GW_HOST,
    });
    expect(w?.tlsModeLabelled).toBeUndefined();
    expect(w?.gateways.map((g) => g.name)).toEqual(['egress']);
  });

  it('finds the gateway behind a Service host, assuming one for a host named like a gateway Service', () => {
    expect(index.gatewayWorkloadForHost(GW_HOST)).toBe(index.gatewayWorkloads()[0]);
    const assumed = index.gatewayWorkloadForHost('istio-other.gateways.svc.cluster.local');
    expect(assumed).toMatchObject({
      name: 'other',
      namespace: 'gateways',
      labels: { istio: 'other' },
      gateways: [],
    });
    expect(assumed?.declaration).toBeUndefined();
    expect(index.gatewayWorkloads()).not.toContain(assumed);
    expect(index.gatewayWorkloadForHost('api.team.svc.cluster.local')).toBeUndefined();
  });
});

describe('helpers', () => {
  it('fits selectors against partly known labels', () => {
    expect(selectorFit({ istio: 'a' }, { istio: 'a', x: 'y' })).toBe('matches');
    expect(selectorFit({ istio: 'a', app: 'z' }, { istio: 'a' })).toBe('matches');
    expect(selectorFit({ istio: 'b' }, { istio: 'a' })).toBe('conflicts');
    expect(selectorFit({ app: 'z' }, { istio: 'a' })).toBe('unknown');
  });

  it('lists the namespaces that see a resource', () => {
    const index = indexOf(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: a, namespace: team}
spec:
  hosts: [a.example.com]
  exportTo: [".", other, unknown]
  ports: [{number: 80, name: http, protocol: HTTP}]
`);
    const se = one(index, 'ServiceEntry', 'a');
    expect(visibleNamespaces(se, ['default', 'other', 'team', OTHER_NAMESPACES])).toEqual([
      'other',
      'team',
    ]);
  });

  it('answers once for the resources that share an exportTo list in one namespace', () => {
    // Rendered resources share their exportTo lists: one answer for all, not a list per resource.
    const exportTo = ['.', 'other'];
    const entry = (name: string, namespace: string): Resource =>
      ({
        kind: 'ServiceEntry',
        group: 'networking.istio.io',
        namespace,
        name,
        body: { spec: { hosts: [`${name}.example.com`], exportTo } },
      }) as unknown as Resource;
    const namespaces = ['default', 'other', 'team', OTHER_NAMESPACES];
    const [a, b, elsewhere] = [entry('a', 'team'), entry('b', 'team'), entry('c', 'default')];
    expect(visibleNamespaces(a, namespaces)).toEqual(['other', 'team']);
    expect(visibleNamespaces(b, namespaces)).toBe(visibleNamespaces(a, namespaces));
    // `.` is the resource's own namespace: the same list elsewhere is another scope.
    expect(visibleNamespaces(elsewhere, namespaces)).toEqual(['default', 'other']);
  });

  it('describes namespaces, including the ones the config does not name', () => {
    expect(describeNamespaces(['a', 'b'], ['a', 'b', 'c'])).toBe('a, b');
    expect(describeNamespaces([OTHER_NAMESPACES], ['default', OTHER_NAMESPACES])).toBe(
      'namespaces other than default',
    );
    expect(describeNamespaces(['default', OTHER_NAMESPACES], ['default', OTHER_NAMESPACES])).toBe(
      'every namespace',
    );
  });
});

describe('authorization conditions', () => {
  const index = indexOf(
    gatewayAuthzYaml(
      'DENY',
      `  - from:
    - source:
        namespaces: [mytest]
        requestPrincipals: ['*']
    to:
    - operation:
        ports: ["443"]
        hosts: [httpbin.org]
    - operation:
        methods: [POST]
    when:
    - key: request.headers[x-team]
      values: [a]
    - key: source.principal
      values: [cluster.local/ns/mytest/sa/sleep]
`,
    ),
  );
  const [rule] = authzRules(one(index, 'AuthorizationPolicy', 'egress-rules'));

  it('finds the HTTP-only conditions Istio cannot use on TCP', () => {
    expect(httpOnlyConditions(rule!).map((c) => c.field)).toEqual([
      'hosts',
      'methods',
      'requestPrincipals',
      'request.headers[x-team]',
    ]);
  });

  it('finds the conditions on the mTLS identity', () => {
    expect(identityConditions(rule!).map((c) => c.field)).toEqual([
      'namespaces',
      'source.principal',
    ]);
  });

  it('limits a `to` condition to its ports, `from`/`when` to any `to` entry', () => {
    const [hosts, methods] = httpOnlyConditions(rule!);
    expect(conditionAppliesToPort(rule!, hosts!, 443)).toBe(true);
    expect(conditionAppliesToPort(rule!, hosts!, 80)).toBe(false);
    expect(conditionAppliesToPort(rule!, methods!, 80)).toBe(true);
    expect(conditionAppliesToPort(rule!, identityConditions(rule!)[0]!, 80)).toBe(true);
  });
});
