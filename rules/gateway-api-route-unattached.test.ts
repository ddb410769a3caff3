import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../src/analyze.js';
import { DEFAULT_CONFIG } from '../src/config/project-config.js';
import { lint } from '../src/lint/engine.js';
import { runRule, testRule } from '../test/rule-tester.js';
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
      name: 'a listener not modelled (allowedRoutes from None) that the parentRef may name',
      yaml:
        gateway(
          HTTP +
            '  - name: none\n    port: 8080\n    protocol: HTTP\n    allowedRoutes: {namespaces: {from: None}}\n',
        ) + route(['{name: egress, namespace: istio-system, port: 8080}']),
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
 * Istio's own route binding test (fixtures/istio-gateway-api, see SOURCE.md): every parentRef its
 * golden status (route-binding.status.yaml.golden) reports as not accepted, with that reason, and no
 * other.
 */
describe("Istio's route-binding test data", () => {
  const FIXTURE = new URL('../fixtures/istio-gateway-api/route-binding.yaml', import.meta.url);
  const yaml =
    readFileSync(FIXTURE, 'utf8').replace(/ {2}addresses:\n(?: {2}- .*\n| {4}.*\n)+/, '') +
    ['default', 'group-namespace1', 'group-namespace2', 'istio-system']
      .map((ns) => namespace(ns, `{istio.io/test-name-part: ${ns.split('-')[0]}}`))
      .join('');

  it('the parentRefs Istio does not accept, and why', () => {
    const got = runRule(rule, { name: 'route-binding', yaml }).map((f) => {
      const reason = /Accepted False, (\w+)\)/.exec(f.message)?.[1];
      return `${f.line} ${reason}`;
    });
    expect(got).toEqual([
      // HTTPRoute default/same-namespace-invalid, sectionName same-namespace
      '231 NoMatchingListenerHostname',
      // TCPRoute default/wrong-protocol, sectionName foobar
      '249 NotAllowedByListeners',
      // HTTPRoute default/host-mismatch, sectionName foobar
      '264 NoMatchingListenerHostname',
      // HTTPRoute group-namespace1/bind-cross-namespace: slctr-expr-in-no, -notin-no, -exists-no,
      // -dne-no, combined-no
      '300 NotAllowedByListeners',
      '306 NotAllowedByListeners',
      '312 NotAllowedByListeners',
      '318 NotAllowedByListeners',
      '324 NotAllowedByListeners',
      // HTTPRoute default/invalid-bind-cross-namespace, sectionName slctr-labels
      '354 NotAllowedByListeners',
    ]);
  });
});
