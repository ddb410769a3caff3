import { egressGateway, policyTo } from '../test/rule-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule from './vs-host-conflict.js';

/** A sidecar VirtualService for `host` sending port 80 straight out (metadata.name on line 4). */
const vs = (
  name: string,
  namespace: string,
  head = '',
  host = 'httpbin.org',
): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  hosts: [${host}]
${head}  http:
  - route:
    - destination: {host: ${host.includes('.') ? host : `${host}.${namespace}.svc.cluster.local`}}
`;

testRule(rule, {
  valid: [
    { name: 'one VirtualService per host', yaml: vs('httpbin', 'mytest') },
    {
      name: 'each exported to its own namespace only',
      yaml: {
        'a.yaml': vs('httpbin', 'team-a', '  exportTo: ["."]\n'),
        'b.yaml': vs('httpbin', 'team-b', '  exportTo: ["."]\n'),
      },
    },
    {
      name: 'one for sidecars, one for the gateway only',
      yaml: {
        'a.yaml': vs('httpbin', 'team-a'),
        'b.yaml': vs('httpbin-gw', 'istio-system', '  gateways: [istio-system/egress]\n'),
      },
    },
    {
      name: 'the same short name in two namespaces is two services',
      yaml: {
        'a.yaml': vs('reviews', 'team-a', '', 'reviews'),
        'b.yaml': vs('reviews', 'team-b', '', 'reviews'),
      },
    },
  ],
  invalid: [
    {
      name: 'httpbin.org in two namespaces, both exported everywhere (istioctl conflictingmeshgatewayhosts)',
      yaml: { 'a.yaml': vs('httpbin', 'team-a'), 'b.yaml': vs('httpbin', 'team-b') },
      findings: [
        {
          file: 'a.yaml',
          line: 7,
          column: 11,
          severity: 'warning',
          message:
            "httpbin.org is also defined by VirtualService team-b/httpbin (b.yaml:4) for sidecars in every namespace: a sidecar uses one VirtualService per host, the oldest by creation time (which the repository cannot show), and ignores the other's routes; merge them into one VirtualService, or export each to different namespaces",
        },
        {
          file: 'b.yaml',
          line: 7,
          column: 11,
          message: /^httpbin.org is also defined by VirtualService team-a\/httpbin \(a.yaml:4\)/,
        },
      ],
    },
    {
      name: "a short name and its full name in the mesh's own cluster domain are one host",
      config: 'mesh:\n  clusterDomain: corp.internal\n',
      yaml: {
        'a.yaml': vs('reviews', 'shop', '', 'reviews'),
        'b.yaml': vs('reviews-full', 'shop', '', 'reviews.shop.svc.corp.internal'),
      },
      findings: [
        {
          file: 'a.yaml',
          line: 7,
          column: 11,
          message:
            /^reviews\.shop\.svc\.corp\.internal is also defined by VirtualService shop\/reviews-full/,
        },
        { file: 'b.yaml', line: 7, column: 11 },
      ],
    },
    {
      name: 'a hand-written VirtualService beside a policy for the same host',
      yaml: {
        'vs.yaml': vs('httpbin', 'mytest', '  exportTo: ["."]\n'),
        'policy.yaml': policyTo(
          '    - hosts: [httpbin.org]\n      port: {number: 80, protocol: HTTP}\n',
        ),
        'gateway.yaml': egressGateway(),
      },
      findings: [
        {
          file: 'vs.yaml',
          line: 7,
          column: 11,
          message:
            /^httpbin.org is also defined by VirtualService istio-system\/egress-by-egressgateway-a-httpbin-org-80 \(rendered from ASMEgressTrafficPolicy istio-egress\/egress-by-egressgateway-a\) \(policy.yaml:13\) for sidecars in mytest:/,
        },
      ],
    },
  ],
});
