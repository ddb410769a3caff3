import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../src/analyze.js';
import { DEFAULT_CONFIG } from '../src/config/project-config.js';
import { lint } from '../src/lint/engine.js';
import { testRule } from '../test/rule-tester.js';
import { egressGatewayYaml, GW_HOST, serverYaml } from '../test/istio-fixtures.js';
import rule from './vs-gateway-missing.js';

const gateway = (hosts = "'*'"): string =>
  egressGatewayYaml(serverYaml(80, 'HTTPS', hosts, 'ISTIO_MUTUAL'));

const vs = (
  head: string,
  sidecarMatch = '    - gateways: [mesh]\n      port: 80\n',
): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin-egress
  namespace: mytest
spec:
  hosts: [httpbin.org]
${head}  http:
  - match:
${sidecarMatch}    route:
    - destination: {host: ${GW_HOST}, port: {number: 80}}
  - match:
    - gateways: [istio-system/egress]
      port: 80
    route:
    - destination: {host: httpbin.org, port: {number: 80}}
`;

/** A Gateway for pods labelled istio: my-egress, which Istio does not install by default. */
const customGateway = gateway().replace('istio: egressgateway', 'istio: my-egress');
const notExported = vs('  exportTo: ["."]\n  gateways: [mesh, istio-system/egress]\n');
const EXPORT_ERROR =
  'exportTo leaves out istio-system, where the pods of Gateway istio-system/egress run, so that gateway never sees this VirtualService';

/** What shows the my-egress pods in istio-system: their Deployment, a Service, or an IstioOperator. */
const SHOWN_BY: Record<string, string> = {
  Deployment: `apiVersion: apps/v1
kind: Deployment
metadata: {name: my-egress, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: my-egress}}
  template:
    metadata: {labels: {istio: my-egress, sidecar.istio.io/inject: "false"}}
    spec: {containers: [{name: istio-proxy, image: proxyv2}]}
`,
  Service: `apiVersion: v1
kind: Service
metadata: {name: my-egress, namespace: istio-system}
spec:
  selector: {istio: my-egress}
  ports: [{name: https, port: 80}]
`,
  IstioOperator: `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: istio, namespace: istio-system}
spec:
  components:
    egressGateways:
    - name: my-egress
      enabled: true
      label: {istio: my-egress}
