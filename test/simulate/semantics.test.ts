/**
 * Istio behaviour the simulator encodes, one case each, on small hand-written configurations: route
 * selection per proxy, fallbacks, outbound policy, TLS to and at the gateway, AuthorizationPolicy.
 */
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/analyze.js';
import { parseProjectConfig } from '../../src/config/project-config.js';
import { decisionText, simulatorFor, type Explain } from './helpers.js';

const REGISTRY_ONLY = 'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n';

function simulate(yaml: string, config = REGISTRY_ONLY): Explain {
  // Fragments end with a document separator; drop the last one so no empty document follows.
  const analysis = analyzeSources(
    [{ path: 'mesh.yaml', content: yaml.replace(/---\n$/, '') }],
    parseProjectConfig(config),
  );
  const errors = analysis.findings.filter((f) => f.severity === 'error');
  expect(
    errors.map((f) => `${f.line}: ${f.message}`),
    'test input must be valid',
  ).toEqual([]);
  return simulatorFor(analysis);
}

const SE = (host: string, ports: string, extra = ''): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${host.replace(/\./g, '-')}, namespace: istio-system}
spec:
  hosts: [${host}]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [${ports}]
${extra}---
`;

/** An egress gateway setup for httpbin.org:80 from namespace app, in the shape of seed 002. */
const GATEWAY = (
  server = '{port: {number: 80, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: ISTIO_MUTUAL}}',
  tls = '{mode: ISTIO_MUTUAL}',
) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: egress, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers: [${server}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: to-gateway, namespace: istio-system}
spec:
  host: istio-egressgateway.istio-system.svc.cluster.local
  subsets:
  - name: egress
    trafficPolicy: {tls: ${tls}}
---
`;

const VS = (sidecarMatch: string, extra = '') => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: istio-system}
spec:
  hosts: [httpbin.org]
  gateways: [mesh, istio-system/egress]
  http:
  - match: [${sidecarMatch}]
    route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, subset: egress, port: {number: 80}}}]
  - match: [{gateways: [istio-system/egress], port: 80}]
    route: [{destination: {host: httpbin.org, port: {number: 80}}}]
${extra}---
`;

const HTTPBIN = SE(
  'httpbin.org',
  '{number: 80, name: http, protocol: HTTP}, {number: 443, name: https, protocol: HTTPS}',
);

describe('routes per proxy', () => {
  it('an HTTP match that names gateways ignores sourceLabels (Istio sourceMatchHTTP): every workload goes through', () => {
    const explain = simulate(
      HTTPBIN + GATEWAY() + VS('{gateways: [mesh], port: 80, sourceLabels: {app: a}}'),
    );
    expect(explain('app/app=b', 'http://httpbin.org').verdict).toBe('allowed-via-gateway');
  });

  it('without match-level gateways, sourceLabels select the workload; others fall back to the direct default route', () => {
    const explain = simulate(HTTPBIN + GATEWAY() + VS('{port: 80, sourceLabels: {app: a}}'));
    expect(explain('app/app=a', 'http://httpbin.org').verdict).toBe('allowed-via-gateway');
    const other = explain('app/app=b', 'http://httpbin.org');
    expect(other.verdict).toBe('allowed-direct');
    expect(decisionText(other)).toMatch(
      /has no HTTP route for this workload on port 80, so Istio drops it for this sidecar/,
    );
  });

  it('a sidecar route without gateways or source fields also applies to the gateway, which then loops', () => {
    const e = simulate(HTTPBIN + GATEWAY() + VS('{port: 80}'))('app/app=a', 'http://httpbin.org');
    expect(e).toMatchObject({
      verdict: 'broken',
      reason: expect.stringMatching(
        /back to istio-egressgateway\.istio-system\.svc\.cluster\.local, the gateway itself/,
      ),
    });
  });

  it('a route that matches no request path answers 404 at the sidecar', () => {
    const explain = simulate(
      HTTPBIN + GATEWAY() + VS('{gateways: [mesh], port: 80, uri: {prefix: /api}}'),
    );
    expect(explain('app/app=a', 'http://httpbin.org/api/x').verdict).toBe('allowed-via-gateway');
    expect(explain('app/app=a', 'http://httpbin.org/other')).toMatchObject({
      verdict: 'broken',
      expected: 'HTTP 404 Not Found (no route: NR)',
    });
  });

  it('TLS routes for the workload that match no SNI fall through to the outbound policy', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: tls, namespace: istio-system}
spec:
  hosts: [httpbin.org]
  tls:
  - match: [{port: 443, sniHosts: [other.httpbin.org]}]
    route: [{destination: {host: httpbin.org, port: {number: 443}}}]
`;
    const e = simulate(HTTPBIN + vs)('app/app=a', 'https://httpbin.org');
    expect(e).toMatchObject({
      verdict: 'blocked-unregistered',
      expected: expect.stringMatching(/^connection refused/),
    });
  });

  it('a VirtualService host without a ServiceEntry still routes on port 80, but not on other ports', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: redirect, namespace: istio-system}
