/**
 * Seeds 000/001 (ASMEgressTrafficPolicy walkthroughs): every stated result, for both workloads
 * (mytest/app=sleep-a and default/app=nginx), before each policy, with it, and after it is deleted.
 *
 * The walkthroughs presuppose a working setup; the fixtures are faithful to the seed, mistakes
 * included. The walkthrough tests therefore apply the minimal correction the walkthrough implies
 * (RENAME_ASM_GATEWAY); the last block shows what the simulator says for the fixtures as written.
 */
import { describe, expect, it } from 'vitest';
import {
  decisionText,
  fixtureSimulator,
  RENAME_ASM_GATEWAY,
  type Correction,
  type Explain,
} from './helpers.js';

const SLEEP_A = 'mytest/app=sleep-a';
const NGINX = 'default/app=nginx';
const POLICY = 'egress-by-egressgateway.yaml';

const HTTP_502 = /^HTTP 502/;
const REFUSED = /^connection refused/;
const OK_200 = /e\.g\. 200/;

/** The pair of results the seeds state for a workload that may not reach a host: HTTP 502, HTTPS refused. */
function expectBlocked(explain: Explain, from: string, host: string): void {
  expect(explain(from, `http://${host}`)).toMatchObject({
    verdict: 'blocked-unregistered',
    expected: expect.stringMatching(HTTP_502),
  });
  expect(explain(from, `https://${host}`)).toMatchObject({
    verdict: 'blocked-unregistered',
    expected: expect.stringMatching(REFUSED),
  });
}

const corrected = (fixture: string): Explain =>
  fixtureSimulator(fixture, { corrections: [RENAME_ASM_GATEWAY] });
const withoutPolicy = (fixture: string): Explain =>
  fixtureSimulator(fixture, { corrections: [RENAME_ASM_GATEWAY], without: [POLICY] });

describe('seeds 000/001, before any policy: REGISTRY_ONLY blocks both workloads', () => {
  const explain = withoutPolicy('asm-http');
  it('sleep-a: http://www.httpbin.org -> 502', () => {
    const e = explain(SLEEP_A, 'http://www.httpbin.org');
    expect(e.verdict).toBe('blocked-unregistered');
    expect(e.expected).toMatch(HTTP_502);
  });
  it('nginx: http://www.httpbin.org -> 502', () => {
    const e = explain(NGINX, 'http://www.httpbin.org');
    expect(e.verdict).toBe('blocked-unregistered');
    expect(e.expected).toMatch(HTTP_502);
  });
});

describe('seeds 000/001, HTTP policy (port 80 through gateway port 80)', () => {
  const explain = corrected('asm-http');
  it('nginx: http://www.httpbin.org -> 502 (the ServiceEntry is not exported to default)', () => {
    const e = explain(NGINX, 'http://www.httpbin.org');
    expect(e.verdict).toBe('blocked-unregistered');
    expect(e.expected).toMatch(HTTP_502);
    expect(decisionText(e)).toMatch(/is not exported to namespace default/);
  });
  it('sleep-a: http://www.httpbin.org -> 200 through the egress gateway', () => {
    const e = explain(SLEEP_A, 'http://www.httpbin.org');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.expected).toMatch(OK_200);
    expect(e.gateway).toMatchObject({
      namespace: 'istio-system',
      name: 'egressgateway',
      port: 80,
      declared: true,
    });
    expect(e.upstream).toMatchObject({
      host: 'www.httpbin.org',
      port: 80,
      tls: 'none',
      by: 'egress-gateway',
    });
    expect(e.hops.map((h) => h.transport)).toEqual([
      'plaintext HTTP GET http://www.httpbin.org/',
      'mTLS (ISTIO_MUTUAL, SNI www.httpbin.org) carrying plaintext HTTP',
      'plaintext HTTP',
    ]);
  });
  it('sleep-a after the policy is deleted: http://www.httpbin.org -> 502', () => {
    const e = withoutPolicy('asm-http')(SLEEP_A, 'http://www.httpbin.org');
    expect(e.verdict).toBe('blocked-unregistered');
    expect(e.expected).toMatch(HTTP_502);
  });
  it('decisions on rendered resources point at the policy line that produced them', () => {
    const e = explain(SLEEP_A, 'http://www.httpbin.org');
    const se = e.decisions.find((d) => d.source?.kind === 'ServiceEntry')!;
    expect(se.source).toMatchObject({
      file: 'asm-http/egress-by-egressgateway.yaml',
      line: 20,
      field: 'spec.egressRules[0].to[0].port',
      renderedFrom: 'istio-egress/egress-by-egressgateway',
    });
  });
});

