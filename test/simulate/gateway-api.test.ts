/**
 * Kubernetes Gateway API routes and Gateways as Istio converts them (model/istio/gateway-api.ts),
 * and `undetermined` where a Gateway API object decides a request in a way not modelled. The
 * istio.io tasks' Gateway API tabs are in istio-tasks.test.ts; these are the parts they leave out.
 */
import { describe, expect, it } from 'vitest';
import { analyzeSources, istioIndexOf } from '../../src/analyze.js';
import { parseProjectConfig } from '../../src/config/project-config.js';
import { lint } from '../../src/lint/engine.js';
import { RULES } from '../../rules/index.js';
import { decisionText, httpEntry, simulatorFor, type Explain } from './helpers.js';
import type { Explanation } from '../../src/simulate/types.js';

const REGISTRY_ONLY = 'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n';
const SLEEP = 'default/app=sleep';

function simulate(yaml: string): Explain {
  const analysis = analyzeSources(
    [{ path: 'mesh.yaml', content: yaml.trim() }],
    parseProjectConfig(REGISTRY_ONLY),
  );
  expect(analysis.findings.filter((f) => f.severity === 'error').map((f) => f.message)).toEqual([]);
  return simulatorFor(analysis);
}

/** An undetermined answer naming what is missing, decided last at `field` of the Gateway API object. */
function expectUndetermined(e: Explanation, missing: string, field: string): void {
  expect(e.verdict, e.reason).toBe('undetermined');
  expect(e.missing).toBe(missing);
  expect(e.decisions.at(-1)?.source).toMatchObject({ field });
}

/** An HTTPRoute in default for the sidecars' requests to ServiceEntry httpbin, with these rules. */
const meshRoute = (
  rules: string,
  parent = '{group: networking.istio.io, kind: ServiceEntry, name: httpbin}',
) => `
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: httpbin-route, namespace: default}
spec:
  parentRefs: [${parent}]
  rules:
${rules}
`;

/** Gateway egress (class istio) in default with one HTTP listener for httpbin.org. */
const gateway = (listener = '') => `
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: egress, namespace: default}
spec:
  gatewayClassName: istio
  listeners:
  - name: http
    hostname: httpbin.org
    port: 80
    protocol: HTTP
${listener}`;

/** A route in `namespace` on Gateway default/egress sending httpbin.org on to the Hostname. */
const forward = (namespace = 'default', parent = '{name: egress, namespace: default}') => `
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: forward, namespace: ${namespace}}
spec:
  parentRefs: [${parent}]
  hostnames: [httpbin.org]
  rules:
  - backendRefs: [{group: networking.istio.io, kind: Hostname, name: httpbin.org, port: 80}]
`;

const TO_GATEWAY = meshRoute('  - backendRefs: [{name: egress-istio, port: 80}]');
const VIA_GATEWAY = httpEntry('httpbin', 'default') + TO_GATEWAY + gateway() + forward();

/** VIA_GATEWAY and the same for edition.cnn.com on a second HTTP listener on port 80. */
const TWO_LISTENERS =
  httpEntry('httpbin', 'default') +
  httpEntry('cnn', 'default', 'edition.cnn.com') +
  meshRoute(
    '  - backendRefs: [{name: egress-istio, port: 80}]',
    '{group: networking.istio.io, kind: ServiceEntry, name: httpbin}, {group: networking.istio.io, kind: ServiceEntry, name: cnn}',
  ) +
  gateway('  - {name: cnn, hostname: edition.cnn.com, port: 80, protocol: HTTP}') +
  forward() +
  forward()
    .replace(/httpbin\.org/g, 'edition.cnn.com')
    .replace('name: forward,', 'name: forward-cnn,');

