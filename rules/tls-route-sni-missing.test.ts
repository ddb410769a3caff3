import { GW_HOST, workloadYaml } from '../test/istio-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule from './tls-route-sni-missing.js';

const serviceEntry = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: cnn, namespace: default}
spec:
  hosts: [edition.cnn.com]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
`;

const gateway = (mode: string): string => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: istio-egressgateway, namespace: default}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [edition.cnn.com]
    tls: {mode: ${mode}}
`;

/** Seed 004, HTTPS section, with the legs given as arguments. */
const vs = (legs: string): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: direct-cnn-through-egress-gateway, namespace: default}
spec:
  hosts: [edition.cnn.com]
  gateways: [mesh, istio-egressgateway]
${legs}`;

const sidecarTls = (sni = '[edition.cnn.com]'): string => `  tls:
  - match:
    - gateways: [mesh]
      port: 443
      sniHosts: ${sni}
    route:
    - destination: {host: ${GW_HOST}, port: {number: 443}}
`;
const gatewayTcp = `  tcp:
  - match:
    - gateways: [istio-egressgateway]
      port: 443
    route:
    - destination: {host: edition.cnn.com, port: {number: 443}}
`;
const gatewayTls = `  - match:
    - gateways: [istio-egressgateway]
      port: 443
      sniHosts: [edition.cnn.com]
    route:
    - destination: {host: edition.cnn.com, port: {number: 443}}
`;

/** A ServiceEntry for TLS on 443 and a sidecar tcp route on 443 for `host`, all in default. */
/** An http route on port 443 for edition.cnn.com on the sidecars, tcp on the gateway. */
const httpOn443 = vs(
  `  http:\n  - match:\n    - gateways: [mesh]\n      port: 443\n    route:\n    - destination: {host: ${GW_HOST}, port: {number: 443}}\n` +
    gatewayTcp,
);

/**
 * Two entries for edition.cnn.com: TLS on 443 in default (beside the VirtualService), HTTP on 443 in
 * team-a. A sidecar takes its own namespace's entry, else the oldest (sidecar.go selectServices).
 */
const disagreeing: Record<string, string> = {
  'vs.yaml': httpOn443,
  'se.yaml':
    serviceEntry +
    '---\n' +
    serviceEntry
      .replace('name: cnn,', 'name: cnn-http,')
      .replace('namespace: default', 'namespace: team-a')
      .replace(
        '{number: 443, name: tls, protocol: TLS}',
        '{number: 443, name: http, protocol: HTTP}',
      ),
  'gw.yaml': gateway('ISTIO_MUTUAL'),
};

/** httpOn443 exported to `namespace` only. */
const onlyFor = (namespace: string): string =>
  httpOn443.replace(
    '  hosts: [edition.cnn.com]\n',
    `  hosts: [edition.cnn.com]\n  exportTo: [${namespace}]\n`,
  );

const tcpOnTlsPort = (seHost: string, vsHost: string): Record<string, string> => ({
  'se.yaml': serviceEntry.replace('[edition.cnn.com]', `[${seHost}]`),
  'vs.yaml': `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: legacy, namespace: default}
spec:
  hosts: [${vsHost}]
  tcp:
  - match: [{port: 443}]
    route: [{destination: {host: ${vsHost}}}]