describe('seeds 000/001, httpsUpgrade (gateway port 80, TLS originated to 443)', () => {
  const explain = corrected('asm-https-upgrade');
  it('sleep-a: http://httpbin.org -> 200, upgraded to HTTPS by the gateway', () => {
    const e = explain(SLEEP_A, 'http://httpbin.org');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.expected).toMatch(OK_200);
    expect(e.upstream).toMatchObject({
      host: 'www.httpbin.org',
      port: 443,
      tls: 'SIMPLE',
      sni: 'www.httpbin.org',
      by: 'egress-gateway',
    });
  });
  it('sleep-a: http://httpbin.org/anything -> httpbin sees the https:// URL', () => {
    const e = explain(SLEEP_A, 'http://httpbin.org/anything');
    expect(e.upstream?.seenByServer).toBe('https://httpbin.org/anything');
  });
  it('sleep-a: https://www.httpbin.org -> 200, straight from the sidecar (the upgrade port is in the ServiceEntry)', () => {
    const e = explain(SLEEP_A, 'https://www.httpbin.org');
    expect(e.verdict).toBe('allowed-direct');
    expect(e.expected).toMatch(OK_200);
    expect(e.upstream).toMatchObject({
      host: 'www.httpbin.org',
      port: 443,
      tls: 'app',
      by: 'sidecar',
    });
  });
  it('nginx: http://www.httpbin.org -> 502', () => {
    const e = explain(NGINX, 'http://www.httpbin.org');
    expect(e.verdict).toBe('blocked-unregistered');
    expect(e.expected).toMatch(HTTP_502);
  });
  it('nginx: https://www.httpbin.org -> connection refused (BlackHoleCluster)', () => {
    const e = explain(NGINX, 'https://www.httpbin.org');
    expect(e.verdict).toBe('blocked-unregistered');
    expect(e.expected).toMatch(REFUSED);
    expect(e.expected).toMatch(/BlackHoleCluster/);
  });
  it('sleep-a after the policy is deleted: http -> 502, https -> connection refused', () => {
    const after = withoutPolicy('asm-https-upgrade');
    expectBlocked(after, SLEEP_A, 'www.httpbin.org');
  });
});

describe('seeds 000/001, HTTPS through gateway port 444', () => {
  const explain = corrected('asm-https-444');
  it('sleep-a: http://httpbin.org -> 502 (only port 443 is registered)', () => {
    const e = explain(SLEEP_A, 'http://httpbin.org');
    expect(e.verdict).toBe('blocked-unregistered');
    expect(e.expected).toMatch(HTTP_502);
    expect(decisionText(e)).toMatch(/on port 443, not 80/);
  });
  it('sleep-a: https://www.httpbin.org -> 200 through gateway port 444', () => {
    const e = explain(SLEEP_A, 'https://www.httpbin.org');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.gateway).toMatchObject({ name: 'egressgateway', port: 444 });
    expect(e.upstream).toMatchObject({
      host: 'www.httpbin.org',
      port: 443,
      tls: 'app',
      by: 'egress-gateway',
    });
    expect(e.hops[1]!.transport).toBe(
      "mTLS (ISTIO_MUTUAL, SNI www.httpbin.org) carrying the application's own TLS",
    );
  });
  it('nginx: http -> 502, https -> connection refused', () => {
    expectBlocked(explain, NGINX, 'www.httpbin.org');
  });
  it('sleep-a after the policy is deleted: http -> 502, https -> connection refused', () => {
    const after = withoutPolicy('asm-https-444');
    expectBlocked(after, SLEEP_A, 'www.httpbin.org');
  });
});