describe('HTTPRoutes for the sidecars (a ServiceEntry parent)', () => {
  it('an exact path match comes before a prefix one, whatever the rule order (sortHTTPRoutes); a rule without backends answers 500', () => {
    const explain = simulate(
      httpEntry('httpbin', 'default') +
        meshRoute(`  - backendRefs: [{group: networking.istio.io, kind: Hostname, name: httpbin.org, port: 80}]
  - matches: [{path: {type: Exact, value: /admin}}]`),
    );
    expect(explain(SLEEP, 'http://httpbin.org/get').verdict).toBe('allowed-direct');
    const admin = explain(SLEEP, 'http://httpbin.org/admin');
    expect(admin.verdict).toBe('blocked-unregistered');
    expect(admin.reason).toMatch(/direct response 500/);
  });

  it('a parentRef port limits the route to that port (augmentPortMatch)', () => {
    const on80 = simulate(
      httpEntry('httpbin', 'default') +
        meshRoute(
          '  - backendRefs: [{name: egress-istio, port: 80}]',
          '{group: networking.istio.io, kind: ServiceEntry, name: httpbin, port: 80}',
        ) +
        gateway() +
        forward(),
    );
    expect(on80(SLEEP, 'http://httpbin.org/get').verdict).toBe('allowed-via-gateway');
    const explain = simulate(
      httpEntry('httpbin', 'default') +
        meshRoute(
          '  - backendRefs: [{name: egress-istio, port: 80}]',
          '{group: networking.istio.io, kind: ServiceEntry, name: httpbin, port: 8080}',
        ) +
        gateway() +
        forward(),
    );
    expect(explain(SLEEP, 'http://httpbin.org/get').verdict).toBe('allowed-direct');
  });

  it('a filter that is not modelled (CORS, ExtensionRef) makes requests to the parent host undetermined, naming the route', () => {
    const explain = simulate(
      httpEntry('httpbin', 'default') +
        meshRoute(`  - filters: [{type: CORS, cors: {allowOrigins: [example.com]}}]
    backendRefs: [{group: networking.istio.io, kind: Hostname, name: httpbin.org, port: 80}]`),
    );
    const e = explain(SLEEP, 'http://httpbin.org/get');
    expect(e.verdict).toBe('undetermined');
    expect(e.missing).toBe('how Istio applies HTTPRoute default/httpbin-route');
    expect(e.reason).toMatch(/filter CORS is not modelled/);
    expect(e.decisions.at(-1)?.source).toMatchObject({
      line: 17,
      field: 'spec.rules[0].filters[0]',
    });
    // Header modifiers change no route decision: converted, not undetermined.
    const headers = simulate(
      httpEntry('httpbin', 'default') +
        meshRoute(`  - filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-a, value: b}]}}]
    backendRefs: [{group: networking.istio.io, kind: Hostname, name: httpbin.org, port: 80}]`),
    );
    expect(headers(SLEEP, 'http://httpbin.org/get').verdict).toBe('allowed-direct');
  });

  // convertHTTPRoute: RequestRedirect -> redirect, URLRewrite -> rewrite, RequestMirror -> mirrors.
  describe('filters Istio converts', () => {
    const HOSTNAME_BACKEND =
      '    backendRefs: [{group: networking.istio.io, kind: Hostname, name: httpbin.org, port: 80}]';

    it('RequestRedirect: the sidecar answers with the redirect, whatever the backends', () => {
      const e = simulate(
        httpEntry('httpbin', 'default') +
          meshRoute(`  - filters: [{type: RequestRedirect, requestRedirect: {hostname: example.com, statusCode: 302}}]
${HOSTNAME_BACKEND}`),
      )(SLEEP, 'http://httpbin.org/get');
      expect(e.verdict).toBe('blocked-unregistered');
      expect(e.reason).toMatch(/answers with a redirect/);
      expect(e.expected).toBe('HTTP 302 redirect from the sidecar');
    });

    it('RequestRedirect on a Gateway route: the gateway answers with the redirect (not broken)', () => {
      const redirecting = forward().replace(
        '  - backendRefs:',
        '  - filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]\n    backendRefs:',
      );
      const e = simulate(httpEntry('httpbin', 'default') + TO_GATEWAY + gateway() + redirecting)(
        SLEEP,
        'http://httpbin.org/get',
      );
      expect(e.verdict, e.reason).toBe('blocked-unregistered');
      expect(e.expected).toBe('HTTP 301 redirect from the gateway');
    });

    it('URLRewrite: modelled where the request goes straight out; undetermined where the egress gateway routes the rewritten request', () => {
      const rewrite =
        '  - filters: [{type: URLRewrite, urlRewrite: {hostname: edition.cnn.com}}]\n';
      const direct = simulate(
        httpEntry('httpbin', 'default') + meshRoute(rewrite + HOSTNAME_BACKEND),
      );
      expect(direct(SLEEP, 'http://httpbin.org/get').verdict).toBe('allowed-direct');
      const viaGateway = simulate(
        httpEntry('httpbin', 'default') +
          meshRoute(rewrite + '    backendRefs: [{name: egress-istio, port: 80}]') +
          gateway() +
          forward(),
      )(SLEEP, 'http://httpbin.org/get');
      expectUndetermined(
        viaGateway,
        'how the egress gateway egress-istio.default.svc.cluster.local routes the rewritten request',
        'spec.rules[0].filters[0]',
      );
    });

    it("RequestMirror: what the copies need is a note; the verdict is the route's", () => {
      const mirror = (backend: string) =>
        simulate(
          httpEntry('httpbin', 'default') +
            meshRoute(`  - filters: [{type: RequestMirror, requestMirror: {backendRef: ${backend}, percent: 10}}]
${HOSTNAME_BACKEND}`),
        )(SLEEP, 'http://httpbin.org/get');
      const unregistered = mirror(
        '{group: networking.istio.io, kind: Hostname, name: mirror.example.com, port: 80}',
      );
      expect(unregistered.verdict).toBe('allowed-direct');
      expect(unregistered.notes.join('\n')).toMatch(
        /also mirrors a copy of the request to mirror\.example\.com, which does not change this outcome; the copies are dropped: they need a service for mirror\.example\.com visible in default/,
      );
      const known = mirror(
        '{group: networking.istio.io, kind: Hostname, name: httpbin.org, port: 80}',
      );
      expect(known.notes.join('\n')).toMatch(
        /the proxy knows that service, so the copies are sent/,
      );
      // A mirror backend Istio cannot resolve: the route is not modelled.
      const bad = mirror('{kind: Deployment, name: x, port: 80}');
      expect(bad.verdict).toBe('undetermined');
      expect(bad.reason).toMatch(
        /the mirror's backendRef: backend kind \/Deployment is not modelled/,
      );
    });
  });

  // TCPRouteCollection: tcp routes, one per rule; a ServiceEntry parent's hosts, a Gateway's `*`.
  describe('TCPRoutes', () => {
    const DB = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: default}
spec:
  hosts: [db.example.com]
  resolution: DNS
  ports: [{number: 5432, name: tcp, protocol: TCP}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: db, namespace: default}
spec:
  parentRefs: [{group: networking.istio.io, kind: ServiceEntry, name: db}]
  rules:
  - backendRefs: [{name: egress-istio, port: 5432}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: egress, namespace: default}
spec:
  gatewayClassName: istio
  listeners:
  - {name: db, port: 5432, protocol: TCP}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: db-out, namespace: default}
spec:
  parentRefs: [{name: egress}]
  rules:
  - backendRefs: [{group: networking.istio.io, kind: Hostname, name: db.example.com, port: 5432}]
`;

    it('through the egress gateway and on to the host', () => {
      const e = simulate(DB)(SLEEP, 'tcp://db.example.com:5432');
      expect(e.verdict, e.reason).toBe('allowed-via-gateway');
      expect(e.upstream).toMatchObject({
        host: 'db.example.com',
        port: 5432,
        by: 'egress-gateway',
      });
      expect(decisionText(e)).toContain(
        'VirtualService default/db~tcp~0~istio-autogenerated-k8s-gateway',
      );
    });

    it('a rule without backends of weight > 0 is undetermined, naming the route', () => {
      const e = simulate(
        DB.replace(
          '[{name: egress-istio, port: 5432}]',
          '[{name: egress-istio, port: 5432, weight: 0}]',
        ),
      )(SLEEP, 'tcp://db.example.com:5432');
      expect(e.verdict).toBe('undetermined');
      expect(e.missing).toBe('how Istio applies TCPRoute default/db');
    });

    // TCPRouteCollection makes a VirtualService per route (no merge); the gateway builds one tcp
    // route per server, from the oldest VirtualService (creation order).
    it('two TCPRoutes on one listener: each its own VirtualService, the oldest routes', () => {
      const rival = DB.slice(DB.lastIndexOf('---'))
        .replace('name: db-out', 'name: db-elsewhere')
        .replace('name: db.example.com', 'name: unknown.example.com');
      const e = simulate(DB + rival)(SLEEP, 'tcp://db.example.com:5432');
      expect(e.verdict, e.reason).toBe('undetermined');
      expect(e.missing).toBe(
        'which of VirtualService default/db-out~tcp~0~istio-autogenerated-k8s-gateway and VirtualService default/db-elsewhere~tcp~0~istio-autogenerated-k8s-gateway Istio created first',
      );
      // The same backend in both: whichever is older, the same answer.
      const same = simulate(DB + rival.replace('unknown.example.com', 'db.example.com'))(
        SLEEP,
        'tcp://db.example.com:5432',
      );
      expect(same.verdict, same.reason).toBe('allowed-via-gateway');
    });

    // GenerateGatewaySupportedKinds: a TLS listener that terminates takes TCPRoutes too.
    it('a TLS listener takes a TCPRoute when it terminates, not when it passes through', () => {
      const tls = (mode: string) =>
        istioIndexOf(
          analyzeSources(
            [
              {
                path: 'mesh.yaml',
                content: DB.replace(
                  '{name: db, port: 5432, protocol: TCP}',
                  `{name: db, port: 5432, protocol: TLS, tls: {mode: ${mode}, certificateRefs: [{name: cert}]}}`,
                ),
              },
            ],
            parseProjectConfig(REGISTRY_ONLY),
          ),
        )
          .ofKind('VirtualService')
          .map((vs) => vs.name)
          .filter((n) => n.startsWith('db-out'));
      expect(tls('Terminate')).toEqual(['db-out~tcp~0~istio-autogenerated-k8s-gateway']);
      expect(tls('Passthrough')).toEqual([]);
    });
  });

  // GRPCRouteCollection: http routes with the method as a path match (createGRPCURIMatch).
  it('GRPCRoutes: a method match is a path match; a rule without backends answers 500', () => {
    const explain = simulate(
      httpEntry('grpc', 'default', 'grpc.example.com') +
        `---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: grpc, namespace: default}
spec:
  parentRefs: [{group: networking.istio.io, kind: ServiceEntry, name: grpc}]
  rules:
  - matches: [{method: {service: shop.Cart, method: Get}}, {method: {service: shop.Admin}}]
    backendRefs: [{group: networking.istio.io, kind: Hostname, name: grpc.example.com, port: 80}]
  - backendRefs: [{group: networking.istio.io, kind: Hostname, name: grpc.example.com, port: 80, weight: 0}]
`,
    );
    const post = (path: string) =>
      explain(SLEEP, `http://grpc.example.com${path}`, { method: 'POST' });
    expect(post('/shop.Cart/Get').verdict).toBe('allowed-direct');
    expect(post('/shop.Admin/Delete').verdict).toBe('allowed-direct');
    const other = post('/shop.Cart/Put');
    expect(other.verdict).toBe('blocked-unregistered');
    expect(other.reason).toMatch(/direct response 500/);
  });

  // route_collections.go mergeHTTPRoutes: the routes' rules in one VirtualService named by the key
  // (namespace/host for the sidecars), sorted by sortHTTPRoutes; equal precedence keeps creation order.
  describe('several HTTPRoutes for one parent and host', () => {
    const TO_HOST = '{group: networking.istio.io, kind: Hostname, name: httpbin.org, port: 80}';
    const httpRoute = (name: string, rules: string) =>
      meshRoute(rules).replace('name: httpbin-route,', `name: ${name},`);
    const explainWith = (a: string, b: string) =>
      simulate(httpEntry('httpbin', 'default') + httpRoute('a', a) + httpRoute('b', b));

    it('match precedence decides across routes: an exact path of one before the catch-all of the other', () => {
      const explain = explainWith(
        `  - backendRefs: [${TO_HOST}]`,
        '  - matches: [{path: {type: Exact, value: /admin}}]',
      );
      const admin = explain(SLEEP, 'http://httpbin.org/admin');
      expect(admin.verdict, admin.reason).toBe('blocked-unregistered');
      expect(admin.reason).toMatch(/direct response 500/);
      expect(decisionText(admin)).toContain(
        'VirtualService default/default~httpbin.org http[0] matches',
      );
      // The rule is located in the route it comes from.
      expect(admin.decisions.find((d) => d.text.includes('http[0] matches'))?.source).toMatchObject(
        {
          file: 'mesh.yaml',
          line: 26,
        },
      );
      const get = explain(SLEEP, 'http://httpbin.org/get');
      expect(get.verdict, get.reason).toBe('allowed-direct');
      expect(decisionText(get)).toContain(
        'VirtualService default/default~httpbin.org http[1] matches',
      );
    });

    it('rules of equal precedence that both match: creation order decides, naming both routes', () => {
      const prefix = '  - matches: [{path: {type: PathPrefix, value: /api}}]\n';
      const e = explainWith(`${prefix}    backendRefs: [${TO_HOST}]`, prefix)(
        SLEEP,
        'http://httpbin.org/api/x',
      );
      expect(e.verdict, e.reason).toBe('undetermined');
      expect(e.missing).toBe(
        'which of HTTPRoute default/a and HTTPRoute default/b Istio created first',
      );
      expect(e.reason).toMatch(/oldest with HTTPRoute default\/a: allowed-direct/);
      expect(e.reason).toMatch(/oldest with HTTPRoute default\/b: blocked-unregistered/);
    });

    it('rules of equal precedence with the same answer: it stands', () => {
      const e = explainWith(`  - backendRefs: [${TO_HOST}]`, `  - backendRefs: [${TO_HOST}]`)(
        SLEEP,
        'http://httpbin.org/get',
      );
      expect(e.verdict, e.reason).toBe('allowed-direct');
      expect(e.notes.join('\n')).toMatch(
        /Istio uses the oldest of HTTPRoute default\/a and HTTPRoute default\/b/,
      );
    });
  });

  // controller.go: Istio 1.30 merges the two kinds (HTTPAndGRPCBaseVS); 1.29 keeps a VirtualService of each.
  it('an HTTPRoute and a GRPCRoute for one parent and host: the answer depends on the Istio version', () => {
    const e = simulate(
      httpEntry('grpc', 'default', 'grpc.example.com') +
        `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: a-http, namespace: default}
spec:
  parentRefs: [{group: networking.istio.io, kind: ServiceEntry, name: grpc}]
  rules:
  - backendRefs: [{group: networking.istio.io, kind: Hostname, name: grpc.example.com, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: b-grpc, namespace: default}
spec:
  parentRefs: [{group: networking.istio.io, kind: ServiceEntry, name: grpc}]
  rules:
  - matches: [{method: {service: shop.Cart}}]
    backendRefs: [{group: networking.istio.io, kind: Hostname, name: grpc.example.com, port: 80, weight: 0}]
`,
    )(SLEEP, 'http://grpc.example.com/shop.Cart/Get', { method: 'POST' });
    expect(e.verdict, e.reason).toBe('undetermined');
    expect(e.missing).toBe('how Istio applies GRPCRoute default/b-grpc');
    expect(e.reason).toContain(
      'the answer depends on the Istio version, which the repository does not show (Istio 1.30 and later merge both into one VirtualService',
    );
  });

  it('a Service parent routes the Service host', () => {
    const explain = simulate(`
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  ports: [{port: 9080, name: http}]
${meshRoute('  - backendRefs: [{name: egress-istio, port: 80}]', '{group: "", kind: Service, name: reviews}')}
${gateway()}`);
    const e = explain(SLEEP, 'http://reviews.default.svc.cluster.local:9080/');
    expect(decisionText(e)).toContain(
      'VirtualService default/httpbin-route~0~istio-autogenerated-k8s-gateway http[0] matches',
    );
    expect(e.gateway).toMatchObject({ name: 'egress', port: 80 });
  });
});