`,
};

testRule(rule, {
  valid: [
    {
      name: 'mesh and an existing Gateway that accepts the host',
      yaml: {
        'vs.yaml': vs('  gateways: [mesh, istio-system/egress]\n'),
        'gateway.yaml': gateway(),
      },
    },
    {
      name: 'exported to the gateway namespace and its own',
      yaml: {
        'vs.yaml': vs('  exportTo: [".", istio-system]\n  gateways: [mesh, istio-system/egress]\n'),
        'gateway.yaml': gateway('httpbin.org'),
      },
    },
    {
      name: 'no gateways at all: sidecars only',
      yaml: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: direct, namespace: mytest}
spec:
  hosts: [httpbin.org]
  http:
  - match:
    - sourceLabels: {app: sleep}
    route:
    - destination: {host: httpbin.org}
`,
    },
  ],
  invalid: [
    {
      name: 'a Gateway API Gateway named in gateways (istioctl virtualservice_kubernetes_gateways)',
      yaml: {
        'vs.yaml': vs('  gateways: [mesh, istio-system/egress]\n'),
        'gateway.yaml': `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: egress, namespace: istio-system}
spec:
  gatewayClassName: istio
  listeners:
  - {name: http, hostname: httpbin.org, port: 80, protocol: HTTP}
`,
      },
      findings: [
        {
          line: 8,
          column: 20,
          message:
            'istio-system/egress is a Gateway API Gateway (gateway.networking.k8s.io), and a VirtualService binds only to Istio Gateways (networking.istio.io): Istio turns a Gateway API Gateway into internal Gateways of other names, so the routes for it apply nowhere; attach an HTTPRoute, TLSRoute or TCPRoute to it (parentRefs: istio-system/egress), or bind this VirtualService to an Istio Gateway',
        },
      ],
    },
    {
      name: 'gateways without mesh while a route is the sidecar leg',
      yaml: {
        'vs.yaml': vs(
          '  gateways: [istio-system/egress]\n',
          '    - sourceNamespace: mytest\n      port: 80\n',
        ),
        'gateway.yaml': gateway(),
      },
      findings: [
        {
          line: 8,
          column: 3,
          message:
            'gateways does not list mesh, so sidecars never use this VirtualService: http[0] (matches on its source) never applies; add mesh to gateways',
        },
      ],
    },
    {
      name: 'a Gateway that does not exist (short names are the VirtualService namespace)',
      yaml: { 'vs.yaml': vs('  gateways: [mesh, egress]\n'), 'gateway.yaml': gateway() },
      findings: [
        {
          line: 8,
          column: 20,
          severity: 'error',
          message:
            'no Gateway mytest/egress in the config set (a name without namespace means mytest); did you mean istio-system/egress? The routes for mytest/egress apply nowhere',
        },
        {
          line: 16,
          column: 18,
          message:
            /^istio-system\/egress is not among this VirtualService's gateways \(mesh and mytest\/egress\)/,
        },
      ],
    },
    {
      name: 'a Gateway the repository does not show, like none it has: a warning (it may live elsewhere)',
      yaml: {
        'vs.yaml': vs('  gateways: [mesh, istio-system/shared-egress]\n').replace(
          'gateways: [istio-system/egress]',
          'gateways: [istio-system/shared-egress]',
        ),
        'gateway.yaml': gateway(),
      },
      findings: [
        {
          line: 8,
          column: 20,
          severity: 'warning',
          message:
            'the repository shows no Gateway istio-system/shared-egress: unless the cluster has it from elsewhere, the routes for it apply nowhere',
        },
      ],
    },
    {
      name: 'not exported to the namespace of the gateway pods',
      yaml: {
        'vs.yaml': vs('  exportTo: ["."]\n  gateways: [mesh, istio-system/egress]\n'),
        'gateway.yaml': gateway(),
      },
      findings: [
        {
          line: 8,
          column: 3,
          message:
            'exportTo leaves out istio-system, where the pods of Gateway istio-system/egress run, so that gateway never sees this VirtualService',
        },
      ],
    },
    {
      name: 'not exported to where egress-lint assumes the pods of an undeclared gateway run: a warning naming what is missing',
      yaml: { 'vs.yaml': notExported, 'gateway.yaml': customGateway },
      findings: [
        {
          line: 8,
          column: 3,
          severity: 'warning',
          message:
            'exportTo leaves out istio-system, where egress-lint assumes the pods of Gateway istio-system/egress run: the repository shows no Deployment, Service, IstioOperator or IstioGateway for pods istio=my-egress there; if they run there, that gateway never sees this VirtualService',
        },
      ],
    },
    ...Object.entries(SHOWN_BY).map(([kind, yaml]) => ({
      name: `not exported to the gateway pods' namespace, which a ${kind} shows: an error`,
      yaml: { 'vs.yaml': notExported, 'gateway.yaml': customGateway, 'pods.yaml': yaml },
      findings: [{ line: 8, column: 3, severity: 'error' as const, message: EXPORT_ERROR }],
    })),
    {
      name: 'no server of the Gateway accepts the hosts',
      yaml: {
        'vs.yaml': vs('  gateways: [mesh, istio-system/egress]\n'),
        'gateway.yaml': gateway('edition.cnn.com'),
      },
      findings: [
        {
          line: 8,
          column: 20,
          severity: 'warning',
          message:
            /^no server of Gateway istio-system\/egress accepts httpbin.org \(server hosts: edition.cnn.com\)/,
        },
      ],
    },
  ],
});

describe('vs-gateway-missing after a schema finding', () => {
  it('a VirtualService bound to a Gateway without servers points at the cause', () => {
    const files = {
      'vs.yaml': vs('  gateways: [mesh, istio-system/egress]\n'),
      'gateway.yaml': egressGatewayYaml('  []\n').replace('servers:\n  []', 'servers: []'),
    };
    const analysis = analyzeSources(
      Object.entries(files).map(([path, content]) => ({ path, content })),
      DEFAULT_CONFIG,
    );
    const { findings } = lint(analysis, DEFAULT_CONFIG, [rule]);
    expect(findings.map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column} ${f.message}`)).toEqual(
      [
        'schema gateway.yaml:6:3 Gateway has no servers; Istio rejects it ("gateway must have at least one server"), so no VirtualService binds to it: add a server (port, protocol, hosts) or delete the Gateway',
        'vs-gateway-missing vs.yaml:8:20 Gateway istio-system/egress fails validation, so Istio rejects it and nothing binds this VirtualService there: this follows from its schema findings (the Gateway is at gateway.yaml:3); fix the Gateway first',
      ],
    );
  });
});
