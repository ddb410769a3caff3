import { testRule } from '../test/rule-tester.js';
import {
  aliasSubsetRouteYaml,
  GW_HOST,
  egressGatewayYaml,
  gatewayLegYaml,
  serverYaml,
  workloadYaml,
} from '../test/istio-fixtures.js';
import rule from './dr-lookup-path.js';

/** Seed 004 (HTTPS section): sidecars -> egress gateway (subset cnn) -> edition.cnn.com. */
const routes = (namespace: string, exportTo?: string): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: cnn, namespace: ${namespace}}
spec:
  hosts: [edition.cnn.com]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: direct-cnn-through-egress-gateway, namespace: ${namespace}}
spec:
  hosts: [edition.cnn.com]
${exportTo ? `  exportTo: ${exportTo}\n` : ''}  gateways: [mesh]
  tls:
  - match:
    - port: 443
      sniHosts: [edition.cnn.com]
    route:
    - destination: {host: ${GW_HOST}, subset: cnn, port: {number: 443}}
`;

const dr = (namespace: string, exportTo?: string): string => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: egressgateway-for-cnn
  namespace: ${namespace}
spec:
  host: ${GW_HOST}
${exportTo ? `  exportTo: ${exportTo}\n` : ''}  subsets:
  - name: cnn
    trafficPolicy:
      portLevelSettings:
      - port: {number: 443}
        tls: {mode: ISTIO_MUTUAL, sni: edition.cnn.com}
`;

/** A workload: the repository shows a client in this namespace. */
const SLEEP = workloadYaml;

/**
 * An egress gateway installed in istio-system, as the repository may show it: the Gateway resource,
 * the gateway's Deployment (no sidecar: it runs Envoy as a router), Service and ServiceAccount, and an
 * AuthorizationPolicy for its pods. None of them is a sidecar client of istio-system.
 */
const GATEWAY_INSTALL = `${egressGatewayYaml(
  serverYaml(443, 'TLS', 'edition.cnn.com', 'PASSTHROUGH'),
  'istio-egressgateway',
  'default',
)}---
apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-egressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: egressgateway}}
  template:
    metadata:
      labels: {istio: egressgateway, app: istio-egressgateway, sidecar.istio.io/inject: "false"}
    spec:
      serviceAccountName: istio-egressgateway-service-account
      containers: [{name: istio-proxy, image: auto, args: [proxy, router]}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: istio-egressgateway-service-account, namespace: istio-system}
---
apiVersion: v1
kind: Service
metadata: {name: istio-egressgateway, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  ports: [{name: tls, port: 443}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: egress, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: egressgateway}}
  action: ALLOW
  rules: [{to: [{operation: {hosts: [edition.cnn.com]}}]}]
`;

/** NGINX's namespace in the istio.io task, as the repository shows it, with these Namespace labels. */
const meshExternal = (labels: string): string => `${SLEEP('mesh-external')}---
apiVersion: v1
kind: Namespace
metadata: {name: mesh-external${labels}}
`;