spec:
  hosts: [legacy.example.com]
  http:
  - route: [{destination: {host: httpbin.org, port: {number: 80}}}]
`;
    const explain = simulate(HTTPBIN + vs);
    expect(explain('app/app=a', 'http://legacy.example.com')).toMatchObject({
      verdict: 'allowed-direct',
      upstream: { host: 'httpbin.org' },
    });
    expect(explain('app/app=a', 'http://legacy.example.com:8080').verdict).toBe(
      'blocked-unregistered',
    );
  });
});

describe('route destinations', () => {
  /** httpbin.org moved: every request goes to this destination. */
  const moved = (destination: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: moved, namespace: istio-system}
spec:
  hosts: [httpbin.org]
  http:
  - route: [{destination: ${destination}}]
`;

  it("a destination without a port goes to the service's only port, else to the listener port", () => {
    const vs = moved('{host: api.example.com}');
    const api = (ports: string) => SE('api.example.com', ports);
    const single = simulate(HTTPBIN + api('{number: 8080, name: http, protocol: HTTP}') + vs)(
      'app/app=a',
      'http://httpbin.org',
    );
    expect(single.upstream).toMatchObject({ host: 'api.example.com', port: 8080 });
    const several = simulate(
      HTTPBIN +
        api(
          '{number: 80, name: http, protocol: HTTP}, {number: 8080, name: http-alt, protocol: HTTP}',
        ) +
        vs,
    );
    expect(several('app/app=a', 'http://httpbin.org').upstream).toMatchObject({
      host: 'api.example.com',
      port: 80,
    });
  });

  it('a route destination needs a ServiceEntry for that host itself: a wildcard entry gives no cluster for it', () => {
    const vs = moved('{host: api.example.com, port: {number: 80}}');
    const wildcard = SE('"*.example.com"', '{number: 80, name: http, protocol: HTTP}').replace(
      'resolution: DNS',
      'resolution: NONE',
    );
    const e = simulate(HTTPBIN + wildcard + vs)('app/app=a', 'http://httpbin.org');
    expect(e).toMatchObject({
      verdict: 'broken',
      reason: expect.stringMatching(/covers only with a wildcard host/),
    });
    // The wildcard entry's own default route still takes a request to a host it covers.
    expect(simulate(HTTPBIN + wildcard)('app/app=a', 'http://api.example.com').verdict).toBe(
      'allowed-direct',
    );
  });
});

