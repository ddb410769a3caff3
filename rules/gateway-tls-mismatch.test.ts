import { describe, expect, it } from 'vitest';
import { runRule, testRule } from '../test/rule-tester.js';
import {
  egressGatewayYaml as gateway,
  egressGatewayYaml,
  egressPolicyYaml,
  GW_HOST,
  istioGatewayYaml,
  serverYaml,
  workloadYaml,
} from '../test/istio-fixtures.js';
import rule from './gateway-tls-mismatch.js';

const istioGateway = (podLabels: string): string =>
  istioGatewayYaml('egressgateway', `{${podLabels}}`);
const mtls = (hosts: string): string => serverYaml(80, 'HTTPS', hosts, 'ISTIO_MUTUAL');

/** Seed 003: sidecars send test.com to the gateway on port 80 (subset optional). */
const routes = (subset = ''): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: test-com, namespace: default}
spec:
  hosts: [test.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: egressgateway-vs, namespace: default}
spec:
  hosts: [test.com]
  exportTo: ["."]
  http:
  - route:
    - destination:
        host: ${GW_HOST}
        port: {number: 80}${subset ? `\n        subset: ${subset}` : ''}
`;

const dr = (tls: string): string => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: egressgateway, namespace: istio-system}
spec:
  host: ${GW_HOST}
  subsets:
  - name: test-com
    trafficPolicy:
      tls: {${tls}}
`;