`,
});

testRule(rule, {
  valid: [
    {
      name: 'seed 004 (mTLS): tls on the sidecar, tcp after the gateway terminates mTLS',
      yaml: {
        'se.yaml': serviceEntry,
        'gw.yaml': gateway('ISTIO_MUTUAL'),
        'vs.yaml': vs(sidecarTls() + gatewayTcp),
      },
    },
    {
      name: 'seed 004 (no mTLS): tls on both legs through a PASSTHROUGH server',
      yaml: {
        'se.yaml': serviceEntry,
        'gw.yaml': gateway('PASSTHROUGH'),
        'vs.yaml': vs(sidecarTls() + gatewayTls),
      },
    },
    {
      name: 'a short VirtualService host is the Service in its namespace, not a ServiceEntry host written short',
      yaml: tcpOnTlsPort('legacy', 'legacy'),
    },
    {
      name: 'entries disagree on TLS only where no client of the route is: team-a prefers its own HTTP entry',
      yaml: { ...disagreeing, 'vs.yaml': onlyFor('team-a'), 'sleep.yaml': workloadYaml('team-a') },
    },
  ],
  invalid: [
    {
      name: 'a short VirtualService host finds the ServiceEntry of its resolved name',
      yaml: tcpOnTlsPort('legacy.default.svc.cluster.local', 'legacy'),
      findings: [{ line: 7, column: 14, file: 'vs.yaml', message: /^port 443 of legacy is TLS/ }],
    },
    {
      name: 'entries disagree on TLS, but default prefers its own TLS entry and runs a client: an error',
      yaml: { ...disagreeing, 'sleep.yaml': workloadYaml('default') },
      findings: [
        {
          line: 10,
          column: 7,
          severity: 'error',
          message: /^port 443 of edition.cnn.com is TLS, .* \(sidecars in default\)$/,
        },
      ],
    },
    {
      name: 'the same with no client shown in default: a warning saying so',
      yaml: disagreeing,
      findings: [
        {
          line: 10,
          column: 7,
          severity: 'warning',
          message: /\(sidecars in default, where the repository shows no client\)$/,
        },
      ],
    },
    {
      name: 'clients in app see both entries, neither their own: creation order decides, a warning naming the entries',
      yaml: { ...disagreeing, 'vs.yaml': onlyFor('app'), 'sleep.yaml': workloadYaml('app') },
      findings: [
        {
          line: 11,
          column: 7,
          severity: 'warning',
          message:
            /\(sidecars in app, if ServiceEntry default\/cnn is the oldest of ServiceEntry default\/cnn and ServiceEntry team-a\/cnn-http: a proxy keeps one entry for a host, the oldest, and which was created first the repository cannot show\)$/,
        },
      ],
    },
    {
      name: 'empty sniHosts',
      yaml: {
        'vs.yaml': vs(sidecarTls('[]') + gatewayTcp),
        'se.yaml': serviceEntry,
        'gw.yaml': gateway('ISTIO_MUTUAL'),
      },
      findings: [
        {
          line: 11,
          column: 7,
          message:
            'sniHosts is empty: Istio rejects a TLS match without SNI hosts; list the hosts this route is for',
        },
      ],
    },
    {
      name: 'an SNI host outside the VirtualService hosts',
      yaml: {
        'vs.yaml': vs(sidecarTls('[cnn.com]') + gatewayTcp),
        'se.yaml': serviceEntry,
        'gw.yaml': gateway('ISTIO_MUTUAL'),
      },
      findings: [
        {
          line: 11,
          column: 18,
          message:
            'cnn.com is not within the VirtualService hosts (edition.cnn.com): Istio rejects the VirtualService; SNI hosts must be among them',
        },
      ],
    },
    {
      name: 'HTTPS the application opens, routed under http on the sidecar',
      yaml: {
        'vs.yaml': httpOn443,
        'se.yaml': serviceEntry,
        'gw.yaml': gateway('ISTIO_MUTUAL'),
        'sleep.yaml': workloadYaml('default'),
      },
      findings: [
        {
          line: 10,
          column: 7,
          severity: 'error',
          message:
            /^port 443 of edition.cnn.com is TLS, TLS the application opens itself: sidecars route it only by SNI with tls routes and ignore this http route/,
        },
      ],
    },
    {
      name: 'tcp route on a PASSTHROUGH server',
      yaml: {
        'vs.yaml': vs(sidecarTls() + gatewayTcp),
        'se.yaml': serviceEntry,
        'gw.yaml': gateway('PASSTHROUGH'),
      },
      findings: [
        {
          line: 17,
          column: 7,
          message:
            /passes TLS through: Istio routes it only by SNI with tls routes, so this tcp route never applies there/,
        },
      ],
    },
    {
      name: 'tls route on a server that terminates TLS',
      yaml: {
        'vs.yaml': vs(sidecarTls() + gatewayTls),
        'se.yaml': serviceEntry,
        'gw.yaml': gateway('ISTIO_MUTUAL'),
      },
      findings: [
        {
          line: 16,
          column: 7,
          message:
            /terminates TLS and routes what it decrypts with tcp routes \(the server is not HTTPS\): this tls route never applies there; tls routes apply only to PASSTHROUGH servers$/,
        },
      ],
    },
  ],
});
