import { testRule } from '../test/rule-tester.js';
import {
  egressGatewayYaml as gateway,
  gatewayAuthzYaml,
  GW_HOST,
  istioGatewayYaml,
  MTLS_SERVER as mtls,
  serverYaml,
  workloadYaml,
} from '../test/istio-fixtures.js';
import rule from './authz-identity-without-mtls.js';

const passthrough = serverYaml(443, 'TLS', 'edition.cnn.com', 'PASSTHROUGH');
const plain = serverYaml(8080, 'HTTP', "'*'");

const authz = (action: string, source: string, ports?: string): string =>
  gatewayAuthzYaml(
    action,
    `  - from:\n    - source:\n        ${source}\n${ports ? `    to:\n    - operation:\n        ports: ["${ports}"]\n` : ''}`,
  );

/**
 * An OPTIONAL_MUTUAL server (Istio's PERMISSIVE for a gateway) on the declared egressgateway, whose
 * pods carry the tlsMode label, and a sidecar route from mytest to it with no TLS set: auto mTLS
 * decides, unless PeerAuthentication (mode `peerMode`, mesh-wide) turns it off.
 */
const permissive = (peerMode?: string, clientShown = true): Record<string, string> => ({
  'gateway.yaml': gateway(serverYaml(80, 'HTTPS', "'*'", 'OPTIONAL_MUTUAL')),
  'istio-gateway.yaml': istioGatewayYaml(),
  'route.yaml': `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: mytest}
spec:
  hosts: [httpbin.org]
  exportTo: ["."]
  http:
  - route:
    - destination: {host: ${GW_HOST}, port: {number: 80}}
`,
  ...(peerMode
    ? {
        'peer.yaml': `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec:
  mtls: {mode: ${peerMode}}
`,
      }
    : {}),
  ...(clientShown ? { 'sleep.yaml': workloadYaml('mytest') } : {}),
});
const principal = (action: string) =>
  authz(action, 'principals: [cluster.local/ns/mytest/sa/sleep]');
const OPTIONAL =
  /^`principals` needs the client's mTLS identity, which the gateway does not get on port 80 \(HTTPS, OPTIONAL_MUTUAL\) of egress gateway egressgateway: client certificates optional, and sidecars in mytest send none; /;

testRule(rule, {
  valid: [
    {
      name: 'OPTIONAL_MUTUAL, PeerAuthentication STRICT: auto mTLS gives the gateway the identity (ALLOW)',
      yaml: { 'authz.yaml': principal('ALLOW'), ...permissive('STRICT') },
    },
    {
      name: 'OPTIONAL_MUTUAL, PeerAuthentication PERMISSIVE: auto mTLS still sends ISTIO_MUTUAL (DENY)',
      yaml: { 'authz.yaml': principal('DENY'), ...permissive('PERMISSIVE') },
    },
    {
      name: 'OPTIONAL_MUTUAL without PeerAuthentication: auto mTLS to labelled gateway pods',
      yaml: { 'authz.yaml': principal('ALLOW'), ...permissive() },
    },
    {
      name: 'seed 002: DENY by namespace on an ISTIO_MUTUAL server',
      yaml: {
        'gateway.yaml': gateway(mtls),
        'authz.yaml': authz('DENY', 'namespaces: [demo-frontend]'),
      },
    },
    {
      name: 'principals limited to the mTLS port',
      yaml: {
        'gateway.yaml': gateway(mtls + plain),
        'authz.yaml': authz('ALLOW', 'principals: [cluster.local/ns/default/sa/sleep]', '80'),
      },
    },
    {
      name: 'source IPs need no identity',
      yaml: {
        'gateway.yaml': gateway(passthrough),
        'authz.yaml': authz('DENY', 'ipBlocks: [10.0.0.0/8]'),
      },
    },
  ],
  invalid: [
    {
      name: 'OPTIONAL_MUTUAL, PeerAuthentication DISABLE, a client shown in mytest: ALLOW denies it (error)',
      yaml: { 'authz.yaml': principal('ALLOW'), ...permissive('DISABLE') },
      findings: [
        {
          line: 14,
          column: 9,
          severity: 'error',
          message: new RegExp(
            `${OPTIONAL.source}this ALLOW rule never matches there, so those requests are denied$`,
          ),
        },
      ],
    },
    {
      name: 'OPTIONAL_MUTUAL, PeerAuthentication DISABLE, a client shown: DENY lets it through (error)',
      yaml: { 'authz.yaml': principal('DENY'), ...permissive('DISABLE') },
      findings: [
        {
          line: 14,
          column: 9,
          severity: 'error',
          message: new RegExp(`${OPTIONAL.source}this DENY rule never matches there`),
        },
      ],
    },
    {
      name: 'OPTIONAL_MUTUAL, PeerAuthentication DISABLE, no client shown in mytest: a warning (ALLOW)',
      yaml: { 'authz.yaml': principal('ALLOW'), ...permissive('DISABLE', false) },
      findings: [{ line: 14, column: 9, severity: 'warning', message: OPTIONAL }],
    },
    {
      name: 'OPTIONAL_MUTUAL, PeerAuthentication DISABLE, no client shown in mytest: a warning (DENY)',
      yaml: { 'authz.yaml': principal('DENY'), ...permissive('DISABLE', false) },
      findings: [{ line: 14, column: 9, severity: 'warning', message: OPTIONAL }],
    },
    {
      name: 'OPTIONAL_MUTUAL, gateway pods not known to carry the tlsMode label: whether auto mTLS applies is unknown, a warning',
      yaml: (() => {
        const { 'istio-gateway.yaml': _declared, ...rest } = permissive();
        return { 'authz.yaml': principal('ALLOW'), ...rest };
      })(),
      findings: [
        {
          line: 14,
          column: 9,
          severity: 'warning',
          message: /client certificates optional, and sidecars in mytest may send none; /,
        },
      ],
    },
    {
      name: 'DENY by namespace on a PASSTHROUGH server denies nothing',
      yaml: {
        'authz.yaml': authz('DENY', 'namespaces: [demo-frontend]'),
        'gateway.yaml': gateway(passthrough),
      },
      findings: [
        {
          line: 14,
          column: 9,
          message:
            "`namespaces` needs the client's mTLS identity, which the gateway does not get on port 443 (TLS, passed through) of egress gateway egressgateway: TLS passed through, not terminated; this DENY rule never matches there, so it denies nothing on that port",
        },
      ],
    },
    {
      name: 'ALLOW by principal on a plain-text port denies everyone there',
      yaml: {
        'authz.yaml': authz('ALLOW', 'principals: [cluster.local/ns/default/sa/sleep]'),
        'gateway.yaml': gateway(mtls + plain),
      },
      findings: [
        {
          line: 14,
          column: 9,
          message:
            /on port 8080 \(HTTP\) of egress gateway egressgateway: plain text; this ALLOW rule never matches there, so those requests are denied$/,
        },
      ],
    },
  ],
});