testRule(rule, {
  valid: [
    {
      name: 'seed 003: auto mTLS, the server accepts any SNI',
      yaml: {
        'gw.yaml':
          istioGateway('security.istio.io/tlsMode: istio') + '---\n' + gateway(mtls("'*'")),
        'routes.yaml': routes(),
      },
    },
    {
      name: 'ISTIO_MUTUAL with an SNI among the server hosts',
      yaml: {
        'gw.yaml': gateway(mtls('test.com')),
        'routes.yaml': routes('test-com'),
        'dr.yaml': dr('mode: ISTIO_MUTUAL, sni: test.com'),
      },
    },
    {
      name: 'rendered from a policy',
      yaml: egressPolicyYaml(
        '[{namespace: mytest, workloadSelector: {app: sleep}}]',
        '{hosts: [www.alibabacloud.com], port: {name: tcp, number: 443, protocol: TCP}, byEgressGateway: {}}',
      ),
    },
  ],
  invalid: [
    {
      name: 'sni is none of the server hosts, for sidecars of a namespace with workloads: an error',
      yaml: {
        'dr.yaml': dr('mode: ISTIO_MUTUAL, sni: edition.cnn.com'),
        'gw.yaml': gateway(mtls('test.com')),
        'routes.yaml': routes('test-com'),
        'sleep.yaml': workloadYaml('default'),
      },
      findings: [{ line: 9, column: 33, file: 'dr.yaml', severity: 'error' }],
    },
    {
      name: 'sni is none of the server hosts (clients only where the repository shows none: a warning)',
      yaml: {
        'dr.yaml': dr('mode: ISTIO_MUTUAL, sni: edition.cnn.com'),
        'gw.yaml': gateway(mtls('test.com')),
        'routes.yaml': routes('test-com'),
      },
      findings: [
        {
          line: 9,
          column: 33,
          severity: 'warning',
          message:
            'sni edition.cnn.com matches no host of Gateway istio-system/egress server port 80 (tls.mode ISTIO_MUTUAL, hosts test.com): the gateway has no filter chain for it and closes the connection; use one of the server hosts',
        },
      ],
    },
    {
      name: 'auto mTLS sends outbound_.80_._.<host>, which only "*" accepts',
      yaml: {
        'routes.yaml': routes(),
        'gw.yaml':
          istioGateway('security.istio.io/tlsMode: istio') + '---\n' + gateway(mtls('test.com')),
      },
      findings: [
        {
          line: 18,
          column: 9,
          message: `sidecars in default send ISTIO_MUTUAL to egress gateway egressgateway port 80 with the SNI Istio derives, outbound_.80_._.${GW_HOST} (no sni set, auto mTLS), which matches no host of Gateway istio-system/egress server port 80 (tls.mode ISTIO_MUTUAL, hosts test.com): the gateway closes the connection; set sni to a server host in a DestinationRule for ${GW_HOST}, or give the server hosts "*"`,
        },
      ],
    },
    {
      name: 'gateway pods without the tlsMode label and no DestinationRule: plain text',
      yaml: {
        'routes.yaml': routes(),
        'gw.yaml': istioGateway('app: egress') + '---\n' + gateway(mtls("'*'")),
      },
      findings: [
        {
          line: 18,
          column: 9,
          message:
            /^sidecars in default send plain text to egress gateway egressgateway port 80: no DestinationRule on their lookup path sets ISTIO_MUTUAL/,
        },
      ],
    },
    {
      name: 'labelled gateway pods, but a mesh-wide PeerAuthentication DISABLE turns auto mTLS off',
      yaml: {
        'routes.yaml': routes(),
        'gw.yaml':
          istioGateway('security.istio.io/tlsMode: istio') + '---\n' + gateway(mtls("'*'")),
        'pa.yaml': `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec:
  mtls: {mode: DISABLE}
`,
      },
      findings: [
        {
          line: 18,
          column: 9,
          message:
            /^sidecars in default send plain text to egress gateway egressgateway port 80: no DestinationRule on their lookup path sets ISTIO_MUTUAL and PeerAuthentication istio-system\/default sets mtls.mode DISABLE, which turns auto mTLS off/,
        },
      ],
    },
    {
      name: 'tls.mode DISABLE toward an ISTIO_MUTUAL server',
      yaml: {
        'dr.yaml': dr('mode: DISABLE'),
        'gw.yaml': gateway(mtls("'*'")),
        'routes.yaml': routes('test-com'),
      },
      findings: [
        {
          line: 9,
          column: 13,
          message:
            /^tls.mode DISABLE toward egress gateway egressgateway port 80, but .* requires the mesh's mTLS/,
        },
      ],
    },
    {
      name: 'the reverse: ISTIO_MUTUAL toward a plain HTTP server',
      yaml: {
        'dr.yaml': dr('mode: ISTIO_MUTUAL'),
        'gw.yaml': gateway(serverYaml(80, 'HTTP', "'*'")),
        'routes.yaml': routes('test-com'),
      },
      findings: [
        {
          line: 9,
          column: 13,
          message:
            /^tls.mode ISTIO_MUTUAL toward egress gateway egressgateway port 80, but Gateway istio-system\/egress server port 80 \(no TLS, hosts \*\) does not terminate the mesh's mTLS/,
        },
      ],
    },
    {
      name: 'a plaintext server first on the port: Istio drops the ISTIO_MUTUAL server after it',
      yaml: {
        'dr.yaml': dr('mode: ISTIO_MUTUAL, sni: test.com'),
        'gw.yaml': gateway(serverYaml(80, 'HTTP', 'other.com') + mtls('test.com')),
        'routes.yaml': routes('test-com'),
      },
      findings: [
        {
          line: 9,
          column: 13,
          message:
            /^tls.mode ISTIO_MUTUAL toward egress gateway egressgateway port 80, but Gateway istio-system\/egress server port 80 \(no TLS, hosts other.com\) does not terminate the mesh's mTLS/,
        },
      ],
    },
    {
      name: 'the SNI selects a server that does not terminate the mesh mTLS (an exact host beats "*")',
      yaml: {
        'dr.yaml': dr('mode: ISTIO_MUTUAL, sni: test.com'),
        'gw.yaml': gateway(mtls("'*'") + serverYaml(80, 'TLS', 'test.com', 'PASSTHROUGH')),
        'routes.yaml': routes('test-com'),
      },
      findings: [
        {
          line: 9,
          column: 33,
          message:
            "sni test.com selects Gateway istio-system/egress server port 80 (tls.mode PASSTHROUGH, hosts test.com), which does not terminate the mesh's mTLS, so the handshake fails; use a host of Gateway istio-system/egress server port 80 (tls.mode ISTIO_MUTUAL, hosts *)",
        },
      ],
    },
    {
      name: 'two Gateways on the same pods, a plaintext and an ISTIO_MUTUAL server on one port: only a warning, creation order decides which comes first',
      yaml: {
        'dr.yaml': dr('mode: ISTIO_MUTUAL, sni: test.com'),
        'gw.yaml':
          gateway(serverYaml(80, 'HTTP', 'other.com'), 'egress-a') +
          '---\n' +
          gateway(mtls('test.com'), 'egress-b'),
        'routes.yaml': routes('test-com'),
        'sleep.yaml': workloadYaml('default'),
      },
      findings: [
        {
          line: 9,
          column: 13,
          severity: 'warning',
          message:
            /does not terminate the mesh's mTLS, so the connection fails; make the server ISTIO_MUTUAL or drop TLS here \(only in some creation orders: it depends on which of Gateway istio-system\/egress-a and Gateway istio-system\/egress-b Istio created first, which the repository cannot show\)$/,
        },
      ],
    },
    {
      name: 'two merged DestinationRules with a top-level TLS policy each: the oldest one applies, so only a warning',
      yaml: {
        'dr.yaml': `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: a-mtls, namespace: istio-system}
spec:
  host: ${GW_HOST}
  trafficPolicy: {tls: {mode: ISTIO_MUTUAL, sni: test.com}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: b-plain, namespace: istio-system}
spec:
  host: ${GW_HOST}
  trafficPolicy: {tls: {mode: DISABLE}}
`,
        'gw.yaml': gateway(mtls('test.com')),
        'routes.yaml': routes(),
        'sleep.yaml': workloadYaml('default'),
      },
      findings: [
        {
          file: 'dr.yaml',
          line: 13,
          column: 25,
          severity: 'warning',
          message:
            /^tls.mode DISABLE toward egress gateway egressgateway port 80, but .* requires the mesh's mTLS: the handshake fails; use ISTIO_MUTUAL \(only in some creation orders: it depends on which of DestinationRule istio-system\/a-mtls and DestinationRule istio-system\/b-plain Istio created first/,
        },
      ],
    },
  ],
});

