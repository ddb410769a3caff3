/**
 * Istio's own egress tasks (istio.io content/en/docs/tasks/traffic-management/egress/): every request
 * whose outcome a task states in its snips.sh or test.sh, against the task's YAML kept under
 * fixtures/istio-tasks/<task>/<step>/ (each with the task's install: REGISTRY_ONLY unless the step
 * says otherwise). Each test names the snip whose output states the outcome. The client is the
 * task's sleep (or curl) pod in namespace default.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../rules/index.js';
import { DEFAULT_CONFIG } from '../../src/config/project-config.js';
import { lint } from '../../src/lint/engine.js';
import { analyzeFixture, decisionText, fixtureSimulator, type FixtureOptions } from './helpers.js';

const task = (path: string, options: FixtureOptions = {}) =>
  fixtureSimulator(`../istio-tasks/${path}`, options);
const SLEEP = 'default/app=sleep';

describe('egress-control', () => {
  it('snip envoy_passthrough_to_external_services_3: ALLOW_ANY, https://www.google.com and https://edition.cnn.com -> 200 (passthrough)', () => {
    const explain = task('egress-control/allow-any');
    for (const url of ['https://www.google.com', 'https://edition.cnn.com'])
      expect(explain(SLEEP, url).verdict, url).toBe('allowed-direct');
  });

  it('snip change_to_the_blockingbydefault_policy_3: REGISTRY_ONLY, both -> curl exit code 35', () => {
    const explain = task('egress-control/blocking');
    for (const url of ['https://www.google.com', 'https://edition.cnn.com']) {
      const e = explain(SLEEP, url);
      expect(e.verdict, url).toBe('blocked-unregistered');
      expect(e.expected).toMatch(/connection/);
    }
  });

  it('snips access_an_external_http_service_2 and access_an_external_https_service_2: registered hosts -> 200, the rest stays blocked', () => {
    const explain = task('egress-control/registry-only');
    const http = explain(SLEEP, 'http://httpbin.org/headers');
    expect(http.verdict).toBe('allowed-direct');
    // The sidecar's access log names outbound|80||httpbin.org: the ServiceEntry's cluster. Said once,
    // though the sidecar both looks the host up and then routes straight out to it.
    expect(
      http.decisions.filter((d) =>
        d.text.startsWith('ServiceEntry default/httpbin-ext registers httpbin.org:80'),
      ),
    ).toHaveLength(1);
    expect(explain(SLEEP, 'https://www.google.com').verdict).toBe('allowed-direct');
    expect(explain(SLEEP, 'https://edition.cnn.com').verdict).toBe('blocked-unregistered');
  });

  it('snips manage_traffic_to_external_services_1 and _4: the timeout route still lets the request out (its 504 is the 3s timeout against a 5s delay)', () => {
    const e = task('egress-control/registry-only')(SLEEP, 'http://httpbin.org/delay/5');
    expect(e.verdict).toBe('allowed-direct');
    expect(decisionText(e)).toContain('VirtualService default/httpbin-ext http[0] matches');
  });

  it('snip access_the_external_services_1: includeIPRanges=10.0.0.1/24 -> http://httpbin.org/headers works without a ServiceEntry', () => {
    const e = task('egress-control/include-ip-ranges')(SLEEP, 'http://httpbin.org/headers');
    expect(e.verdict).toBe('allowed-direct');
    expect(e.reason).toMatch(/not redirected to the sidecar/);
  });
});

describe('egress-gateway', () => {
  it('snip egress_gateway_for_http_traffic_2: the ServiceEntry alone -> 301 then 200, straight from the sidecar', () => {
    const e = task('egress-gateway/http', { without: ['gateway.yaml'] })(
      SLEEP,
      'http://edition.cnn.com/politics',
    );
    expect(e.verdict).toBe('allowed-direct');
  });

  it('snips egress_gateway_for_http_traffic_7 and _9: 301 then 200 through the gateway, whose log shows outbound|80||edition.cnn.com', () => {
    const e = task('egress-gateway/http')(SLEEP, 'http://edition.cnn.com/politics');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.gateway).toMatchObject({ namespace: 'istio-system', port: 80 });
    expect(e.upstream).toMatchObject({ host: 'edition.cnn.com', port: 80, by: 'egress-gateway' });
  });

  it('snip egress_gateway_for_https_traffic_2: the ServiceEntry alone -> 200', () => {
    const e = task('egress-gateway/https', { without: ['gateway.yaml'] })(
      SLEEP,
      'https://edition.cnn.com/politics',
    );
    expect(e.verdict).toBe('allowed-direct');
  });

  it('snips egress_gateway_for_https_traffic_5 and _7: 200 through the PASSTHROUGH gateway, which logs outbound|443||edition.cnn.com', () => {
    const e = task('egress-gateway/https')(SLEEP, 'https://edition.cnn.com/politics');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.hops[1]!.transport).toBe(
      "no TLS of the sidecar's own: the application's TLS (SNI edition.cnn.com)",
    );
    expect(decisionText(e)).toContain(
      'Gateway default/istio-egressgateway server 443/TLS tls PASSTHROUGH hosts [edition.cnn.com] takes the connection',
    );
    expect(e.upstream).toMatchObject({ host: 'edition.cnn.com', port: 443, tls: 'app' });
  });

  // The task's "Gateway API" tab: a Gateway of class istio (Istio deploys cnn-egress-gateway-istio),
  // a route with the ServiceEntry as parent sending the sidecars' requests to it, and a route on
  // the Gateway sending them on to the Hostname edition.cnn.com. (Snips _2, the ServiceEntry alone,
  // are the Istio API tab's above.)
  it('Gateway API tab, snips egress_gateway_for_http_traffic_7 and _12: 301 then 200 through cnn-egress-gateway, whose log shows outbound|80||edition.cnn.com and route default.forward-cnn-from-egress-gateway.0', () => {
    const e = task('egress-gateway/http-gateway-api')(SLEEP, 'http://edition.cnn.com/politics');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.gateway).toMatchObject({
      name: 'cnn-egress-gateway',
      namespace: 'default',
      serviceHost: 'cnn-egress-gateway-istio.default.svc.cluster.local',
      port: 80,
    });
    expect(e.upstream).toMatchObject({ host: 'edition.cnn.com', port: 80, by: 'egress-gateway' });
    const routed = e.decisions.find((d) => d.at === 'egress-gateway' && /routes it/.test(d.text));
    expect(routed?.source).toMatchObject({
      file: '../istio-tasks/egress-gateway/http-gateway-api/gateway.yaml',
      line: 48,
      field: 'spec.rules[0]',
    });
  });

  it('Gateway API tab, snips egress_gateway_for_https_traffic_5 and _9: 200 through the Passthrough listener of cnn-egress-gateway, which logs outbound|443||edition.cnn.com', () => {
    const e = task('egress-gateway/https-gateway-api')(SLEEP, 'https://edition.cnn.com/politics');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.gateway).toMatchObject({
      name: 'cnn-egress-gateway',
      namespace: 'default',
      port: 443,
    });
    expect(decisionText(e)).toContain(
      'Gateway default/cnn-egress-gateway~istio-autogenerated-k8s-gateway~tls server 443/TLS tls PASSTHROUGH hosts [default/edition.cnn.com] takes the connection',
    );
    expect(e.upstream).toMatchObject({ host: 'edition.cnn.com', port: 443, tls: 'app' });
  });

  it('snip apply_kubernetes_network_policies_4: sleep in test-egress, without a sidecar -> 200', () => {
    const e = task('egress-gateway/https')(
      'test-egress/app=sleep,sidecar.istio.io/inject=false',
      'https://edition.cnn.com/politics',
    );
    expect(e.verdict).toBe('allowed-direct');
    expect(e.reason).toMatch(/has no sidecar/);
  });
});

describe('egress-tls-origination', () => {
  it('snip curl_simple: http://edition.cnn.com/politics -> 301 to https (the server answers plain HTTP)', () => {
    const e = task('egress-tls-origination/simple')(SLEEP, 'http://edition.cnn.com/politics');
    expect(e.verdict).toBe('allowed-direct');
    expect(e.upstream).toMatchObject({ port: 80, tls: 'none' });
  });

  it('snips curl_origination_http and curl_origination_https: 200 both, the sidecar originating TLS to port 443 for http://', () => {
    const explain = task('egress-tls-origination/origination');
    const http = explain(SLEEP, 'http://edition.cnn.com/politics');
    expect(http.verdict).toBe('allowed-direct');
    expect(http.upstream).toMatchObject({
      host: 'edition.cnn.com',
      port: 443,
      tls: 'SIMPLE',
      seenByServer: 'https://edition.cnn.com/politics',
    });
    const https = explain(SLEEP, 'https://edition.cnn.com/politics');
    expect(https.verdict).toBe('allowed-direct');
    expect(https.upstream).toMatchObject({ port: 443, tls: 'app' });
  });
});

describe('egress-gateway-tls-origination', () => {
  it('snip perform_tls_origination_with_an_egress_gateway_2: the ServiceEntry alone -> 301 to https, straight from the sidecar', () => {
    const e = task('egress-gateway-tls-origination/origination', { without: ['gateway.yaml'] })(
      SLEEP,
      'http://edition.cnn.com/politics',
    );
    expect(e.verdict).toBe('allowed-direct');
    expect(e.upstream).toMatchObject({ host: 'edition.cnn.com', port: 80, tls: 'none' });
  });

  it('snips perform_tls_origination_with_an_egress_gateway_8 and _9: 200 through the gateway (ISTIO_MUTUAL from the sidecar), which originates TLS to edition.cnn.com:443', () => {
    const e = task('egress-gateway-tls-origination/origination')(
      SLEEP,
      'http://edition.cnn.com/politics',
    );
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.gateway).toMatchObject({ namespace: 'istio-system', port: 80 });
    expect(e.hops[1]!.transport).toBe(
      'mTLS (ISTIO_MUTUAL, SNI edition.cnn.com) carrying plaintext HTTP',
    );
    // The gateway's log line names outbound|443||edition.cnn.com: its TLS-originating cluster.
    expect(e.upstream).toMatchObject({
      host: 'edition.cnn.com',
      port: 443,
      tls: 'SIMPLE',
      by: 'egress-gateway',
      seenByServer: 'https://edition.cnn.com/politics',
    });
  });

  it('the "mutual TLS disabled" version (istio.io 01c4cce, snip _5): 200 through the gateway, plain HTTP from the sidecar', () => {
    const e = task('egress-gateway-tls-origination/http')(SLEEP, 'http://edition.cnn.com/politics');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.hops[1]!.transport).toBe('plaintext carrying plaintext HTTP');
    expect(e.upstream).toMatchObject({ host: 'edition.cnn.com', port: 443, tls: 'SIMPLE' });
  });

  it('snips configure_mutual_tls_origination_for_egress_traffic_11 and _12: "Welcome to nginx!" through the gateway, which originates mutual TLS with client-credential', () => {
    const e = task('egress-gateway-tls-origination/mutual')(
      SLEEP,
      'http://my-nginx.mesh-external.svc.cluster.local',
    );
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.gateway).toMatchObject({ namespace: 'istio-system', port: 443 });
    expect(e.upstream).toMatchObject({
      host: 'my-nginx.mesh-external.svc.cluster.local',
      port: 443,
      tls: 'MUTUAL',
      credentialName: 'client-credential',
      sni: 'my-nginx.mesh-external.svc.cluster.local',
      by: 'egress-gateway',
    });
    // NGINX runs in mesh-external, which snip deploy_a_mutual_tls_server_1 creates without
    // istio-injection: its pods have no sidecar, so the gateway's mutual TLS reaches NGINX itself.
    expect(e.notes.join('\n')).toMatch(
      /pods of Service mesh-external\/my-nginx run without a sidecar/,
    );
  });

  // The task's "Gateway API" tab: cnn-egress-gateway (class istio) with an HTTPS listener whose
  // tls-terminate-mode is ISTIO_MUTUAL, HTTPRoutes to it and from it to edition.cnn.com:443.
  it('Gateway API tab, snips perform_tls_origination_with_an_egress_gateway_8 and _11: 200 through cnn-egress-gateway (ISTIO_MUTUAL from the sidecar), whose log shows outbound|443||edition.cnn.com', () => {
    const e = task('egress-gateway-tls-origination/origination-gateway-api')(
      SLEEP,
      'http://edition.cnn.com/politics',
    );
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.gateway).toMatchObject({ name: 'cnn-egress-gateway', namespace: 'default', port: 80 });
    expect(e.hops[1]!.transport).toBe(
      'mTLS (ISTIO_MUTUAL, SNI edition.cnn.com) carrying plaintext HTTP',
    );
    expect(e.upstream).toMatchObject({
      host: 'edition.cnn.com',
      port: 443,
      tls: 'SIMPLE',
      by: 'egress-gateway',
      seenByServer: 'https://edition.cnn.com/politics',
    });
  });

  it('Gateway API tab, snip configure_mutual_tls_origination_for_egress_traffic_11: "Welcome to nginx!" through nginx-egressgateway, whose HTTPRoute names my-nginx in mesh-external (allowed by the ReferenceGrant)', () => {
    const e = task('egress-gateway-tls-origination/mutual-gateway-api')(
      SLEEP,
      'http://my-nginx.mesh-external.svc.cluster.local',
    );
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.gateway).toMatchObject({
      name: 'nginx-egressgateway',
      namespace: 'default',
      port: 443,
    });
    expect(e.upstream).toMatchObject({
      host: 'my-nginx.mesh-external.svc.cluster.local',
      port: 443,
      tls: 'MUTUAL',
      credentialName: 'client-credential',
      by: 'egress-gateway',
    });
  });

  it('Gateway API tab without the ReferenceGrant: the HTTPRoute naming a Service of another namespace is not modelled, so undetermined', () => {
    const e = task('egress-gateway-tls-origination/mutual-gateway-api', {
      corrections: [
        {
          file: 'origination.yaml',
          from: 'kind: ReferenceGrant',
          to: 'kind: NotApplied',
          why: 'the ReferenceGrant of snip _6 left out',
        },
      ],
    })(SLEEP, 'http://my-nginx.mesh-external.svc.cluster.local');
    expect(e.verdict).toBe('undetermined');
    expect(e.missing).toBe('how Istio applies HTTPRoute default/forward-nginx-from-egress-gateway');
    expect(e.reason).toMatch(/no ReferenceGrant in the repository allows it/);
  });

  it('without the Namespace, whether NGINX has a sidecar is unknown: undetermined, naming the Service beyond the gateway', () => {
    const e = task('egress-gateway-tls-origination/mutual', { without: ['namespace.yaml'] })(
      SLEEP,
      'http://my-nginx.mesh-external.svc.cluster.local',
    );
    expect(e.verdict).toBe('undetermined');
    expect(e.missing).toBe('what my-nginx.mesh-external.svc.cluster.local does with it');
  });
});

describe('egress-kubernetes-services (test.sh: profile demo, ALLOW_ANY)', () => {
  const WITHOUT_ISTIO = 'without-istio/app=sleep';

  it('snip kubernetes_externalname_service_to_access_an_external_service_3: sleep in without-istio (no sidecar) -> httpbin.org answers for Host my-httpbin.default.svc.cluster.local', () => {
    const e = task('egress-kubernetes-services/externalname')(
      WITHOUT_ISTIO,
      'http://my-httpbin.default.svc.cluster.local/headers',
    );
    expect(e.verdict).toBe('allowed-direct');
    expect(e.reason).toMatch(/has no sidecar/);
  });

  it('snip kubernetes_externalname_service_to_access_an_external_service_5: an alias of httpbin.org, which is not registered: ALLOW_ANY passes it through to httpbin.org in plaintext (the DestinationRule for the alias does nothing since Istio 1.21)', () => {
    const e = task('egress-kubernetes-services/externalname')(
      SLEEP,
      'http://my-httpbin.default.svc.cluster.local/headers',
    );
    expect(e.verdict).toBe('allowed-direct');
    expect(e.upstream).toMatchObject({
      host: 'httpbin.org',
      port: 80,
      tls: 'none',
      by: 'sidecar',
      seenByServer: 'http://my-httpbin.default.svc.cluster.local/headers',
    });
    expect(e.reason).toMatch(/alias of httpbin\.org.*PassthroughCluster/);
  });

  it('the same without the DestinationRule: the same plaintext passthrough', () => {
    const e = task('egress-kubernetes-services/externalname', {
      corrections: [
        {
          file: 'my-httpbin.yaml',
          from: 'kind: DestinationRule',
          to: 'kind: NotApplied',
          why: 'the request of snip _5 made before snip _4 applies the DestinationRule',
        },
      ],
    })(SLEEP, 'http://my-httpbin.default.svc.cluster.local/headers');
    expect(e.verdict).toBe('allowed-direct');
    expect(e.upstream).toMatchObject({ host: 'httpbin.org', port: 80, tls: 'none' });
  });

  // curl --resolve en.wikipedia.org:443:<cluster IP> connects to the Service's cluster IP; a sidecar
  // listener on a Service address matches by address alone, not by SNI (Istio
  // pilot/pkg/networking/core/tls.go buildSidecarOutboundTLSFilterChainOpts), so the request is the
  // one to the Service's name.
  it('snip use_a_kubernetes_service_with_endpoints_to_access_an_external_service_4: without a sidecar, the Wikipedia title', () => {
    const e = task('egress-kubernetes-services/endpoints')(
      WITHOUT_ISTIO,
      'https://my-wikipedia.default.svc.cluster.local/wiki/Main_Page',
    );
    expect(e.verdict).toBe('allowed-direct');
    expect(e.reason).toMatch(/has no sidecar/);
  });

  it('snips use_a_kubernetes_service_with_endpoints_to_access_an_external_service_6 and _7: from the sidecar, the title, by the cluster IP', () => {
    const e = task('egress-kubernetes-services/endpoints')(
      SLEEP,
      'https://my-wikipedia.default.svc.cluster.local/wiki/Main_Page',
    );
    expect(e.verdict).toBe('allowed-direct');
    expect(e.upstream).toMatchObject({
      host: 'my-wikipedia.default.svc.cluster.local',
      port: 443,
      tls: 'app',
    });
    expect(decisionText(e)).toContain(
      'Service default/my-wikipedia registers my-wikipedia.default.svc.cluster.local:443 (TLS)',
    );
  });
});

describe('wildcard-egress-hosts', () => {
  it('test.sh confirm_blocking: https://www.google.com and https://edition.cnn.com -> exit code 35', () => {
    const explain = task('wildcard-egress-hosts/direct');
    for (const url of ['https://www.google.com', 'https://edition.cnn.com'])
      expect(explain(SLEEP, url).verdict, url).toBe('blocked-unregistered');
  });

  it('snip configure_direct_traffic_to_a_wildcard_host_2: en and de.wikipedia.org -> their titles, straight out', () => {
    const explain = task('wildcard-egress-hosts/direct');
    for (const url of ['https://en.wikipedia.org/wiki/Main_Page', 'https://de.wikipedia.org'])
      expect(explain(SLEEP, url).verdict, url).toBe('allowed-direct');
  });

  it('snips configure_egress_gateway_traffic_to_a_wildcard_host_4 and _5: both through the gateway, which uses outbound|443||www.wikipedia.org', () => {
    const explain = task('wildcard-egress-hosts/gateway');
    for (const url of ['https://en.wikipedia.org/wiki/Main_Page', 'https://de.wikipedia.org']) {
      const e = explain(SLEEP, url);
      expect(e.verdict, url).toBe('allowed-via-gateway');
      expect(e.upstream).toMatchObject({ host: 'www.wikipedia.org', port: 443, tls: 'app' });
    }
  });

  // The "Gateway API" tab: TLSRoutes on the ServiceEntry and on Gateway wikipedia-egress-gateway.
  it('Gateway API tab, snips configure_egress_gateway_traffic_to_a_wildcard_host_4 and _6: both through wikipedia-egress-gateway, which uses outbound|443||www.wikipedia.org', () => {
    const explain = task('wildcard-egress-hosts/gateway-api');
    for (const url of ['https://en.wikipedia.org/wiki/Main_Page', 'https://de.wikipedia.org']) {
      const e = explain(SLEEP, url);
      expect(e.verdict, `${url}: ${e.reason}`).toBe('allowed-via-gateway');
      expect(e.gateway).toMatchObject({
        name: 'wikipedia-egress-gateway',
        namespace: 'default',
        serviceHost: 'wikipedia-egress-gateway-istio.default.svc.cluster.local',
        port: 443,
      });
      expect(e.upstream).toMatchObject({ host: 'www.wikipedia.org', port: 443, tls: 'app' });
    }
  });
});

describe('http-proxy', () => {
  it('snip deploy_an_https_proxy_8: curl in namespace external (no sidecar) through the proxy -> the title', () => {
    const e = task('http-proxy/proxy')(
      'external/app=curl,sidecar.istio.io/inject=false',
      'tcp://10.244.1.25:3128',
    );
    expect(e.verdict).toBe('allowed-direct');
  });

  it('snips configure_traffic_to_external_https_proxy_2 and _3: HTTPS_PROXY=10.244.1.25:3128 -> the title; the sidecar logs outbound|3128||my-company-proxy.com', () => {
    const explain = task('http-proxy/proxy');
    const e = explain(SLEEP, 'tcp://10.244.1.25:3128');
    expect(e.verdict).toBe('allowed-direct');
    expect(decisionText(e)).toContain(
      'ServiceEntry default/proxy takes connections to 10.244.1.25:3128 (TCP) by its addresses, as service my-company-proxy.com',
    );
    expect(e.upstream).toMatchObject({ host: '10.244.1.25', port: 3128 });
    // Without the ServiceEntry, REGISTRY_ONLY blocks the proxy.
    expect(
      task('http-proxy/proxy', { without: ['proxy.yaml'] })(SLEEP, 'tcp://10.244.1.25:3128')
        .verdict,
    ).toBe('blocked-unregistered');
  });
});

describe('the configurations the tasks present as working lint without errors', () => {
  const root = fileURLToPath(new URL('../../fixtures/istio-tasks/', import.meta.url));
  const steps = readdirSync(root).flatMap((t) => readdirSync(root + t).map((s) => `${t}/${s}`));

  it.each(steps)('%s', (step) => {
    const analysis = analyzeFixture(`../istio-tasks/${step}`);
    const errors = lint(analysis, DEFAULT_CONFIG, RULES)
      .findings.filter((f) => f.severity === 'error')
      .map((f) => `${f.file}:${f.line} ${f.ruleId} ${f.message}`);
    expect(errors).toEqual([]);
  });
});
