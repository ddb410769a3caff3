/**
 * Two policies on one egress gateway, both admitting the same client namespace: each renders a
 * DestinationRule for the gateway host, and Istio merges them only when their exportTo is the same.
 * The renderer exports them alike, so both policies' subsets reach the client.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/project-config.js';
import { lint } from '../../src/lint/engine.js';
import { RULES } from '../../rules/index.js';
import {
  RENAME_ASM_GATEWAY,
  analyzeFixture,
  decisionText,
  httpEntry,
  simulatorFor,
} from './helpers.js';

const second = `apiVersion: istio.alibabacloud.com/v1
kind: ASMEgressTrafficPolicy
metadata:
  name: team-b-egress
  namespace: istio-egress
spec:
  byEgressGateway:
    name: egressgateway
  egressRules:
  - from:
    - namespace: mytest
      workloadSelector:
        app: sleep-a
    - namespace: other
    to:
    - name: example
      hosts: [api.example.com]
      port: {name: http, number: 80, protocol: HTTP}
      byEgressGateway: {port: 80}
`;

describe('several policies on one gateway', () => {
  const analysis = analyzeFixture('asm-http', {
    corrections: [RENAME_ASM_GATEWAY],
    extra: { 'team-b.yaml': second },
  });

  it('export every gateway-host DestinationRule to the same namespaces', () => {
    const exportTos = analysis.render.resources
      .filter((r) => r.kind === 'DestinationRule' && r.name.endsWith('-gateway'))
      .map((r) => (r.body.spec as { exportTo: string[] }).exportTo);
    expect(exportTos).toEqual([
      ['istio-system', 'mytest', 'other'],
      ['istio-system', 'mytest', 'other'],
    ]);
  });

  it('leave both policies routable from the shared namespace', () => {
    const explain = simulatorFor(analysis);
    expect(explain('mytest/app=sleep-a', 'http://httpbin.org').verdict).toBe('allowed-via-gateway');
    expect(explain('mytest/app=sleep-a', 'http://api.example.com').verdict).toBe(
      'allowed-via-gateway',
    );
    expect(explain('other', 'http://api.example.com').verdict).toBe('allowed-via-gateway');
  });

  it('give lint nothing to say about missing subsets', () => {
    const ids = lint(
      analysis,
      { ...DEFAULT_CONFIG, mesh: analysis.configSet.defaults },
      RULES,
    ).findings.map((f) => f.ruleId);
    expect(ids).not.toContain('dr-subset-missing');
  });
});

/**
 * The istio.io egress-gateway HTTP task's Gateway for edition.cnn.com, plus a second Gateway on the
 * same pods and port for httpbin.org with its own VirtualService: Istio merges every plaintext HTTP
 * server on a port into one route table (pilot/pkg/model/gateway.go MergeGateways, `http.80`).
 */
const httpbinGateway = `${httpEntry('httpbin', 'default')}apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: httpbin-egressgateway, namespace: default}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [httpbin.org]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin-through-egress-gateway, namespace: default}
spec:
  hosts: [httpbin.org]
  gateways: [httpbin-egressgateway, mesh]
  http:
  - match: [{gateways: [mesh], port: 80}]
    route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, subset: cnn, port: {number: 80}}}]
  - match: [{gateways: [httpbin-egressgateway], port: 80}]
    route: [{destination: {host: httpbin.org, port: {number: 80}}}]
`;

describe('two hand-written Gateways with plaintext HTTP servers on one port of the same pods', () => {
  it('route the hosts of both: one route table per port', () => {
    const explain = simulatorFor(
      analyzeFixture('../istio-tasks/egress-gateway/http', {
        extra: { 'httpbin.yaml': httpbinGateway },
      }),
    );
    for (const url of ['http://edition.cnn.com/politics', 'http://httpbin.org/get']) {
      const e = explain('default/app=sleep', url);
      expect(e.verdict, `${url}: ${e.reason}`).toBe('allowed-via-gateway');
      expect(e.upstream, url).toMatchObject({ host: new URL(url).hostname, by: 'egress-gateway' });
    }
  });
});

/** A third Gateway on those pods and port, for every `.org` host, whose VirtualService refuses. */
const refusingGateway = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: refuse-org, namespace: default}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*.org"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: refuse-org, namespace: default}
spec:
  hosts: ["*.org"]
  gateways: [refuse-org]
  http:
  - directResponse: {status: 403}
`;

describe('plaintext HTTP servers of two Gateways whose hosts overlap (gateway.go buildGatewayHTTPRouteConfig)', () => {
  const explainWith = (refusing: string) =>
    simulatorFor(
      analyzeFixture('../istio-tasks/egress-gateway/http', {
        extra: { 'httpbin.yaml': httpbinGateway, 'refuse.yaml': refusing },
      }),
    );

  // One virtual host per domain (vHostDedupMap): httpbin.org from one Gateway, *.org from the other.
  it('a host one Gateway names and the other covers by a wildcard: Envoy takes the exact virtual host, whatever the order', () => {
    const e = explainWith(refusingGateway)('default/app=sleep', 'http://httpbin.org/get');
    expect(e.verdict, e.reason).toBe('allowed-via-gateway');
    expect(e.upstream).toMatchObject({ host: 'httpbin.org', by: 'egress-gateway' });
    expect(decisionText(e)).toContain(
      "of the gateway's virtual hosts for Host httpbin.org on port 80 (httpbin.org, *.org), Envoy takes the most specific, httpbin.org: the routes of the others do not apply",
    );
  });

  // The wildcard server takes the VirtualService's httpbin.org: one virtual host, routes appended
  // server by server, the oldest Gateway's first.
  it("a virtual host both Gateways' VirtualServices make: creation order decides", () => {
    const e = explainWith(
      refusingGateway.replace('hosts: ["*.org"]\n  gateways', 'hosts: [httpbin.org]\n  gateways'),
    )('default/app=sleep', 'http://httpbin.org/get');
    expect(e.verdict, e.reason).toBe('undetermined');
    expect(e.missing).toBe(
      'which of Gateway default/httpbin-egressgateway and Gateway default/refuse-org Istio created first',
    );
    expect(e.reason).toMatch(
      /oldest with Gateway default\/httpbin-egressgateway: allowed-via-gateway/,
    );
    expect(e.reason).toMatch(/oldest with Gateway default\/refuse-org: blocked-unregistered/);
  });

  it('a host only one of them serves: the same answer whichever is older', () => {
    const e = explainWith(refusingGateway)('default/app=sleep', 'http://edition.cnn.com/politics');
    expect(e.verdict, e.reason).toBe('allowed-via-gateway');
  });
});

describe('a Gateway API Gateway named like an IstioGateway', () => {
  // Both are istio-system/egressgateway; the Gateway API one is not modelled (it names addresses).
  const namesake = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: egressgateway, namespace: istio-system}
spec:
  gatewayClassName: istio
  addresses: [{value: 10.0.0.9}]
  listeners: [{name: http, port: 80, protocol: HTTP}]
`;

  it('leaves requests through the IstioGateway modelled', () => {
    const explain = simulatorFor(
      analyzeFixture('asm-http', {
        corrections: [RENAME_ASM_GATEWAY],
        extra: { 'namesake.yaml': namesake },
      }),
    );
    const e = explain('mytest/app=sleep-a', 'http://httpbin.org');
    expect(e.verdict, e.reason).toBe('allowed-via-gateway');
  });
});