describe('seed 001, TCP (port 443 as TCP, gateway port allocated)', () => {
  const explain = corrected('asm-tcp');
  it('sleep-a: http://www.alibabacloud.com -> 502', () => {
    const e = explain(SLEEP_A, 'http://www.alibabacloud.com');
    expect(e.verdict).toBe('blocked-unregistered');
    expect(e.expected).toMatch(HTTP_502);
  });
  it('sleep-a: https://www.alibabacloud.com -> 200 through the allocated gateway port 10001', () => {
    const e = explain(SLEEP_A, 'https://www.alibabacloud.com');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.gateway).toMatchObject({ port: 10001 });
    expect(decisionText(e)).toMatch(
      /port 10001 of egress gateway istio-system\/egressgateway is allocated by ASM/,
    );
    expect(e.upstream).toMatchObject({ host: 'www.alibabacloud.com', port: 443, tls: 'app' });
  });
  it('nginx: http -> 502, https -> connection refused', () => {
    expectBlocked(explain, NGINX, 'www.alibabacloud.com');
  });
  it('sleep-a after the policy is deleted: http -> 502, https -> connection refused', () => {
    const after = withoutPolicy('asm-tcp');
    expectBlocked(after, SLEEP_A, 'www.alibabacloud.com');
  });
});

describe('seeds 000/001, AuthorizationPolicy denying POST from mytest', () => {
  const explain = fixtureSimulator('asm-deny-post', {
    corrections: [
      RENAME_ASM_GATEWAY,
      {
        file: 'deny-post.yaml',
        from: 'istio: egressgateway-a',
        to: 'istio: egressgateway',
        why: 'the policy selects the pods of egressgateway-a, but the traffic goes through the gateway the policy names (egressgateway)',
      },
    ],
  });
  it('sleep-a: POST http://www.httpbin.org -> 403 RBAC: access denied, naming the policy', () => {
    const e = explain(SLEEP_A, 'http://www.httpbin.org/post', { method: 'POST' });
    expect(e.verdict).toBe('denied-by-authz');
    expect(e.expected).toBe('HTTP 403 Forbidden, body "RBAC: access denied"');
    expect(e.reason).toContain('istio-system/sleep-a-egress-www-httpbin-org');
    const deny = e.decisions.find((d) => d.source?.kind === 'AuthorizationPolicy')!;
    expect(deny.source).toMatchObject({ file: 'asm-deny-post/deny-post.yaml', line: 10 });
  });
  it('sleep-a: GET http://www.httpbin.org is unaffected -> 200', () => {
    const e = explain(SLEEP_A, 'http://www.httpbin.org/get');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.expected).toMatch(OK_200);
  });
});

describe('workloads of a listed namespace that no from entry selects are refused, as the renderer intends', () => {
  const SLEEP_B = 'mytest/app=sleep-b';
  it('HTTP: 502 from the rendered refusal route', () => {
    const e = corrected('asm-http')(SLEEP_B, 'http://www.httpbin.org');
    expect(e.verdict).toBe('blocked-unregistered');
    expect(e.expected).toMatch(HTTP_502);
    expect(e.reason).toMatch(
      /not selected by any from entry of ASMEgressTrafficPolicy istio-egress\/egress-by-egressgateway/,
    );
  });
  it('httpsUpgrade: http -> 502, https -> connection refused at the gateway', () => {
    const explain = corrected('asm-https-upgrade');
    expect(explain(SLEEP_B, 'http://httpbin.org')).toMatchObject({
      verdict: 'blocked-unregistered',
      expected: expect.stringMatching(HTTP_502),
    });
    const e = explain(SLEEP_B, 'https://www.httpbin.org');
    expect(e).toMatchObject({
      verdict: 'blocked-unregistered',
      expected: expect.stringMatching(REFUSED),
    });
    expect(e.hops[1]!.transport).toMatch(/SNI refused\.egress-lint\.invalid/);
  });
  it('HTTPS via 444: connection refused', () => {
    expect(corrected('asm-https-444')(SLEEP_B, 'https://www.httpbin.org')).toMatchObject({
      verdict: 'blocked-unregistered',
      expected: expect.stringMatching(REFUSED),
    });
  });
  it('TCP: connection refused', () => {
    expect(corrected('asm-tcp')(SLEEP_B, 'https://www.alibabacloud.com')).toMatchObject({
      verdict: 'blocked-unregistered',
      expected: expect.stringMatching(REFUSED),
    });
  });
});

