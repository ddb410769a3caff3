import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeSources, istioIndexOf } from '../src/analyze.js';
import { DEFAULT_CONFIG } from '../src/config/project-config.js';
import { lint } from '../src/lint/engine.js';
import { formatPath, type FieldPath } from '../src/model/field-path.js';
import { stringList } from '../src/model/istio.js';
import { get, type JsonObject, type Resource } from '../src/model/resource.js';
import { testRule } from '../test/rule-tester.js';
import rule from './gateway-api-route-unattached.js';

/** Gateway egress in istio-system (class istio) with these listeners. */
const gateway = (
  listeners: string,
  head = '  gatewayClassName: istio\n',
): string => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: egress, namespace: istio-system}
spec:
${head}  listeners:
${listeners}`;

const HTTP = '  - {name: http, hostname: httpbin.org, port: 80, protocol: HTTP}\n';
const HTTP_ALL =
  '  - name: http\n    hostname: httpbin.org\n    port: 80\n    protocol: HTTP\n    allowedRoutes: {namespaces: {from: All}}\n';
const bySelector = (selector: string): string =>
  `  - name: http\n    port: 80\n    protocol: HTTP\n    allowedRoutes: {namespaces: {from: Selector, selector: ${selector}}}\n`;

/** A route of `kind` in `namespace` with these parentRefs (one per line, flow style). */
const route = (
  parents: string[],
  namespace = 'istio-system',
  kind = 'HTTPRoute',
  hostnames = '  hostnames: [httpbin.org]\n',
): string => `---
apiVersion: gateway.networking.k8s.io/${kind === 'HTTPRoute' ? 'v1' : 'v1alpha2'}
kind: ${kind}
metadata: {name: forward, namespace: ${namespace}}
spec:
  parentRefs:
${parents.map((p) => `  - ${p}\n`).join('')}${kind === 'TCPRoute' ? '' : hostnames}  rules:
  - backendRefs: [{name: httpbin, port: 80}]