describe('Gateways of class istio', () => {
  it('a route on the Gateway from another namespace does not attach to a listener that allows only its own (allowedRoutes Same)', () => {
    const same = simulate(
      httpEntry('httpbin', 'default') + TO_GATEWAY + gateway() + forward('other'),
    );
    expect(same(SLEEP, 'http://httpbin.org/get').verdict).not.toMatch(/allowed/);
    const all = simulate(
      httpEntry('httpbin', 'default') +
        TO_GATEWAY +
        gateway('    allowedRoutes: {namespaces: {from: All}}') +
        forward('other'),
    );
    expect(all(SLEEP, 'http://httpbin.org/get').verdict).toBe('allowed-via-gateway');
  });

  // namespacesFromSelector reads Same and All; any other `from`, None included, runs the selector,
  // and without one admits every namespace ("should never happen, invalid config"): Istio attaches
  // the routes the Gateway API spec says None refuses.
  it('allowedRoutes from None: Istio admits every namespace, or runs a selector written beside it', () => {
    const none = (namespaces: string, namespace: string) =>
      simulate(
        httpEntry('httpbin', 'default') +
          TO_GATEWAY +
          gateway(`    allowedRoutes: {namespaces: ${namespaces}}`) +
          forward(namespace),
      )(SLEEP, 'http://httpbin.org/get');
    for (const ns of ['default', 'other']) {
      const e = none('{from: None}', ns);
      expect(e.verdict, e.reason).toBe('allowed-via-gateway');
      expect(e.upstream).toMatchObject({ host: 'httpbin.org', by: 'egress-gateway' });
    }
    const byName = '{from: None, selector: {matchLabels: {kubernetes.io/metadata.name: other}}}';
    expect(none(byName, 'other').verdict).toBe('allowed-via-gateway');
    expect(none(byName, 'default').verdict).not.toMatch(/allowed|undetermined/);
  });

  it('sectionName picks the listener the route attaches to', () => {
    const named = (section: string) =>
      simulate(
        httpEntry('httpbin', 'default') +
          TO_GATEWAY +
          gateway() +
          forward('default', `{name: egress, sectionName: ${section}}`),
      )(SLEEP, 'http://httpbin.org/get').verdict;
    expect(named('http')).toBe('allowed-via-gateway');
    expect(named('https')).not.toMatch(/allowed/);
  });

  // namespacesFromSelector runs the selector on the cluster's Namespaces, each with its implicit
  // kubernetes.io/metadata.name label (conversion.go toNamespaceSet).
  describe('a listener selecting route namespaces by label (allowedRoutes from Selector)', () => {
    const selecting = (selector: string, extra = '') =>
      simulate(
        httpEntry('httpbin', 'default') +
          TO_GATEWAY +
          gateway(`    allowedRoutes: {namespaces: {from: Selector, selector: ${selector}}}`) +
          forward() +
          extra,
      )(SLEEP, 'http://httpbin.org/get');
    // Labelled for injection too: a shown Namespace without it has no sidecars (interception.ts).
    const namespace = (labels: string) => `
---
apiVersion: v1
kind: Namespace
metadata: {name: default, labels: {istio-injection: enabled, ${labels}}}
`;
    const EGRESS_YES = '{matchLabels: {egress: "yes"}}';

    it('a Namespace the repository does not show: undetermined, naming it', () => {
      expectUndetermined(
        selecting(EGRESS_YES),
        'the labels of Namespace default (read by the allowedRoutes selector of Gateway default/egress listener http)',
        'spec.listeners[0].allowedRoutes.namespaces.selector',
      );
    });

    it('a shown Namespace with the labels admits the route; without them it does not', () => {
      expect(selecting(EGRESS_YES, namespace('egress: "yes"')).verdict).toBe('allowed-via-gateway');
      expect(selecting(EGRESS_YES, namespace('egress: "no"')).verdict).not.toMatch(
        /allowed|undetermined/,
      );
    });

    it('matchExpressions; a selector on the namespace name alone needs no Namespace object', () => {
      const byName = (op: string) =>
        selecting(
          `{matchExpressions: [{key: kubernetes.io/metadata.name, operator: ${op}, values: [default]}]}`,
        ).verdict;
      expect(byName('In')).toBe('allowed-via-gateway');
      expect(byName('NotIn')).not.toMatch(/allowed|undetermined/);
      const exists = (op: string, key = 'egress') =>
        selecting(
          `{matchExpressions: [{key: ${key}, operator: ${op}}]}`,
          namespace('egress: "any"'),
        ).verdict;
      expect(exists('Exists')).toBe('allowed-via-gateway');
      expect(exists('DoesNotExist')).not.toMatch(/allowed|undetermined/);
      // A label key named like an Object.prototype member is a label like any other.
      expect(exists('DoesNotExist', 'constructor')).toBe('allowed-via-gateway');
      expect(exists('Exists', 'constructor')).not.toMatch(/allowed|undetermined/);
    });
  });

  // GenerateGatewaySupportedKinds: the protocol's kinds, narrowed to allowedRoutes.kinds.
  it('allowedRoutes.kinds: a kind the listener does not list, or its protocol does not carry, is not attached', () => {
    const kinds = (list: string) =>
      simulate(
        httpEntry('httpbin', 'default') +
          TO_GATEWAY +
          gateway(`    allowedRoutes: {kinds: [${list}]}`) +
          forward(),
      )(SLEEP, 'http://httpbin.org/get').verdict;
    expect(kinds('{kind: HTTPRoute}')).toBe('allowed-via-gateway');
    expect(kinds('{kind: GRPCRoute}')).not.toMatch(/allowed/);
    expect(kinds('{kind: HTTPRoute, group: example.com}')).not.toMatch(/allowed/);
    // HTTPRoute listed on a TCP listener: the protocol does not carry it, so Istio derives nothing.
    const derivedRoutes = (protocol: string) =>
      istioIndexOf(
        analyzeSources(
          [
            {
              path: 'mesh.yaml',
              content:
                gateway().replace('protocol: HTTP', `protocol: ${protocol}`) +
                '    allowedRoutes: {kinds: [{kind: HTTPRoute}]}\n' +
                forward(),
            },
          ],
          parseProjectConfig(REGISTRY_ONLY),
        ),
      )
        .ofKind('VirtualService')
        .map((vs) => vs.name);
    expect(derivedRoutes('HTTP')).toEqual(['forward~0~istio-autogenerated-k8s-gateway']);
    expect(derivedRoutes('TCP')).toEqual([]);
  });

  it('an unmodelled listener on another port leaves requests on this port modelled', () => {
    const e = simulate(
      httpEntry('httpbin', 'default') +
        TO_GATEWAY +
        gateway(`  - name: other
    port: 8080
    protocol: UDP`) +
        forward(),
    )(SLEEP, 'http://httpbin.org/get');
    expect(e.verdict, e.reason).toBe('allowed-via-gateway');
  });

  it('the gateway Service has only the listener ports: a route to another port is broken', () => {
    const e = simulate(
      httpEntry('httpbin', 'default') +
        meshRoute('  - backendRefs: [{name: egress-istio, port: 8080}]') +
        gateway() +
        forward(),
    )(SLEEP, 'http://httpbin.org/get');
    expect(e.verdict).toBe('broken');
    expect(e.reason).toMatch(/has no such port/);
  });

  // One Gateway, one HTTP listener per hostname on port 80 (the usual shape): each becomes its own
  // Istio Gateway, and Istio merges all plaintext HTTP servers on a port into one route table
  // (pilot/pkg/model/gateway.go MergeGateways, ServersByRouteName `http.80`).
  it('two HTTP listeners on one port: routes attached to either apply (one route table http.80)', () => {
    const explain = simulate(TWO_LISTENERS);
    for (const url of ['http://httpbin.org/get', 'http://edition.cnn.com/politics']) {
      const e = explain(SLEEP, url);
      expect(e.verdict, url).toBe('allowed-via-gateway');
      expect(e.upstream, url).toMatchObject({ host: new URL(url).hostname, by: 'egress-gateway' });
    }
  });

  // The derived Gateways carry no selector: they apply to the pods of the Service Istio deploys,
  // in the Gateway's own namespace (push_context.go mergeGateways, InternalGatewayServiceAnnotation).
  it('a Gateway of the same name in another namespace configures only its own pods', () => {
    const elsewhere = gateway()
      .replace('namespace: default', 'namespace: other')
      .replace('httpbin.org', 'edition.cnn.com');
    const viaOther = simulate(
      httpEntry('httpbin', 'default') +
        meshRoute('  - backendRefs: [{name: egress-istio, namespace: other, port: 80}]') +
        gateway() +
        forward() +
        elsewhere,
    );
    const e = viaOther(SLEEP, 'http://httpbin.org/get');
    expect(e.verdict, e.reason).toBe('broken');
    expect(e.gateway).toMatchObject({ name: 'egress', port: 80 });
    // Through its own namespace's gateway the same request is modelled as before.
    const viaOwn = simulate(VIA_GATEWAY + elsewhere)(SLEEP, 'http://httpbin.org/get');
    expect(viaOwn.verdict, viaOwn.reason).toBe('allowed-via-gateway');
  });

  it('the same routes through the egress gateway are modelled end to end', () => {
    const e = simulate(VIA_GATEWAY)(SLEEP, 'http://httpbin.org/get');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.upstream).toMatchObject({ host: 'httpbin.org', port: 80, by: 'egress-gateway' });
  });
});