testRule(rule, {
  valid: [
    {
      // route.go GetDestinationCluster: a route to an ExternalName alias uses the named host's rules,
      // found in app; a rule for the alias itself, wherever it is, does nothing for anyone.
      name: 'a route to an ExternalName alias: the named host has its rule on the path; the alias rule elsewhere is no miss',
      yaml: {
        'mesh.yaml': aliasSubsetRouteYaml('httpbin.org'),
        'alias-dr.yaml': `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: alias, namespace: shared}
spec:
  host: my-httpbin.app.svc.cluster.local
  subsets: [{name: v1, labels: {version: v1}}]
`,
        'sleep.yaml': workloadYaml('app'),
      },
    },
    {
      // Pilot resolves `istio-egressgateway` in istio-system to the gateway's Service
      // (ResolveShortnameToFQDN): the rule is in the service's namespace, on every client's path.
      name: 'the gateway rule written with the short Service name, in the gateway namespace',
      yaml: {
        'routes.yaml': routes('default'),
        'dr.yaml': dr('istio-system').replace(`host: ${GW_HOST}`, 'host: istio-egressgateway'),
      },
    },
    {
      name: 'Bookinfo: short hosts in default resolve to default Services, found at the service step',
      yaml: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
`,
    },
    {
      name: 'the gateway host rule in the root namespace reaches every client',
      yaml: { 'routes.yaml': routes('default'), 'dr.yaml': dr('istio-system') },
    },
    {
      name: 'seed 004: a copy in each namespace the VirtualService is exported to',
      yaml: {
        'routes.yaml': routes('default', '[default, test-egress]'),
        'dr.yaml': dr('default'),
        'copy.yaml': dr('test-egress'),
      },
    },
    {
      name: 'a rule elsewhere that the route needs nothing from (no subset, no TLS)',
      yaml: {
        'routes.yaml': routes('default').replace(', subset: cnn', ''),
        'dr.yaml': `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: egressgateway-lb, namespace: team-a}
spec:
  host: ${GW_HOST}
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
`,
      },
    },
  ],
  invalid: [
    {
      name: 'seed 004: the rule is in default, the VirtualService serves every namespace',
      yaml: { 'dr.yaml': dr('default'), 'routes.yaml': routes('default') },
      findings: [
        {
          line: 5,
          column: 3,
          severity: 'warning',
          message: `DestinationRule default/egressgateway-for-cnn for ${GW_HOST} is on the lookup path of clients in default only, but VirtualService default/direct-cnn-through-egress-gateway sends clients in namespaces other than default (the repository shows no client there) to ${GW_HOST}; Istio looks in the client's namespace, then the service's (istio-system), then the root namespace (istio-system): move it to istio-system or export VirtualService default/direct-cnn-through-egress-gateway only to the namespaces that find it`,
        },
      ],
    },
    {
      name: 'a client the repository shows (a workload in test-egress) misses it: an error naming it',
      yaml: {
        'dr.yaml': dr('default'),
        'routes.yaml': routes('default'),
        'app.yaml': SLEEP('test-egress'),
      },
      findings: [
        {
          line: 5,
          column: 3,
          severity: 'error',
          message:
            /sends clients in test-egress \(and maybe others\) to .*: move it to istio-system, copy it into test-egress or export VirtualService/,
        },
      ],
    },
    {
      // The IstioOperator-style install puts only the egress gateway in istio-system: its pods have
      // no sidecar, so no sidecar client there misses the rule (istio.io egress-gateway tasks).
      name: 'the egress gateway alone in istio-system is no sidecar client: a warning only',
      yaml: {
        'dr.yaml': dr('default'),
        'routes.yaml': routes('default'),
        'gw.yaml': GATEWAY_INSTALL,
      },
      findings: [
        {
          file: 'dr.yaml',
          line: 5,
          column: 3,
          severity: 'warning',
          message:
            /sends clients in namespaces other than default \(the repository shows no client there\)/,
        },
      ],
    },
    {
      name: 'a sidecar workload beside the egress gateway in istio-system misses it: an error',
      yaml: {
        'dr.yaml': dr('default'),
        'routes.yaml': routes('default'),
        'gw.yaml': GATEWAY_INSTALL,
        'app.yaml': SLEEP('istio-system'),
      },
      findings: [
        {
          file: 'dr.yaml',
          line: 5,
          column: 3,
          severity: 'error',
          message: /sends clients in istio-system \(and maybe others\) to /,
        },
      ],
    },
    {
      // istio.io egress-gateway-tls-origination: NGINX runs in mesh-external, created without the
      // istio-injection label, so its pods have no sidecar and use no sidecar route.
      name: 'workloads of a Namespace shown without injection labels are no sidecar clients',
      yaml: {
        'dr.yaml': dr('default'),
        'routes.yaml': routes('default'),
        'app.yaml': meshExternal(''),
      },
      findings: [{ file: 'dr.yaml', line: 5, column: 3, severity: 'warning' }],
    },
    {
      name: 'the same Namespace labelled istio-injection=enabled: its workloads are clients, an error',
      yaml: {
        'dr.yaml': dr('default'),
        'routes.yaml': routes('default'),
        'app.yaml': meshExternal(', labels: {istio-injection: enabled}'),
      },
      findings: [
        {
          file: 'dr.yaml',
          line: 5,
          column: 3,
          severity: 'error',
          message: /sends clients in mesh-external \(and maybe others\) to /,
        },
      ],
    },
    {
      // Following the advice clears the error; only the namespaces nobody shows remain, as a warning.
      name: 'copied into the client namespace, as Istio advises: no error left',
      yaml: {
        'dr.yaml': dr('default'),
        'copy.yaml': dr('test-egress'),
        'routes.yaml': routes('default'),
        'app.yaml': SLEEP('test-egress'),
      },
      findings: [
        { file: 'copy.yaml', line: 5, column: 3, severity: 'warning' },
        { file: 'dr.yaml', line: 5, column: 3, severity: 'warning' },
      ],
    },
    {
      name: 'in the root namespace but not exported to the clients',
      yaml: {
        'dr.yaml': dr('istio-system', '[istio-system]'),
        'routes.yaml': routes('mytest', '["."]'),
      },
      findings: [
        {
          line: 8,
          column: 3,
          severity: 'warning',
          message:
            /^exportTo leaves out mytest \(the repository shows no client there\), whose proxies VirtualService mytest\/direct-cnn-through-egress-gateway sends to/,
        },
      ],
    },
    {
      name: 'TLS origination rule the egress gateway never finds',
      yaml: {
        'origination.yaml': `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: originate-tls, namespace: default}
spec:
  host: httpbin.org
  trafficPolicy:
    tls: {mode: SIMPLE}
`,
        'egress.yaml': `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin, namespace: istio-system}
spec:
  hosts: [httpbin.org]
  ports: [{number: 443, name: https, protocol: HTTPS}]
  resolution: DNS
---
${gatewayLegYaml('httpbin.org', 443, 'httpbin.org')}`,
      },
      findings: [
        {
          line: 3,
          column: 33,
          message:
            /^DestinationRule default\/originate-tls for httpbin.org is on the lookup path of clients in default only, but VirtualService istio-system\/httpbin sends clients in istio-system to httpbin.org/,
        },
      ],
    },
  ],
});