describe('outbound traffic policy', () => {
  it('ALLOW_ANY passes unregistered hosts through, bypassing the gateway', () => {
    const e = simulate(HTTPBIN, 'mesh:\n  outboundTrafficPolicy: ALLOW_ANY\n')(
      'app/app=a',
      'https://unknown.example.com',
    );
    expect(e).toMatchObject({ verdict: 'allowed-direct', upstream: { tls: 'app', by: 'sidecar' } });
    expect(e.reason).toMatch(/PassthroughCluster/);
  });

  it('a Sidecar overrides the mesh-wide mode for its namespace', () => {
    const sidecar = `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: locked}
spec:
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
---
`;
    const explain = simulate(sidecar + HTTPBIN, 'mesh:\n  outboundTrafficPolicy: ALLOW_ANY\n');
    expect(explain('open/app=a', 'http://unknown.example.com').verdict).toBe('allowed-direct');
    const locked = explain('locked/app=a', 'http://unknown.example.com');
    expect(locked.verdict).toBe('blocked-unregistered');
    expect(locked.decisions[0]!.source).toMatchObject({
      kind: 'Sidecar',
      field: 'spec.outboundTrafficPolicy.mode',
      line: 5,
    });
  });
});

describe('TLS between sidecar and gateway, and out of the gateway', () => {
  it('a DestinationRule without TLS to a gateway whose pods lack the tlsMode label: plaintext to an ISTIO_MUTUAL server is broken', () => {
    const e = simulate(
      HTTPBIN + GATEWAY(undefined, '{mode: DISABLE}') + VS('{gateways: [mesh], port: 80}'),
    )('app/app=a', 'http://httpbin.org');
    expect(e.verdict).toBe('broken');
    expect(e.reason).toMatch(/expects TLS, but the sidecar connects in plaintext/);
  });

  it('no server on the gateway port', () => {
    const e = simulate(
      HTTPBIN +
        GATEWAY('{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}') +
        VS('{gateways: [mesh], port: 80}'),
    )('app/app=a', 'http://httpbin.org');
    expect(e).toMatchObject({
      verdict: 'broken',
      reason: expect.stringMatching(/no Gateway server listens on port 80 .* \(servers: 8080\)/),
    });
  });

  it('a server with specific hosts does not take the default mTLS SNI', () => {
    const e = simulate(
      HTTPBIN +
        GATEWAY(
          '{port: {number: 80, name: https, protocol: HTTPS}, hosts: [httpbin.org], tls: {mode: ISTIO_MUTUAL}}',
        ) +
        VS('{gateways: [mesh], port: 80}'),
    )('app/app=a', 'http://httpbin.org');
    expect(e).toMatchObject({
      verdict: 'broken',
      reason: expect.stringMatching(/accepts SNI outbound_\.80_\.egress_\.istio-egressgateway/),
    });
  });

  it('a PASSTHROUGH server would pass the sidecar mTLS on to the external host', () => {
    const e = simulate(
      HTTPBIN +
        GATEWAY(
          '{port: {number: 80, name: tls, protocol: TLS}, hosts: ["*"], tls: {mode: PASSTHROUGH}}',
        ) +
        VS('{gateways: [mesh], port: 80}'),
    )('app/app=a', 'http://httpbin.org');
    expect(e).toMatchObject({
      verdict: 'broken',
      reason: expect.stringMatching(/passes TLS through/),
    });
  });

  // Istio builds AUTO_PASSTHROUGH filter chains only for the SNIs outbound_.<port>_.<subset>_.<host> of
  // services that are not MESH_EXTERNAL (gateway.go builtAutoPassthroughFilterChains): no external host.
  it('an AUTO_PASSTHROUGH server has no filter chain for an external host', () => {
    const e = simulate(
      HTTPBIN +
        GATEWAY(
          '{port: {number: 80, name: tls, protocol: TLS}, hosts: ["*"], tls: {mode: AUTO_PASSTHROUGH}}',
        ) +
        VS('{gateways: [mesh], port: 80}'),
    )('app/app=a', 'http://httpbin.org');
    expect(e).toMatchObject({
      verdict: 'broken',
      reason: expect.stringMatching(
        /tls AUTO_PASSTHROUGH .* is AUTO_PASSTHROUGH, which routes by in-mesh cluster names, not to external hosts/,
      ),
    });
  });

  it('a TLS server whose tls block leaves out the mode passes TLS through (the mode defaults to PASSTHROUGH)', () => {
    const e = simulate(
      HTTPBIN +
        GATEWAY('{port: {number: 80, name: tls, protocol: TLS}, hosts: ["*"], tls: {}}') +
        VS('{gateways: [mesh], port: 80}'),
    )('app/app=a', 'http://httpbin.org');
    expect(e).toMatchObject({
      verdict: 'broken',
      reason: expect.stringMatching(/tls PASSTHROUGH .* passes TLS through/),
    });
  });

  it('a plaintext server first on the port owns it: Istio drops the mTLS server after it', () => {
    const e = simulate(
      HTTPBIN +
        GATEWAY(
          '{port: {number: 80, name: http, protocol: HTTP}, hosts: [other.org]}, {port: {number: 80, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: ISTIO_MUTUAL}}',
        ) +
        VS('{gateways: [mesh], port: 80}'),
    )('app/app=a', 'http://httpbin.org');
    expect(e).toMatchObject({
      verdict: 'broken',
      reason: expect.stringMatching(
        /80\/HTTP hosts \[other\.org\] is plaintext, but the sidecar sends mTLS/,
      ),
    });
  });

  it('auto mTLS: labelled gateway pods get mTLS unless a namespace-wide PeerAuthentication disables it', () => {
    const pods = `apiVersion: istio.alibabacloud.com/v1beta1
kind: IstioGateway
metadata: {name: egressgateway, namespace: istio-system}
spec:
  gatewayType: egress
  ports: [{name: http, port: 80, targetPort: 80}]
  podLabels: {security.istio.io/tlsMode: istio}
---
`;
    const pa = (selector: string) => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: plain, namespace: istio-system}
spec:
${selector}  mtls: {mode: DISABLE}
---
`;
    // The DestinationRule names the subset but sets no TLS: auto mTLS decides.
    const setup = (extra: string, subsetPolicy = 'labels: {}') =>
      simulate(
        HTTPBIN +
          pods +
          GATEWAY(undefined, '{}').replace('trafficPolicy: {tls: {}}', subsetPolicy) +
          VS('{gateways: [mesh], port: 80}') +
          extra,
      )('app/app=a', 'http://httpbin.org');
    expect(setup('').verdict).toBe('allowed-via-gateway');
    const disabled = setup(pa(''));
    expect(disabled.verdict).toBe('broken');
    expect(decisionText(disabled)).toMatch(
      /PeerAuthentication istio-system\/plain sets mtls.mode DISABLE for namespace istio-system, which turns auto mTLS off/,
    );
    // A workload-level PeerAuthentication does not change what clients infer (BestEffortInferServiceMTLSMode).
    expect(setup(pa('  selector: {matchLabels: {istio: egressgateway}}\n')).verdict).toBe(
      'allowed-via-gateway',
    );
    // A tls block without a mode is DISABLE (its zero value): TLS is set, so auto mTLS does not apply.
    expect(setup('', 'trafficPolicy: {tls: {sni: httpbin.org}}')).toMatchObject({
      verdict: 'broken',
      reason: expect.stringMatching(/expects TLS, but the sidecar connects in plaintext/),
    });
  });

  it('resolution NONE behind a gateway loops back to the gateway', () => {
    const se = SE('httpbin.org', '{number: 80, name: http, protocol: HTTP}').replace(
      'resolution: DNS',
      'resolution: NONE',
    );
    const e = simulate(se + GATEWAY() + VS('{gateways: [mesh], port: 80}'))(
      'app/app=a',
      'http://httpbin.org',
    );
    expect(e).toMatchObject({
      verdict: 'broken',
      reason: expect.stringMatching(/resolution NONE/),
    });
  });

  it('ISTIO_MUTUAL to an external host, and TLS originated around the application TLS, cannot work', () => {
    const dr = (mode: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin, namespace: istio-system}
spec:
  host: httpbin.org
  trafficPolicy: {tls: {mode: ${mode}}}
---
`;
    expect(
      simulate(HTTPBIN + dr('ISTIO_MUTUAL'))('app/app=a', 'http://httpbin.org').reason,
    ).toMatch(/external host that has no mesh certificate/);
    expect(simulate(HTTPBIN + dr('SIMPLE'))('app/app=a', 'https://httpbin.org').reason).toMatch(
      /TLS inside TLS/,
    );
    expect(simulate(HTTPBIN + dr('SIMPLE'))('app/app=a', 'http://httpbin.org')).toMatchObject({
      verdict: 'allowed-direct',
      upstream: { tls: 'SIMPLE', by: 'sidecar', seenByServer: 'https://httpbin.org/' },
    });
  });

  it('two DestinationRules for the gateway host in one namespace merge their subsets', () => {
    const second = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: zz-more, namespace: istio-system}
spec:
  host: istio-egressgateway.istio-system.svc.cluster.local
  subsets:
  - name: later
    trafficPolicy: {tls: {mode: ISTIO_MUTUAL, sni: httpbin.org}}
---
`;
    const vs = VS('{gateways: [mesh], port: 80}').replace('subset: egress', 'subset: later');
    const e = simulate(HTTPBIN + GATEWAY() + second + vs)('app/app=a', 'http://httpbin.org');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(
      e.decisions.find((d) => d.text.includes('sets tls.mode ISTIO_MUTUAL'))?.source,
    ).toMatchObject({ name: 'zz-more' });
  });
});

describe('AuthorizationPolicy at the egress gateway', () => {
  const AP = (action: string, rule: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ${action.toLowerCase()}-policy, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: egressgateway}}
  action: ${action}
  rules: [${rule}]
---
`;
  const http = HTTPBIN + GATEWAY() + VS('{gateways: [mesh], port: 80}');

  it('ALLOW policies present and none matching: denied, naming them', () => {
    const explain = simulate(http + AP('ALLOW', '{from: [{source: {namespaces: [trusted]}}]}'));
    expect(explain('trusted/app=a', 'http://httpbin.org').verdict).toBe('allowed-via-gateway');
    expect(explain('app/app=a', 'http://httpbin.org')).toMatchObject({
      verdict: 'denied-by-authz',
      reason: expect.stringMatching(
        /no rule of the ALLOW AuthorizationPolicy istio-system\/allow-policy matches/,
      ),
    });
  });

  it('policies on the gateway label for other gateways: the first three named, the rest counted', () => {
    const others = ['a', 'b', 'c', 'd', 'e']
      .map((g) =>
        AP('DENY', '{}')
          .replace('deny-policy', `deny-${g}`)
          .replace('istio: egressgateway}', `istio: egressgateway-${g}}`),
      )
      .join('');
    const text = decisionText(simulate(http + others)('app/app=a', 'http://httpbin.org'));
    for (const g of ['a', 'b', 'c'])
      expect(text).toContain(
        `AuthorizationPolicy istio-system/deny-${g} selects istio=egressgateway-${g}, but these gateway pods carry istio=egressgateway: it does not apply here`,
      );
    expect(text).not.toContain('deny-d selects');
    expect(text).toContain(
      '2 more AuthorizationPolicies select other values of istio than egressgateway: they do not apply here',
    );
  });

  it('a dry-run policy only logs (builder.go isDryRun): its DENY denies nothing, and an ALLOW beside it still counts', () => {
    const dryRun = (yaml: string): string =>
      yaml.replace(
        'namespace: istio-system}',
        'namespace: istio-system, annotations: {istio.io/dry-run: "true"}}',
      );
    const denyAll = simulate(http + dryRun(AP('DENY', '{}')))('app/app=a', 'http://httpbin.org');
    expect(denyAll.verdict).toBe('allowed-via-gateway');
    expect(denyAll.notes).toContain(
      'AuthorizationPolicy istio-system/deny-policy is annotated istio.io/dry-run: its rules are shadow rules, which only log, allowing and denying nothing: it does not act on this gateway',
    );
    const dryAllow = simulate(
      http +
        AP('ALLOW', '{from: [{source: {namespaces: [trusted]}}]}') +
        dryRun(AP('ALLOW', '{}').replace('allow-policy', 'allow-all')),
    );
    expect(dryAllow('app/app=a', 'http://httpbin.org').verdict).toBe('denied-by-authz');
  });

  it('DENY is checked before ALLOW', () => {
    const explain = simulate(
      http + AP('ALLOW', '{}') + AP('DENY', '{to: [{operation: {paths: [/admin*]}}]}'),
    );
    expect(explain('app/app=a', 'http://httpbin.org/admin/x').verdict).toBe('denied-by-authz');
    expect(explain('app/app=a', 'http://httpbin.org/get').verdict).toBe('allowed-via-gateway');
  });

  it('source namespaces come from the mTLS identity', () => {
    const explain = simulate(http + AP('DENY', '{from: [{source: {notNamespaces: [app]}}]}'));
    expect(explain('app/app=a', 'http://httpbin.org').verdict).toBe('allowed-via-gateway');
    expect(explain('other/app=a', 'http://httpbin.org').verdict).toBe('denied-by-authz');
  });

  it('over plaintext the gateway knows no identity, so a namespace rule never matches', () => {
    const plain =
      HTTPBIN +
      GATEWAY('{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}', '{mode: DISABLE}') +
      VS('{gateways: [mesh], port: 80}');
    const e = simulate(plain + AP('DENY', '{from: [{source: {namespaces: [app]}}]}'))(
      'app/app=a',
      'http://httpbin.org',
    );
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.hops[1]!.transport).toBe('plaintext carrying plaintext HTTP');
  });

  it('on a TCP chain an ALLOW rule with HTTP-only fields is ignored, a DENY rule with them applies to everything else it names', () => {
    const tls = `${SE('tls.example.com', '{number: 443, name: tls, protocol: TLS}')}${GATEWAY('{port: {number: 443, name: tls, protocol: TLS}, hosts: ["*"], tls: {mode: ISTIO_MUTUAL}}').replace('trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}', 'trafficPolicy: {tls: {mode: ISTIO_MUTUAL, sni: tls.example.com}}')}apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: tls, namespace: istio-system}
spec:
  hosts: [tls.example.com]
  gateways: [mesh, istio-system/egress]
  tls:
  - match: [{gateways: [mesh], port: 443, sniHosts: [tls.example.com]}]
    route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, subset: egress, port: {number: 443}}}]
  tcp:
  - match: [{gateways: [istio-system/egress], port: 443}]
    route: [{destination: {host: tls.example.com, port: {number: 443}}}]
---
`;
    expect(simulate(tls)('app/app=a', 'https://tls.example.com').verdict).toBe(
      'allowed-via-gateway',
    );
    const allow = simulate(tls + AP('ALLOW', '{to: [{operation: {methods: [GET]}}]}'))(
      'app/app=a',
      'https://tls.example.com',
    );
    expect(allow).toMatchObject({
      verdict: 'denied-by-authz',
      expected: expect.stringMatching(/closes the connection/),
    });
    expect(allow.notes.join('\n')).toMatch(/Istio ignores that ALLOW rule here/);
    const deny = simulate(
      tls +
        AP('DENY', '{from: [{source: {namespaces: [app]}}], to: [{operation: {methods: [POST]}}]}'),
    );
    expect(deny('app/app=a', 'https://tls.example.com').verdict).toBe('denied-by-authz');
    expect(deny('other/app=a', 'https://tls.example.com').verdict).toBe('allowed-via-gateway');
  });

  it('CUSTOM: the external authorizer decides, which the simulator says it cannot know', () => {
    const e = simulate(
      http +
        AP('CUSTOM', '{to: [{operation: {paths: ["/*"]}}]}').replace(
          'action: CUSTOM',
          'action: CUSTOM\n  provider: {name: ext-authz}',
        ),
    )('app/app=a', 'http://httpbin.org/x');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.notes.join('\n')).toMatch(
      /external authorizer .* decides; egress-lint cannot know its answer/,
    );
  });
});