describe('rules over the converted config', () => {
  const unregistered = VIA_GATEWAY.replace(
    'name: httpbin.org, port: 80}',
    'name: httpbin.com, port: 80}',
  );
  const lintYaml = (yaml: string) => {
    const config = parseProjectConfig(REGISTRY_ONLY);
    return lint(
      analyzeSources([{ path: 'mesh.yaml', content: yaml.trim() }], config),
      config,
      RULES,
    ).findings;
  };

  it('a Hostname backend no ServiceEntry registers is an error at the HTTPRoute that names it', () => {
    expect(unregistered).not.toBe(VIA_GATEWAY);
    const found = lintYaml(unregistered).filter((f) => f.severity === 'error');
    expect(found.map((f) => [f.ruleId, f.line, f.field])).toEqual([
      ['serviceentry-missing', 39, 'spec.rules[0].backendRefs[0]'],
    ]);
    expect(lintYaml(VIA_GATEWAY).filter((f) => f.severity === 'error')).toEqual([]);
  });

  // An HTTPRoute naming only the Gateway binds to the listeners whose hostname overlaps its own
  // (conversion.go NoMatchingListenerHostname), not to every listener.
  it('a route on a Gateway with a listener per hostname binds only where the hostnames overlap: no warning', () => {
    const found = lintYaml(TWO_LISTENERS).filter((f) => f.ruleId === 'vs-gateway-missing');
    expect(found.map((f) => f.message)).toEqual([]);
  });

  it('egress-lint.io/ignore on the HTTPRoute silences findings on what Istio converts it into', () => {
    const ignored = unregistered.replace(
      'metadata: {name: forward, namespace: default}',
      'metadata: {name: forward, namespace: default, annotations: {egress-lint.io/ignore: serviceentry-missing}}',
    );
    expect(ignored).not.toBe(unregistered);
    expect(
      lintYaml(ignored).filter((f) => f.ruleId === 'serviceentry-missing' && !f.suppressed),
    ).toEqual([]);
  });
});