`;

const TO_EGRESS = '{name: egress, namespace: istio-system}';
const namespace = (name: string, labels = '{}'): string =>
  `---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, labels: ${labels}}\n`;
const STATUS = "Istio says so only in the route's status: Accepted False";

testRule(rule, {
  valid: [
    {
      name: 'a listener takes it: port, hostname, namespace (Same) and kind fit',
      yaml: gateway(HTTP) + route([TO_EGRESS]),
    },
    {
      name: 'one listener of two takes it (no sectionName): attached to that parent',
      yaml:
        gateway(HTTP + '  - {name: other, hostname: example.com, port: 8080, protocol: HTTP}\n') +
        route([TO_EGRESS]),
    },
    {
      name: 'a route from another namespace on a listener admitting All',
      yaml: gateway(HTTP_ALL) + route([TO_EGRESS], 'default'),
    },
    {
      name: 'a selector on labels of a Namespace the repository does not show: undetermined, no warning',
      yaml: gateway(bySelector('{matchLabels: {egress: allowed}}')) + route([TO_EGRESS], 'team-a'),
    },
    {
      name: 'a shown Namespace with the selected labels',
      yaml:
        gateway(bySelector('{matchLabels: {egress: allowed}}')) +
        namespace('team-a', '{egress: allowed}') +
        route([TO_EGRESS], 'team-a'),
    },
    {
      name: 'a Gateway the repository does not show, and no name close to one it does, may come from elsewhere',
      yaml: gateway(HTTP) + route(['{name: ingress-main, namespace: gateways}']),
    },
    {
      name: 'a Gateway of another class belongs to another controller',
      yaml: gateway(HTTP, '  gatewayClassName: other\n') + route([TO_EGRESS]),
    },
    {
      name: 'a Gateway with addresses is not modelled: its listeners decide nothing here',
      yaml:
        gateway(HTTP, '  gatewayClassName: istio\n  addresses: [{type: Hostname, value: gw}]\n') +
        route(['{name: egress, namespace: istio-system, sectionName: nope}']),
    },
    {
      name: 'a listener not modelled (protocol UDP) that the parentRef may name',
      yaml:
        gateway(HTTP + '  - name: udp\n    port: 8080\n    protocol: UDP\n') +
        route(['{name: egress, namespace: istio-system, port: 8080}']),
    },
    {
      // namespacesFromSelector: a `from` other than Same and All without a selector admits every
      // namespace, None included (the spec says none).
      name: 'allowedRoutes from None: Istio takes routes from every namespace',
      yaml:
        gateway(
          HTTP +
            '  - name: none\n    port: 8080\n    protocol: HTTP\n    allowedRoutes: {namespaces: {from: None}}\n',
        ) + route(['{name: egress, namespace: istio-system, port: 8080}'], 'default'),
    },
    {
      name: 'a Service parent (GAMMA) is the sidecars, not a Gateway',
      yaml: gateway(HTTP) + route(['{group: "", kind: Service, name: httpbin}']),
    },
  ],
  invalid: [
    {
      name: 'sectionName names no listener (NoMatchingParent)',
      yaml: gateway(HTTP) + route(['{name: egress, namespace: istio-system, sectionName: https}']),
      findings: [
        {
          line: 14,
          column: 5,
          message: `no listener of Gateway istio-system/egress takes this HTTPRoute, so it does nothing there (${STATUS}, NoMatchingParent): it has no listener named https (its listeners: http on port 80)`,
        },
      ],
    },
    {
      name: 'port names no listener (NoMatchingParent)',
      yaml: gateway(HTTP) + route(['{name: egress, namespace: istio-system, port: 8080}']),
      findings: [{ line: 14, column: 5, message: /: it has no listener on port 8080 \(its/ }],
    },
    {
      name: 'a route from another namespace on a listener admitting its own only (from Same, the default)',
      yaml: gateway(HTTP) + route([TO_EGRESS], 'default'),
      findings: [
        {
          line: 14,
          column: 5,
          message: `no listener of Gateway istio-system/egress takes this HTTPRoute, so it does nothing there (${STATUS}, NotAllowedByListeners): listener http (port 80, HTTP) takes routes from its own namespace istio-system only (allowedRoutes.namespaces.from Same, the default), not from default`,
        },
      ],
    },
    {
      name: 'hostnames that overlap no listener hostname (NoMatchingListenerHostname)',
      yaml:
        gateway(HTTP) +
        route(
          [TO_EGRESS],
          'istio-system',
          'HTTPRoute',
          '  hostnames: [api.example.com, "*.example.org"]\n',
        ),
      findings: [
        {
          line: 14,
          column: 5,
          message: `no listener of Gateway istio-system/egress takes this HTTPRoute, so it does nothing there (${STATUS}, NoMatchingListenerHostname): listener http (port 80, HTTP) is for httpbin.org, which none of the route's hostnames (api.example.com and *.example.org) overlaps`,
        },
      ],
    },
    {
      name: 'allowedRoutes.kinds leaves the kind out',
      yaml:
        gateway(
          '  - name: http\n    port: 80\n    protocol: HTTP\n    allowedRoutes: {kinds: [{kind: GRPCRoute}]}\n',
        ) + route([TO_EGRESS]),
      findings: [
        {
          line: 17,
          column: 5,
          message:
            /: listener http \(port 80, HTTP\) takes only GRPCRoute \(allowedRoutes.kinds\)$/,
        },
      ],
    },
    {
      name: "a kind the listener's protocol does not carry: a TCPRoute on a TLS listener that passes TLS through",
      yaml:
        gateway('  - {name: tls, port: 443, protocol: TLS, tls: {mode: Passthrough}}\n') +
        route([TO_EGRESS], 'istio-system', 'TCPRoute'),
      findings: [
        {
          line: 14,
          column: 5,
          message:
            /NotAllowedByListeners\): listener tls \(port 443, TLS\) carries TLSRoute, not TCPRoute$/,
        },
      ],
    },
    {
      name: 'a shown Namespace without the selected labels',
      yaml:
        gateway(bySelector('{matchLabels: {egress: allowed}}')) +
        namespace('team-a', '{egress: denied}') +
        route([TO_EGRESS], 'team-a'),
      findings: [
        {
          line: 21,
          column: 5,
          message:
            /listener http \(port 80, HTTP\) takes routes from the namespaces its allowedRoutes selector picks, and it does not pick team-a$/,
        },
      ],
    },
    {
      name: 'a selector on the namespace name alone needs no Namespace object',
      yaml:
        gateway(bySelector('{matchLabels: {kubernetes.io/metadata.name: team-b}}')) +
        route([TO_EGRESS], 'team-a'),
      findings: [{ line: 17, column: 5, message: /does not pick team-a$/ }],
    },
    {
      name: 'a parentRef without namespace, to a Gateway the repository shows in another namespace',
      yaml: gateway(HTTP_ALL) + route(['{name: egress}'], 'default'),
      findings: [
        {
          line: 18,
          column: 5,
          message:
            'the repository shows no Gateway default/egress (a parentRef without namespace means default); did you mean istio-system/egress? Unless the cluster has default/egress from elsewhere, this HTTPRoute attaches to nothing there',
        },
      ],
    },
    {
      name: 'a Gateway name a typo away',
      yaml: gateway(HTTP) + route(['{name: egres, namespace: istio-system}']),
      findings: [{ line: 14, column: 5, message: /did you mean istio-system\/egress\?/ }],
    },
    {
      name: 'two parentRefs: only the one no listener takes',
      yaml:
        gateway(HTTP) +
        route([TO_EGRESS, '{name: egress, namespace: istio-system, sectionName: https}']),
      findings: [{ line: 15, column: 5, message: /no listener named https/ }],
    },
    {
      name: 'listeners the parentRef names are described, the others left out; the least refused reason is the status',
      yaml:
        gateway(
          HTTP +
            '  - {name: api, hostname: api.example.com, port: 80, protocol: HTTP}\n' +
            '  - {name: tls, port: 443, protocol: TLS, tls: {mode: Passthrough}}\n',
        ) + route(['{name: egress, namespace: istio-system, port: 80}'], 'default'),
      findings: [
        {
          line: 16,
          column: 5,
          message: `no listener of Gateway istio-system/egress takes this HTTPRoute, so it does nothing there (${STATUS}, NotAllowedByListeners): listener http (port 80, HTTP) takes routes from its own namespace istio-system only (allowedRoutes.namespaces.from Same, the default), not from default; listener api (port 80, HTTP) is for api.example.com, which none of the route's hostnames (httpbin.org) overlaps`,
        },
      ],
    },
  ],
});