describe("a from entry naming the gateway's own namespace, without a selector", () => {
  // The rendered HTTP sidecar match names no gateways (so that sourceNamespace filters), which lets
  // it apply on the gateway pods of that namespace too; the gateway leg comes first, so it takes the
  // request there and nothing loops back to the gateway.
  const fromGatewayNamespace: Correction = {
    file: POLICY,
    from: '    - namespace: mytest\n      workloadSelector:\n        app: sleep-a\n',
    to: '    - namespace: mytest\n      workloadSelector:\n        app: sleep-a\n    - namespace: istio-system\n',
    why: 'a second from entry for the whole namespace the egress gateway runs in',
  };
  const explain = fixtureSimulator('asm-http', {
    corrections: [RENAME_ASM_GATEWAY, fromGatewayNamespace],
  });
  it('a workload of istio-system: http://www.httpbin.org -> 200 through the gateway, no loop', () => {
    const e = explain('istio-system/app=tools', 'http://www.httpbin.org');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.upstream).toMatchObject({ host: 'www.httpbin.org', port: 80, by: 'egress-gateway' });
    expect(decisionText(e)).toMatch(/http\[0\] routes it at the gateway/);
    expect(decisionText(e)).toMatch(/http\[1\] \(\S+-via-gateway\) matches/);
  });
  it('sleep-a still goes through the gateway', () => {
    expect(explain(SLEEP_A, 'http://www.httpbin.org').verdict).toBe('allowed-via-gateway');
  });
});

describe('seeds 000/001 as written (what a user of that repository gets)', () => {
  it('the policy routes through egressgateway, which the repository does not declare: broken', () => {
    for (const fixture of ['asm-http', 'asm-https-upgrade', 'asm-https-444', 'asm-tcp']) {
      const url =
        fixture === 'asm-http' || fixture === 'asm-https-upgrade'
          ? 'http://www.httpbin.org'
          : fixture === 'asm-tcp'
            ? 'https://www.alibabacloud.com'
            : 'https://www.httpbin.org';
      const e = fixtureSimulator(fixture)(SLEEP_A, url);
      expect(e.verdict, fixture).toBe('broken');
      expect(e.reason).toMatch(
        /egress gateway istio-system\/egressgateway .* which this repository does not declare \(it declares istio-system\/egressgateway-a\)/,
      );
      const named = e.decisions.find((d) => d.source?.kind === 'ASMEgressTrafficPolicy')!;
      expect(named.source).toMatchObject({ field: 'spec.byEgressGateway.name', line: 9 });
    }
  });
  it('nginx is still blocked: the ServiceEntry is not exported to default', () => {
    expect(fixtureSimulator('asm-http')(NGINX, 'http://www.httpbin.org').verdict).toBe(
      'blocked-unregistered',
    );
  });
  it('deny-post with only the gateway renamed: the AuthorizationPolicy selects egressgateway-a, so POST passes', () => {
    const e = fixtureSimulator('asm-deny-post', { corrections: [RENAME_ASM_GATEWAY] })(
      SLEEP_A,
      'http://www.httpbin.org/post',
      { method: 'POST' },
    );
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(decisionText(e)).toMatch(
      /sleep-a-egress-www-httpbin-org selects istio=egressgateway-a, but these gateway pods carry istio=egressgateway: it does not apply here/,
    );
  });
});
