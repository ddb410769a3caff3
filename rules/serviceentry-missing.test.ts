import { testRule } from '../test/rule-tester.js';
import { gatewayLegYaml, workloadYaml } from '../test/istio-fixtures.js';
import rule from './serviceentry-missing.js';

const serviceEntry = (
  hosts: string,
  port = 80,
  exportTo = '',
): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external, namespace: istio-system}
spec:
  hosts: [${hosts}]
${exportTo}  ports: [{number: ${port}, name: http, protocol: HTTP}]
  resolution: DNS
`;

const egress = gatewayLegYaml('httpbin.org', 80);

const sidecarOnly = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: mytest}
spec:
  hosts: [httpbin.org]
  tls:
  - match:
    - port: 443
      sniHosts: [httpbin.org]
    route:
    - destination: {host: httpbin.org, port: {number: 443}}
`;

/** HTTP to an external host no ServiceEntry registers, routed by a VirtualService kept with routing config. */
const unregisteredRoute = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: routing}
spec:
  hosts: [httpbin.org]
  http:
  - route:
    - destination: {host: httpbin.org}
`;

/** A Kubernetes ExternalName Service app/my-httpbin naming `target` (an alias since Istio 1.21). */
const externalName = (target: string): string => `apiVersion: v1
kind: Service
metadata: {name: my-httpbin, namespace: app}
spec:
  type: ExternalName
  externalName: ${target}
  ports: [{name: http, port: 80}]
`;

/** A second ExternalName Service, app/second, naming `target`: my-httpbin -> second -> target is a chain. */
const secondAlias = (target: string): string => `apiVersion: v1
kind: Service
metadata: {name: second, namespace: app}
spec:
  type: ExternalName
  externalName: ${target}
  ports: [{name: http, port: 80}]
`;

/** A sidecar route in app, for httpbin.org (registered there), to the ExternalName Service; its host on line 16. */
const routeToAlias = `${serviceEntry('httpbin.org').replace('namespace: istio-system', 'namespace: app')}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: app}
spec:
  hosts: [httpbin.org]
  http:
  - route:
    - destination: {host: my-httpbin, port: {number: 80}}
`;
const ALIAS_ROUTE_LINE = 16;

/** routeToAlias with these Services and a client in app: one error on the route's host. */
const aliasRouteError = (name: string, services: string, message: string | RegExp) => ({
  name,
  yaml: { 'vs.yaml': routeToAlias, 'svc.yaml': services, 'sleep.yaml': workloadYaml('app') },
  findings: [{ line: ALIAS_ROUTE_LINE, column: 21, severity: 'error' as const, message }],
});

const aliasOff = `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: istio, namespace: istio-system}
spec:
  values: {pilot: {env: {ENABLE_EXTERNAL_NAME_ALIAS: "false"}}}
