/**
 * Seeds 002, 003 and 004 (hand-written Istio egress configurations): every stated result, on the
 * fixture with the minimal correction the walkthrough implies, and the fixture as written.
 */
import { describe, expect, it } from 'vitest';
import { decisionText, fixtureSimulator, type Correction } from './helpers.js';

describe('seed 002: DENY for the demo-frontend namespace at the egress gateway', () => {
  const LOWER_CASE_SUBSET: Correction[] = ['destinationrule.yaml', 'virtualservice.yaml'].map(
    (file) => ({
      file,
      from: 'target-egress-gateway-mTLS',
      to: 'target-egress-gateway-mtls',
      why: 'Istio rejects the DestinationRule because subset names must be DNS-1123 labels (lower case); the seed got 403, so it used a valid name',
    }),
  );

  it('curl -I http://www.aliyun.com from demo-frontend -> 403 RBAC: access denied', () => {
    const e = fixtureSimulator('istio-002-deny-namespace', { corrections: LOWER_CASE_SUBSET })(
      'demo-frontend/app=sleep',
      'http://www.aliyun.com',
      { method: 'HEAD' },
    );
    expect(e.verdict).toBe('denied-by-authz');
    expect(e.expected).toBe('HTTP 403 Forbidden, body "RBAC: access denied"');
    expect(e.reason).toBe(
      'denied by DENY AuthorizationPolicy istio-system/deny-demo-frontend-egress',
    );
    expect(e.gateway).toMatchObject({
      namespace: 'istio-system',
      name: 'egressgateway',
      declared: false,
    });
    expect(e.notes.join('\n')).toMatch(/not declared in this repository/);
    // The namespace rule can only match because the sidecar's mTLS gives the gateway its identity.
    expect(e.hops[1]!.transport).toMatch(
      /^mTLS \(ISTIO_MUTUAL, SNI outbound_\.80_\.target-egress-gateway-mtls_\.istio-egressgateway/,
    );
  });

  it('as written: the DestinationRule is rejected, so the subset is unknown and the route is broken', () => {
    const e = fixtureSimulator('istio-002-deny-namespace')(
      'demo-frontend/app=sleep',
      'http://www.aliyun.com',
      { method: 'HEAD' },
    );
    expect(e.verdict).toBe('broken');
    expect(e.reason).toMatch(
      /subset target-egress-gateway-mTLS .* no DestinationRule on the lookup path of namespace demo-frontend/,
    );
    expect(e.expected).toMatch(/^HTTP 503/);
    expect(decisionText(e)).toMatch(
      /DestinationRule demo-frontend\/target-egress-gateway would define subsets .* but Istio rejects it/,
    );
  });
});

describe('seed 003: HTTP to test.com through the egress gateway, mTLS originated to port 443', () => {
  const explain = fixtureSimulator('istio-003-mtls-origination');

  it('the route: sidecar -> egress gateway port 80 (auto mTLS) -> test.com:443 with credential test.client', () => {
    const e = explain('default/app=sleep', 'http://test.com/status/200', {
      serviceAccount: 'sleep',
    });
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.gateway).toMatchObject({
      namespace: 'istio-system',
      name: 'egressgateway',
      port: 80,
      declared: true,
    });
    expect(e.upstream).toMatchObject({
      host: 'test.com',
      port: 443,
      tls: 'MUTUAL',
      credentialName: 'test.client',
      sni: 'test.com',
      seenByServer: 'https://test.com/status/200',
    });
    // The egress gateway access log of the seed shows this SNI: the sidecar's auto mTLS.
    expect(e.hops[1]!.transport).toBe(
      'mTLS (ISTIO_MUTUAL, SNI outbound_.80_._.istio-egressgateway.istio-system.svc.cluster.local) carrying plaintext HTTP',
    );
    expect(e.notes.join('\n')).toMatch(/test\.client must be a Secret in namespace istio-system/);
  });

  it('/headers from the sleep service account in default -> 403 at the egress gateway', () => {
    const e = explain('default/app=sleep', 'http://test.com/headers', { serviceAccount: 'sleep' });
    expect(e.verdict).toBe('denied-by-authz');
    expect(e.expected).toBe('HTTP 403 Forbidden, body "RBAC: access denied"');
    expect(e.reason).toBe('denied by DENY AuthorizationPolicy istio-system/test');
  });

  it('other paths of the same client pass the egress gateway', () => {
    for (const path of ['/status/418', '/get', '/headers/x']) {
      expect(
        explain('default/app=sleep', `http://test.com${path}`, { serviceAccount: 'sleep' }).verdict,
        path,
      ).toBe('allowed-via-gateway');
    }
  });

  it('/headers from another service account passes; without one, the simulator says it cannot decide', () => {
    expect(
      explain('default/app=sleep', 'http://test.com/headers', { serviceAccount: 'other' }).verdict,
    ).toBe('allowed-via-gateway');
    const unknown = explain('default/app=sleep', 'http://test.com/headers');
    expect(unknown.verdict).toBe('allowed-via-gateway');
    expect(unknown.notes.join('\n')).toMatch(
      /AuthorizationPolicy istio-system\/test rule 0 would match depending on the service account.* \(pass --service-account\)/,
    );
  });

  it('the same service account name in another namespace is another principal', () => {
    expect(
      explain('mytest/app=sleep', 'http://test.com/headers', { serviceAccount: 'sleep' }).verdict,
    ).not.toBe('denied-by-authz');
  });
});