describe('rule gateway-tls-mismatch, clients of many gateways in turn', () => {
  // The rule keeps the servers of the last few gateway workloads only: clients of more gateways than
  // that, in turn and twice over, must each be judged by their own gateway's servers.
  const count = 20;
  const name = (i: number): string => `gw-${i}`;
  const gateways = Array.from({ length: count }, (_, i) =>
    [
      istioGatewayYaml(name(i), '{security.istio.io/tlsMode: istio}'),
      egressGatewayYaml(mtls('test.com'), name(i)).replace(
        '{istio: egressgateway}',
        `{istio: ${name(i)}}`,
      ),
    ].join('---\n'),
  ).join('---\n');
  const route = (i: number, pass: number): string => `  - match: [{uri: {prefix: /${pass}/${i}}}]
    route:
    - destination: {host: istio-${name(i)}.istio-system.svc.cluster.local, port: {number: 80}}
`;
  const routesInTurn = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: in-turn, namespace: default}
spec:
  hosts: [test.com]
  exportTo: ["."]
  http:
${[0, 1].map((pass) => Array.from({ length: count }, (_, i) => route(i, pass)).join('')).join('')}`;

  it('names for each route the gateway it sends to', () => {
    const found = runRule(rule, {
      name: 'in turn',
      yaml: { 'gw.yaml': gateways, 'routes.yaml': routes() + '---\n' + routesInTurn },
    }).filter((f) => f.file === 'routes.yaml' && f.line > 20);
    expect(found).toHaveLength(2 * count);
    found.forEach((f, n) =>
      expect(f.message).toContain(`Gateway istio-system/${name(n % count)} server port 80`),
    );
  });
});