`;

testRule(rule, {
  valid: [
    {
      name: 'a route to an ExternalName alias whose named host is registered',
      yaml: { 'vs.yaml': routeToAlias, 'svc.yaml': externalName('httpbin.org') },
    },
    {
      name: 'ENABLE_EXTERNAL_NAME_ALIAS=false: the ExternalName Service is a service of its own',
      yaml: {
        'vs.yaml': routeToAlias,
        'svc.yaml': externalName('example.com'),
        'istio.yaml': aliasOff,
        'sleep.yaml': workloadYaml('app'),
      },
    },
    {
      name: 'the gateway sends to a registered host and port',
      yaml: { 'se.yaml': serviceEntry('httpbin.org'), 'egress.yaml': egress },
    },
    {
      name: 'a sidecar VirtualService for a registered host',
      yaml: { 'se.yaml': serviceEntry('httpbin.org', 443), 'vs.yaml': sidecarOnly },
    },
    {
      name: 'in-cluster hosts need no ServiceEntry',
      yaml: sidecarOnly.replaceAll('httpbin.org', 'reviews.bookinfo.svc.cluster.local'),
    },
  ],
  invalid: [
    {
      name: 'a route to an ExternalName alias whose named host is not registered, clients shown: an error',
      yaml: {
        'vs.yaml': routeToAlias,
        'svc.yaml': externalName('example.com'),
        'sleep.yaml': workloadYaml('app'),
      },
      config: 'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n',
      findings: [
        {
          line: ALIAS_ROUTE_LINE,
          column: 21,
          severity: 'error',
          message:
            'Service app/my-httpbin is type ExternalName, so Istio routes my-httpbin.app.svc.cluster.local to the cluster of example.com (ENABLE_EXTERNAL_NAME_ALIAS, on since Istio 1.21), and no ServiceEntry with host example.com is visible to sidecars in app: requests get 503 (no healthy upstream); add one for example.com (resolution DNS) exported to them',
        },
      ],
    },
    {
      name: 'the same alias route with no client shown in app: a warning',
      yaml: { 'vs.yaml': routeToAlias, 'svc.yaml': externalName('example.com') },
      findings: [
        {
          line: ALIAS_ROUTE_LINE,
          column: 21,
          severity: 'warning',
          // Only hypothetical clients: all of them are named.
          message: /is visible to sidecars in every namespace: requests get 503/,
        },
      ],
    },
    aliasRouteError(
      'a route to an ExternalName Service in a loop of aliases (it names itself)',
      externalName('my-httpbin.app.svc.cluster.local'),
      /^Service app\/my-httpbin is type ExternalName, so Istio routes my-httpbin.app.svc.cluster.local to the cluster of my-httpbin.app.svc.cluster.local, and Service app\/my-httpbin makes that an ExternalName alias too: a route follows one alias only .* sidecars in app have none: requests get 503/,
    ),
    // route.go GetDestinationCluster follows one alias; a request for the alias would reach httpbin.org.
    aliasRouteError(
      'a route to an alias of an alias of a registered host: no cluster, an error',
      `${externalName('second.app.svc.cluster.local')}---\n${secondAlias('httpbin.org')}`,
      'Service app/my-httpbin is type ExternalName, so Istio routes my-httpbin.app.svc.cluster.local to the cluster of second.app.svc.cluster.local, and Service app/second makes that an ExternalName alias too: a route follows one alias only (route.go GetDestinationCluster) and Istio builds no cluster for an alias, so sidecars in app have none: requests get 503 (no healthy upstream); point the route (or Service app/my-httpbin) at the host the chain ends at',
    ),
    {
      name: 'the gateway sends to a host no ServiceEntry registers',
      // Istio takes a wildcard host only without DNS resolution (or with endpoints).
      yaml: {
        'egress.yaml': egress,
        'se.yaml': serviceEntry("'*.httpbin.org'").replace(
          'resolution: DNS',
          'resolution: DYNAMIC_DNS',
        ),
      },
      findings: [
        {
          line: 19,
          column: 21,
          message:
            'no ServiceEntry with host httpbin.org is visible to the gateway (istio-system/egress, pods in istio-system), so Istio has no service to send this route to: requests get 503 (no healthy upstream); add one (resolution DNS) exported to them',
        },
      ],
    },
    {
      name: 'the port is not in the ServiceEntry',
      yaml: { 'egress.yaml': egress, 'se.yaml': serviceEntry('httpbin.org', 443) },
      findings: [
        {
          line: 19,
          column: 47,
          message:
            /^ServiceEntry istio-system\/external for httpbin.org has no port 80, which this route sends the gateway/,
        },
      ],
    },
    {
      name: 'a route to an unregistered host seen only by namespaces the repository shows no client in: a warning',
      yaml: unregisteredRoute,
      findings: [
        {
          line: 8,
          column: 21,
          severity: 'warning',
          message:
            /^no ServiceEntry with host httpbin.org is visible to sidecars in every namespace, so Istio has no service/,
        },
      ],
    },
    {
      name: 'the same route with workloads in a namespace that sees it: an error',
      yaml: { 'vs.yaml': unregisteredRoute, 'sleep.yaml': workloadYaml('mytest') },
      findings: [{ line: 8, column: 21, file: 'vs.yaml', severity: 'error' }],
    },
    {
      name: 'sidecars of a namespace with workloads ignore a VirtualService for an unregistered host: an error',
      yaml: {
        'vs.yaml': sidecarOnly.replace('spec:\n', 'spec:\n  exportTo: ["."]\n'),
        'se.yaml': serviceEntry('httpbin.org', 80, '  exportTo: ["."]\n'),
        'sleep.yaml': workloadYaml('mytest'),
      },
      config: 'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n',
      findings: [{ line: 6, column: 11, file: 'vs.yaml', severity: 'error' }],
    },
    {
      name: 'sidecars ignore a VirtualService for an unregistered host (no client shown there: a warning)',
      yaml: {
        'vs.yaml': sidecarOnly.replace('spec:\n', 'spec:\n  exportTo: ["."]\n'),
        'se.yaml': serviceEntry('httpbin.org', 80, '  exportTo: ["."]\n'),
      },
      config: 'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n',
      findings: [
        {
          line: 6,
          column: 11,
          severity: 'warning',
          message:
            'no ServiceEntry registers httpbin.org for the namespaces that see this VirtualService, so sidecars ignore its route tls[0] (for an unregistered host Istio keeps only HTTP routes on port 80): under REGISTRY_ONLY the traffic is dropped (502 for HTTP, connection refused otherwise); add a ServiceEntry for httpbin.org',
        },
      ],
    },
  ],
});