describe('seed 004: Istio egress gateway for HTTP traffic', () => {
  const explain = fixtureSimulator('istio-004-http-gateway');

  it('http://edition.cnn.com/politics from default goes sidecar -> egress gateway port 80 -> edition.cnn.com:80', () => {
    const e = explain('default/app=sleep', 'http://edition.cnn.com/politics');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.gateway).toMatchObject({ namespace: 'istio-system', name: 'egressgateway', port: 80 });
    expect(e.upstream).toMatchObject({ host: 'edition.cnn.com', port: 80, tls: 'none' });
    expect(e.hops[1]!.transport).toBe(
      'mTLS (ISTIO_MUTUAL, SNI edition.cnn.com) carrying plaintext HTTP',
    );
    expect(e.notes.join('\n')).toMatch(/MUTUAL with the certificate files it names/);
  });

  it('"only port 80 goes to the egress gateway": HTTPS to 443 goes straight to edition.cnn.com', () => {
    const e = explain('default/app=sleep', 'https://edition.cnn.com/politics');
    expect(e.verdict).toBe('allowed-direct');
    expect(e.upstream).toMatchObject({ host: 'edition.cnn.com', port: 443, by: 'sidecar' });
  });

  it('the warning: a client in another namespace does not find the DestinationRule in default -> broken', () => {
    const e = explain('test-egress/app=sleep', 'http://edition.cnn.com/politics');
    expect(e.verdict).toBe('broken');
    expect(e.reason).toBe(
      'the route names subset cnn of istio-egressgateway.istio-system.svc.cluster.local, but no DestinationRule on the lookup path of namespace test-egress (test-egress, then istio-system) defines it',
    );
    expect(decisionText(e)).toMatch(
      /DestinationRule default\/egressgateway-for-cnn defines subset cnn, but it is not on the DestinationRule lookup path of namespace test-egress/,
    );
  });
});

describe('seed 004: Istio egress gateway for HTTPS traffic (TLS originated by the application)', () => {
  const SNI_HOSTS: Correction = {
    file: 'gateway.yaml',
    from: 'sni_hosts:',
    to: 'sniHosts:',
    why: 'the seed spells the field sni_hosts; the API server drops it and Istio rejects a TLS match without sniHosts',
  };
  const explain = fixtureSimulator('istio-004-https-gateway', { corrections: [SNI_HOSTS] });

  it('https://edition.cnn.com/politics from default -> through egress gateway port 443, TLS passed through', () => {
    const e = explain('default/app=sleep', 'https://edition.cnn.com/politics');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.gateway).toMatchObject({ port: 443 });
    expect(e.upstream).toMatchObject({
      host: 'edition.cnn.com',
      port: 443,
      tls: 'app',
      by: 'egress-gateway',
    });
    expect(decisionText(e)).toMatch(/tcp\[0\] is the route of this server/);
  });

  it('test-egress with its own copy of the DestinationRule -> through the egress gateway', () => {
    const e = explain('test-egress/app=sleep', 'https://edition.cnn.com/politics');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.decisions.find((d) => d.source?.kind === 'DestinationRule')?.source).toMatchObject({
      namespace: 'test-egress',
      file: 'istio-004-https-gateway/test-egress.yaml',
    });
  });

  it('test-egress without that copy -> broken (the DestinationRule in default is not on its lookup path)', () => {
    const e = fixtureSimulator('istio-004-https-gateway', {
      corrections: [SNI_HOSTS],
      without: ['test-egress.yaml'],
    })('test-egress/app=sleep', 'https://edition.cnn.com/politics');
    expect(e.verdict).toBe('broken');
    expect(e.expected).toBe('connection reset (no cluster for the route)');
    expect(e.reason).toMatch(/no DestinationRule on the lookup path of namespace test-egress/);
  });

  it('as written: Istio rejects the VirtualService, so HTTPS goes straight out, bypassing the gateway', () => {
    const e = fixtureSimulator('istio-004-https-gateway')(
      'default/app=sleep',
      'https://edition.cnn.com/politics',
    );
    expect(e.verdict).toBe('allowed-direct');
    expect(decisionText(e)).toMatch(
      /VirtualService default\/direct-cnn-through-egress-gateway names edition\.cnn\.com but Istio rejects it/,
    );
  });
});
