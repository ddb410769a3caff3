import { testRule } from '../test/rule-tester.js';
import { httpEntry } from '../test/simulate/helpers.js';
import rule from './vs-route-unreachable.js';

/** A VirtualService for httpbin.org with the given http routes (YAML under `http:`, from line 8). */
const vs = (routes: string, kind = 'http'): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: mytest}
spec:
  hosts: [httpbin.org]
  gateways: [mesh, istio-system/egress]
  ${kind}:
${routes}`;

const toGateway = `    route:
    - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 80}}
`;
const direct = `    route:
    - destination: {host: httpbin.org, port: {number: 80}}
`;

/** Two HTTPRoutes for the sidecars' requests to httpbin.org, each with a catch-all rule. */
const twoHttpRoutes = ['a', 'b']
  .map(
    (name) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: mytest}
spec:
  parentRefs: [{group: networking.istio.io, kind: ServiceEntry, name: httpbin}]
  rules:
  - backendRefs: [{group: networking.istio.io, kind: Hostname, name: httpbin.org, port: 80}]
`,
  )
  .join('---\n');

testRule(rule, {
  valid: [
    {
      // Istio merges them into one VirtualService (mergeHTTPRoutes); which catch-all comes first is
      // creation order, not an order either author wrote.
      name: "two Gateway API routes merged for one host: one route's rule does not shadow the other's",
      yaml: httpEntry('httpbin', 'mytest') + twoHttpRoutes,
    },
    {
      name: 'sidecar leg, then gateway leg (Istio egress gateway task)',
      yaml: vs(`  - match:
    - gateways: [mesh]
      port: 80
${toGateway}  - match:
    - gateways: [istio-system/egress]
      port: 80
${direct}`),
    },
    {
      name: 'the narrower match first, the catch-all last',
      yaml: vs(`  - match:
    - uri: {prefix: /anything}
${toGateway}  - ${direct.trimStart()}`),
    },
    {
      name: 'a sourced match without gateways does not catch one that names gateways',
      yaml: vs(`  - match:
    - sourceLabels: {app: sleep}
${toGateway}  - match:
    - sourceLabels: {app: sleep}
      gateways: [istio-system/egress]
${direct}`),
    },
    {
      name: 'ignoreUriCase widens the later match',
      yaml: vs(`  - match:
    - uri: {exact: /get}
${toGateway}  - match:
    - uri: {exact: /get}
      ignoreUriCase: true
${direct}`),
    },
    {
      name: 'tls routes with different sniHosts',
      yaml: vs(
        `  - match:
    - {port: 443, sniHosts: [httpbin.org]}
    route:
    - destination: {host: httpbin.org, port: {number: 443}}
  - match:
    - {port: 443, sniHosts: [www.httpbin.org]}
    route:
    - destination: {host: www.httpbin.org, port: {number: 443}}
`,
        'tls',
      ),
    },
  ],
  invalid: [
    {
      name: 'a route after a route without match (validation: "route without matches defined before")',
      yaml: vs(`  - ${direct.trimStart()}  - match:
    - gateways: [mesh]
      port: 80
${toGateway}`),
      findings: [
        {
          line: 10,
          column: 5,
          severity: 'warning',
          message:
            "http[1] never applies: http[0] comes first and catches all its traffic (a route without match catches everything), so that traffic goes where http[0] sends it; move http[1] above http[0], or narrow http[0]'s match",
        },
      ],
    },
    {
      name: 'an earlier match with fewer conditions (port only) catches the sidecar leg',
      yaml: vs(`  - match:
    - port: 80
${direct}  - match:
    - gateways: [mesh]
      port: 80
${toGateway}`),
      findings: [
        {
          line: 12,
          column: 5,
          severity: 'warning',
          message: /^http\[1\] never applies: http\[0\] comes first/,
        },
      ],
    },
    {
      name: 'the same match twice, the same destination (validation: "all matches used by prior rules")',
      yaml: vs(`  - match:
    - {name: first, uri: {prefix: /get}}
${direct}  - match:
    - {name: again, uri: {prefix: /get}}
${direct}`),
      findings: [
        {
          line: 12,
          column: 5,
          severity: 'warning',
          message:
            'http[1] never applies: http[0] comes first and catches all its traffic, doing the same; remove http[1]',
        },
      ],
    },
    {
      name: 'tcp routes: only the last may go without a match',
      yaml: vs(
        `  - route:
    - destination: {host: httpbin.org, port: {number: 443}}
  - match:
    - port: 443
    route:
    - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 443}}
`,
        'tcp',
      ),
      findings: [{ line: 10, column: 5, message: /^tcp\[1\] never applies/ }],
    },
  ],
});