it('a Gateway that fails its schema is shown: its schema finding is the one to fix, not a guess', () => {
  const yaml =
    gateway('  - {name: http, port: "x80", protocol: HTTP}\n') +
    route(['{name: egress, namespace: istio-system}']);
  const analysis = analyzeSources([{ path: 'test.yaml', content: yaml }], DEFAULT_CONFIG);
  const findings = lint(analysis, DEFAULT_CONFIG, [rule]).findings;
  expect(findings.map((f) => f.ruleId)).toEqual(['schema']);
});

/**
 * Our binding fixture (fixtures/gateway-api/route-attachment.yaml): for every parentRef, the listeners
 * Istio binds it to, or the reason its route status gives. The cases are those of Istio's binding
 * test, pilot/pkg/config/kube/gateway/testdata/route-binding.yaml, and the reasons as its
 * route-binding.status.yaml.golden and pilot/pkg/config/kube/gateway/conversion.go referenceAllowed
 * give them: port and sectionName first (NoMatchingParent), then hostnames (NoMatchingListenerHostname,
 * ahead of the namespace), then the namespace and kind (NotAllowedByListeners); conditions.go
 * createRouteStatus reports a parentRef accepted when any listener takes it.
 */
describe('route attachment, case by case', () => {
  const FIXTURE = new URL('../fixtures/gateway-api/route-attachment.yaml', import.meta.url);
  const yaml = readFileSync(FIXTURE, 'utf8');
  const analysis = analyzeSources(
    [{ path: 'route-attachment.yaml', content: yaml }],
    DEFAULT_CONFIG,
  );
  const findings = lint(analysis, DEFAULT_CONFIG, [rule]).findings;
  const derived = istioIndexOf(analysis).ofKind('VirtualService');

  /** `namespace/route sectionName port` for each parentRef: what Istio makes of it. */
  function outcomes(): Record<string, string> {
    const out: Record<string, string> = {};
    const routes = analysis.configSet.resources.filter((r) => r.kind.endsWith('Route'));
    for (const route of routes) {
      const refs = get(route.body, ['spec', 'parentRefs']) as JsonObject[];
      refs.forEach((ref, i) => {
        const at = ['spec', 'parentRefs', i];
        const key = [`${route.namespace}/${route.name}`, ref.sectionName, ref.port].filter(Boolean);
        out[key.join(' ')] = boundListeners(route, at) ?? refusal(route, at) ?? 'undetermined';
      });
    }
    return out;
  }

  /** The listeners whose derived VirtualServices come from this parentRef. */
  function boundListeners(route: Resource, at: FieldPath): string | undefined {
    const names = derived
      .filter((vs) => vs.converted?.from === route)
      .filter((vs) =>
        vs.converted!.fields.some(
          ([to, from]) => to[1] === 'gateways' && formatPath(from) === formatPath(at),
        ),
      )
      .map((vs) =>
        stringList(get(vs.body, ['spec', 'gateways']))[0]!
          .split('~')
          .at(-1)!,
      );
    return names.length > 0 ? `bound: ${[...new Set(names)].sort().join(', ')}` : undefined;
  }

  function refusal(route: Resource, at: FieldPath): string | undefined {
    const f = findings.find(
      (f) =>
        f.resource?.name === route.name &&
        f.resource.namespace === route.namespace &&
        f.field === formatPath(at),
    );
    return f && /Accepted False, (\w+)\)/.exec(f.message)?.[1];
  }

  it('binds each parentRef to the listeners Istio binds it to, and reports the others with its reason', () => {
    expect(outcomes()).toEqual({
      // Cross-namespace by sectionName on a listener admitting All (golden: section-name-cross-namespace).
      'orders/partner-api http-routes-only': 'bound: http-routes-only',
      // A wildcard hostname wider than the listener's: they overlap.
      'egress-gw/wide-wildcard own-ns': 'bound: own-ns',
      // The Gateway's own namespace, on an All and a Same listener (golden: same-namespace-valid).
      'egress-gw/platform-tools http-routes-only': 'bound: http-routes-only',
      'egress-gw/platform-tools own-ns': 'bound: own-ns',
      // Hostname and namespace both wrong: the hostname is reported (golden: same-namespace-invalid).
      'playground/wrong-host-and-ns own-ns': 'NoMatchingListenerHostname',
      // Hostname right, namespace not admitted by Same.
      'playground/right-host-wrong-ns own-ns': 'NotAllowedByListeners',
      // A kind the listener does not take (golden: wrong-protocol).
      'playground/raw-stream http-routes-only': 'NotAllowedByListeners',
      // A hostname outside the listener's (golden: host-mismatch).
      'playground/wrong-host http-routes-only': 'NoMatchingListenerHostname',
      // No sectionName: every listener admitting the namespace and kind (golden: bind-all, 6 parents
      // there; alt-port is our seventh).
      'playground/everywhere':
        'bound: alt-port, any-ns, http-routes-only, pick-absent, pick-exists, pick-notin, refuse-notin',
      // Selectors from the trusted tier (golden: bind-cross-namespace in group-namespace1).
      'orders/by-selector pick-labels': 'bound: pick-labels',
      'orders/by-selector pick-in': 'bound: pick-in',
      'orders/by-selector refuse-in': 'NotAllowedByListeners',
      'orders/by-selector pick-notin': 'bound: pick-notin',
      'orders/by-selector refuse-notin': 'NotAllowedByListeners',
      'orders/by-selector pick-exists': 'bound: pick-exists',
      'orders/by-selector refuse-exists': 'NotAllowedByListeners',
      'orders/by-selector pick-absent': 'bound: pick-absent',
      'orders/by-selector refuse-absent': 'NotAllowedByListeners',
      'orders/by-selector pick-both': 'bound: pick-both',
      'orders/by-selector refuse-both': 'NotAllowedByListeners',
      // matchLabels from another trusted namespace, and from another tier (golden:
      // bind-cross-namespace in group-namespace2, invalid-bind-cross-namespace).
      'orders-canary/by-labels pick-labels': 'bound: pick-labels',
      'playground/by-labels pick-labels': 'NotAllowedByListeners',
      // Port and sectionName naming no listener (conversion.go: "sectionName %q not found",
      // "port %v not found"; the golden has no such case).
      'playground/by-port any': 'NoMatchingParent',
      'playground/by-port 9090': 'NoMatchingParent',
      'playground/by-port any-ns 8080': 'NoMatchingParent',
      'playground/by-port 8080': 'bound: alt-port',
    });
  });
});
