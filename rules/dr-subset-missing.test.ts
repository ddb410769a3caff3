import {
  aliasSubsetRouteYaml,
  egressPolicyYaml,
  GW_HOST,
  workloadYaml,
} from '../test/istio-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule from './dr-subset-missing.js';

const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: cnn
  namespace: mytest
spec:
  hosts: [edition.cnn.com]
  exportTo: ["."]
  http:
  - route:
    - destination:
        host: ${GW_HOST}
        subset: cnn
        port: {number: 80}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: cnn
  namespace: mytest
spec:
  hosts: [edition.cnn.com]
  exportTo: ["."]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
`;

const dr = (namespace: string, subset: string): string => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: egressgateway-${subset}
  namespace: ${namespace}
spec:
  host: ${GW_HOST}
  subsets:
  - name: ${subset}
`;

const exported = (rule: string, exportTo: string): string =>
  rule.replace('spec:\n', `spec:\n  exportTo: ${exportTo}\n`);

/** aliasSubsetRouteYaml with a client in app (a Deployment). */
const aliasRoute = (drHost: string): Record<string, string> => ({
  'mesh.yaml': aliasSubsetRouteYaml(drHost),
  'sleep.yaml': workloadYaml('app'),
});

testRule(rule, {
  valid: [
    {
      // route.go GetDestinationCluster: the cluster, so the subsets, of the host the alias names.
      name: "a route to an ExternalName alias, the subset in the named host's DestinationRule",
      yaml: aliasRoute('httpbin.org'),
    },
    {
      name: 'a short destination host resolves in the VirtualService namespace, as the rule host does',
      yaml: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings, namespace: shop}
spec:
  hosts: [ratings]
  http:
  - route:
    - destination: {host: ratings, subset: v1}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings, namespace: shop}
spec:
  host: ratings.shop.svc.cluster.local
  subsets:
  - name: v1
    labels: {version: v1}
`,
    },
    {
      name: 'subset in the root namespace rule',
      yaml: { 'vs.yaml': vs, 'dr.yaml': dr('istio-system', 'cnn') },
    },
    {
      name: 'subset in a rule of the client namespace',
      yaml: { 'vs.yaml': vs, 'dr.yaml': dr('mytest', 'cnn') },
    },
    {
      name: 'rendered from a policy',
      yaml: egressPolicyYaml(
        '[{namespace: mytest}]',
        '{hosts: [edition.cnn.com], port: {name: https, number: 443, protocol: HTTPS}}',
      ),
    },
    {
      name: 'two rules for the host in one namespace with the same exportTo merge their subsets',
      yaml: {
        'vs.yaml': vs,
        'a.yaml': exported(dr('istio-system', 'cnn'), '[mytest, other]'),
        'b.yaml': exported(dr('istio-system', 'more'), '[mytest, other]'),
      },
    },
    {
      name: "two policies on one gateway: the renderer's refusal routes are not reported, their subsets are meant to go nowhere",
      yaml: {
        'a.yaml': egressPolicyYaml(
          '[{namespace: mytest, workloadSelector: {app: a}}]',
          '{hosts: [www.alibabacloud.com], port: {name: tcp, number: 443, protocol: TCP}, byEgressGateway: {}}',
        ),
        'b.yaml': egressPolicyYaml(
          '[{namespace: other, workloadSelector: {app: b}}]',
          '{hosts: [www.aliyun.com], port: {name: tcp, number: 443, protocol: TCP}, byEgressGateway: {}}',
        ).replace('name: egress-by-egressgateway', 'name: second-policy'),
      },
    },
  ],
  invalid: [
    {
      name: 'two rules for the host in one namespace with different exportTo stay apart: clients that see both use the later one',
      yaml: {
        'vs.yaml': vs,
        'a.yaml': exported(dr('istio-system', 'cnn'), '[mytest, one]'),
        'b.yaml': exported(dr('istio-system', 'other'), '[mytest, two]'),
      },
      findings: [
        {
          line: 13,
          column: 9,
          message:
            /they use DestinationRule istio-system\/egressgateway-other, which has no such subset/,
        },
      ],
    },
    {
      name: 'a client the repository shows (a Sidecar in mytest) gets an error',
      yaml: {
        'vs.yaml': vs,
        'dr.yaml': dr('istio-system', 'other'),
        'sidecar.yaml': `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: mytest}
spec:
  egress: [{hosts: ["./*", "istio-system/*"]}]
`,
      },
      findings: [{ file: 'vs.yaml', line: 13, column: 9, severity: 'error' }],
    },
    {
      name: 'only clients the repository does not show: a warning',
      yaml: { 'vs.yaml': vs, 'dr.yaml': dr('istio-system', 'other') },
      findings: [{ file: 'vs.yaml', line: 13, column: 9, severity: 'warning' }],
    },
    {
      name: 'a route to an ExternalName alias, the subset only in a DestinationRule for the alias (which does nothing)',
      yaml: aliasRoute('my-httpbin'),
      findings: [
        {
          line: 27,
          column: 46,
          severity: 'error',
          message:
            'subset "v1" of my-httpbin.app.svc.cluster.local (an ExternalName alias: Istio uses the DestinationRules of httpbin.org) is defined by no DestinationRule that sidecars in every namespace use: requests get 503 (no healthy upstream)',
        },
      ],
    },
    {
      name: 'no rule defines the subset',
      yaml: { 'vs.yaml': vs, 'dr.yaml': dr('istio-system', 'other') },
      findings: [
        {
          line: 13,
          column: 9,
          message: `subset "cnn" of ${GW_HOST} is defined by no DestinationRule that sidecars in mytest use (they use DestinationRule istio-system/egressgateway-other, which has no such subset): requests get 503 (no healthy upstream)`,
        },
      ],
    },
    {
      name: 'no DestinationRule for the host at all',
      yaml: vs,
      findings: [
        {
          line: 13,
          column: 9,
          message: `subset "cnn" of ${GW_HOST} is defined by no DestinationRule that sidecars in mytest use: requests get 503 (no healthy upstream)`,
        },
      ],
    },
    {
      name: 'a rule in the client namespace hides the root namespace rule that has the subset',
      yaml: {
        'vs.yaml': vs,
        'root.yaml': dr('istio-system', 'cnn'),
        'own.yaml': dr('mytest', 'other'),
      },
      findings: [
        {
          line: 13,
          column: 9,
          message: /they use DestinationRule mytest\/egressgateway-other, which has no such subset/,
        },
      ],
    },
  ],
});
