/**
 * Names as Istio resolves them, Kubernetes Services as registry entries, and `undetermined` where the
 * answer depends on what the repository does not show (DESIGN §4).
 */
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/analyze.js';
import { parseProjectConfig } from '../../src/config/project-config.js';
import { compareAccess, formatAccessChange } from '../../src/simulate/access.js';
import { decisionText, httpEntry, serviceEntry, simulatorFor, type Explain } from './helpers.js';

const REGISTRY_ONLY = 'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n';

function simulate(yaml: string, config = REGISTRY_ONLY): Explain {
  const analysis = analyzeSources(
    [{ path: 'mesh.yaml', content: yaml.replace(/---\n$/, '') }],
    parseProjectConfig(config),
  );
  expect(analysis.findings.filter((f) => f.severity === 'error')).toEqual([]);
  return simulatorFor(analysis);
}

const EXTERNAL_NAME = `apiVersion: v1
kind: Service
metadata: {name: my-httpbin, namespace: app}
spec:
  type: ExternalName
  externalName: httpbin.org
  ports: [{name: http, protocol: TCP, port: 80}]
---
`;

/** An egress gateway that routes httpbin.org on to another in-cluster Service (a second proxy). */
const GATEWAY_TO_PROXY = `${httpEntry('httpbin', 'istio-system')}apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: egress, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers: [{port: {number: 80, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: ISTIO_MUTUAL}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: to-gateway, namespace: istio-system}
spec:
  host: istio-egressgateway
  subsets:
  - name: egress
    trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: istio-system}
spec:
  hosts: [httpbin.org]
  gateways: [mesh, egress]
  http:
  - match: [{gateways: [mesh], port: 80}]
    route: [{destination: {host: istio-egressgateway, subset: egress, port: {number: 80}}}]
  - match: [{gateways: [egress], port: 80}]
    route: [{destination: {host: squid.proxy.svc.cluster.local, port: {number: 3128}}}]
---
`;

describe('names', () => {
  it('short destination hosts and gateway names resolve in the VirtualService namespace', () => {
    // `istio-egressgateway` in istio-system is the gateway's Service; `egress` is istio-system/egress.
    const e = simulate(GATEWAY_TO_PROXY)('app', 'http://httpbin.org/get');
    expect(e.gateway).toMatchObject({ name: 'egressgateway', namespace: 'istio-system', port: 80 });
  });

  it('a short request host is a Service in the client namespace', () => {
    const e = simulate(EXTERNAL_NAME + httpEntry('httpbin', 'app'))(
      'app',
      'http://my-httpbin/headers',
    );
    expect(e.upstream).toMatchObject({ host: 'httpbin.org', port: 80 });
    expect(e.notes).toContain(
      'my-httpbin is a short name: in namespace app it is my-httpbin.app.svc.cluster.local',
    );
  });
});

/** A second alias, app/second, of httpbin.org: my-httpbin naming it makes a chain. */
const SECOND_ALIAS = EXTERNAL_NAME.replace('name: my-httpbin,', 'name: second,');

/** DestinationRules for the alias and for the host it names: only the second applies (Istio 1.21+). */
const DESTINATION_RULES = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: my-httpbin, namespace: app}
spec:
  host: my-httpbin.app.svc.cluster.local
  trafficPolicy: {tls: {mode: SIMPLE}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin, namespace: app}
spec:
  host: httpbin.org
  trafficPolicy: {tls: {mode: DISABLE}}
---
`;

describe('Kubernetes ExternalName Services (aliases, Istio 1.21+)', () => {
  const ALIAS_HOST = 'http://my-httpbin.app.svc.cluster.local/headers';

  it('REGISTRY_ONLY, the named host unregistered: blocked, as a request to it would be', () => {
    const e = simulate(EXTERNAL_NAME)('app', ALIAS_HOST);
    expect(e.verdict).toBe('blocked-unregistered');
    expect(e.reason).toContain('(an alias of httpbin.org)');
    expect(decisionText(e)).toContain(
      'Service app/my-httpbin is type ExternalName: Istio treats my-httpbin.app.svc.cluster.local as an alias of httpbin.org',
    );
  });

  it('ALLOW_ANY, the named host unregistered: passed through to the named host, Host unchanged', () => {
    const e = simulate(EXTERNAL_NAME, 'mesh:\n  outboundTrafficPolicy: ALLOW_ANY\n')(
      'app',
      ALIAS_HOST,
    );
    expect(e.verdict).toBe('allowed-direct');
    expect(e.upstream).toMatchObject({
      host: 'httpbin.org',
      port: 80,
      tls: 'none',
      seenByServer: ALIAS_HOST,
    });
  });

  it("a ServiceEntry for the named host: allowed-direct, with that host's DestinationRule, not the alias's", () => {
    const withTls = DESTINATION_RULES.replace('mode: DISABLE', 'mode: SIMPLE').replace(
      '{tls: {mode: SIMPLE}}\n---\napiVersion',
      '{tls: {mode: DISABLE}}\n---\napiVersion',
    );
    const e = simulate(EXTERNAL_NAME + httpEntry('httpbin', 'app') + withTls)('app', ALIAS_HOST);
    expect(e.verdict).toBe('allowed-direct');
    expect(e.upstream).toMatchObject({ host: 'httpbin.org', port: 80, tls: 'SIMPLE' });
    const plain = simulate(EXTERNAL_NAME + httpEntry('httpbin', 'app') + DESTINATION_RULES)(
      'app',
      ALIAS_HOST,
    );
    expect(plain.upstream).toMatchObject({ host: 'httpbin.org', port: 80, tls: 'none' });
  });

  it("the alias's ports do nothing: a port it does not list is the named service's", () => {
    const noPorts = EXTERNAL_NAME.replace('  ports: [{name: http, protocol: TCP, port: 80}]\n', '');
    const e = simulate(noPorts + httpEntry('httpbin', 'app'))('app', ALIAS_HOST);
    expect(e.verdict).toBe('allowed-direct');
    expect(e.upstream).toMatchObject({ host: 'httpbin.org', port: 80 });
  });

  it("a request follows the alias whatever its exportTo annotation: resolveServiceAliases reads every Service, and the named host's service carries the alias as a domain", () => {
    const hidden = EXTERNAL_NAME.replace(
      'metadata: {name: my-httpbin, namespace: app}',
      'metadata: {name: my-httpbin, namespace: app, annotations: {networking.istio.io/exportTo: "."}}',
    );
    const explain = simulate(hidden + httpEntry('httpbin', 'istio-system'));
    expect(explain('app', ALIAS_HOST).verdict).toBe('allowed-direct');
    expect(explain('other', ALIAS_HOST)).toMatchObject({
      verdict: 'allowed-direct',
      upstream: { host: 'httpbin.org', port: 80 },
    });
  });

  it('a route to an alias the exportTo annotation hides from the client has no cluster (the proxy has no such service)', () => {
    const hidden = EXTERNAL_NAME.replace(
      'metadata: {name: my-httpbin, namespace: app}',
      'metadata: {name: my-httpbin, namespace: app, annotations: {networking.istio.io/exportTo: "."}}',
    );
    const route = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: other}
spec:
  hosts: [httpbin.org]
  http:
  - route: [{destination: {host: my-httpbin.app.svc.cluster.local, port: {number: 80}}}]
---
`;
    const e = simulate(route + hidden + httpEntry('httpbin', 'istio-system'))(
      'other',
      'http://httpbin.org/get',
    );
    expect(e.verdict).toBe('broken');
  });

  it('a request follows a chain of aliases to its end (resolveServiceAliases flattens it)', () => {
    const chain = EXTERNAL_NAME.replace(
      'externalName: httpbin.org',
      'externalName: second.app.svc.cluster.local',
    );
    const e = simulate(chain + SECOND_ALIAS + httpEntry('httpbin', 'app'))('app', ALIAS_HOST);
    expect(e.verdict).toBe('allowed-direct');
    expect(e.upstream).toMatchObject({ host: 'httpbin.org', port: 80 });
  });

  it('a loop of aliases is no service: blocked under REGISTRY_ONLY', () => {
    const loop = EXTERNAL_NAME.replace(
      'externalName: httpbin.org',
      'externalName: my-httpbin.app.svc.cluster.local',
    );
    expect(simulate(loop)('app', ALIAS_HOST).verdict).toBe('blocked-unregistered');
  });
});

describe("the egress gateway's route to an ExternalName alias (route.go: the cluster of the host it names)", () => {
  /** The gateway leg of GATEWAY_TO_PROXY routed to the alias istio-system/my-httpbin instead. */
  const toAlias = (target: string): string =>
    GATEWAY_TO_PROXY.replace(
      'host: squid.proxy.svc.cluster.local, port: {number: 3128}',
      'host: my-httpbin, port: {number: 80}',
    ) +
    EXTERNAL_NAME.replace('namespace: app', 'namespace: istio-system').replace(
      'externalName: httpbin.org',
      `externalName: ${target}`,
    );

  it('an alias of a registered host: the gateway sends it there, not to an in-cluster hop', () => {
    const e = simulate(toAlias('httpbin.org'))('app', 'http://httpbin.org/get');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.upstream).toMatchObject({ host: 'httpbin.org', port: 80 });
    expect(decisionText(e)).toContain(
      'Service istio-system/my-httpbin is type ExternalName: Istio routes my-httpbin.istio-system.svc.cluster.local to the cluster of httpbin.org',
    );
  });

  it('an alias of an alias: broken, one alias only', () => {
    const second = SECOND_ALIAS.replace('namespace: app', 'namespace: istio-system');
    const e = simulate(toAlias('second.istio-system.svc.cluster.local') + second)(
      'app',
      'http://httpbin.org/get',
    );
    expect(e.verdict).toBe('broken');
    expect(e.reason).toContain('which is itself an alias');
  });
});

describe('ENABLE_EXTERNAL_NAME_ALIAS=false in an IstioOperator: the pre-1.21 ExternalName', () => {
  const operator = (spec: string): string => `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: istio, namespace: istio-system}
spec:
${spec}
---
`;
  const VALUES = operator('  values: {pilot: {env: {ENABLE_EXTERNAL_NAME_ALIAS: "false"}}}');
  const K8S = operator(
    '  components: {pilot: {k8s: {env: [{name: ENABLE_EXTERNAL_NAME_ALIAS, value: "false"}]}}}',
  );

  it('a service of its own: under REGISTRY_ONLY the request leaves for the external name', () => {
    for (const off of [VALUES, K8S]) {
      const e = simulate(EXTERNAL_NAME + off)('app', 'http://my-httpbin.app.svc.cluster.local/');
      expect(e.verdict).toBe('allowed-direct');
      expect(e.upstream).toMatchObject({ host: 'httpbin.org', port: 80, tls: 'none' });
    }
  });

  it('"true" keeps the alias', () => {
    const on = VALUES.replace('"false"', '"true"');
    const e = simulate(EXTERNAL_NAME + on)('app', 'http://my-httpbin.app.svc.cluster.local/');
    expect(e.verdict).toBe('blocked-unregistered');
  });
});

describe('Kubernetes Services', () => {
  it("a port's protocol comes from appProtocol before its name", () => {
    const tls = `apiVersion: v1
kind: Service
metadata: {name: my-httpbin, namespace: app}
spec:
  selector: {app: httpbin}
  ports: [{name: http, appProtocol: tls, protocol: TCP, port: 80}]
---
`;
    const e = simulate(tls)('app', 'https://my-httpbin.app.svc.cluster.local:80/');
    expect(decisionText(e)).toMatch(
      /Service app\/my-httpbin registers my-httpbin\.app\.svc\.cluster\.local:80 \(TLS\)/,
    );
  });
});

describe('undetermined', () => {
  it('an in-cluster name the repository does not show is never unregistered: it names the missing Service', () => {
    const e = simulate('')('app', 'http://reviews.shop.svc.cluster.local:9080/');
    expect(e).toMatchObject({
      verdict: 'undetermined',
      missing: 'the Kubernetes Service reviews.shop.svc.cluster.local',
    });
  });

  it('a hop beyond the egress gateway is undetermined, not broken', () => {
    const e = simulate(GATEWAY_TO_PROXY)('app', 'http://httpbin.org/get');
    expect(e).toMatchObject({
      verdict: 'undetermined',
      missing: 'what squid.proxy.svc.cluster.local does with it',
    });
  });
});

/** A sidecar route for httpbin.org to `host` (port 80 unless given). */
/** A sidecar route for httpbin.org (registered on port 80) to `host`, on `port` (none: null). */
const routeTo = (
  host: string,
  port: number | null = 80,
): string => `${httpEntry('httpbin', 'app')}apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: app}
spec:
  hosts: [httpbin.org]
  http:
  - route: [{destination: {host: ${host}${port === null ? '' : `, port: {number: ${port}}`}}}]
---
`;

const PROXY_SERVICE = `apiVersion: v1
kind: Service
metadata: {name: squid, namespace: proxy}
spec:
  selector: {app: squid}
  ports: [{name: http-proxy, port: 3128}]
---
`;

describe("a request naming a Service by name.namespace or name.namespace.svc (the pod's DNS search path; pilot's alt virtual hosts)", () => {
  for (const host of ['squid.proxy', 'squid.proxy.svc']) {
    it(`${host}: the in-cluster Service, not an unregistered external host`, () => {
      const e = simulate(PROXY_SERVICE)('app', `http://${host}:3128/`);
      expect(e).toMatchObject({
        verdict: 'undetermined',
        missing: 'what the workloads behind squid.proxy.svc.cluster.local do with it',
      });
    });
  }
});

describe('name.namespace that the repository does not show as a Service', () => {
  const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: proxy}\n---\n';
  it('in a namespace the repository shows: the Service it does not show, undetermined', () => {
    for (const yaml of [NAMESPACE, PROXY_SERVICE.replace('name: squid', 'name: other')])
      expect(simulate(yaml)('app', 'http://squid.proxy:3128/')).toMatchObject({
        verdict: 'undetermined',
        missing: 'the Kubernetes Service squid.proxy.svc.cluster.local',
      });
  });

  it('in a namespace the repository does not know: an external name (blocked under REGISTRY_ONLY)', () => {
    expect(simulate(PROXY_SERVICE)('app', 'http://example.com/').verdict).toBe(
      'blocked-unregistered',
    );
  });
});

describe('name.namespace registered by a ServiceEntry beside the Service of that name', () => {
  const ENTRY = httpEntry('api', 'app', 'api.partner');
  const hiddenService = (exportTo: string): string => `apiVersion: v1
kind: Service
metadata: {name: api, namespace: partner, annotations: {networking.istio.io/exportTo: "${exportTo}"}}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80}, {name: tls, port: 443}]
---
`;
  it('HTTP: the ServiceEntry takes the Host header (the Service gives up its alternate name, dedupeDomains)', () => {
    for (const exportTo of ['.', '*']) {
      const e = simulate(ENTRY + hiddenService(exportTo))('app', 'http://api.partner/');
      expect(e.verdict).toBe('allowed-direct');
      expect(e.upstream).toMatchObject({ host: 'api.partner', port: 80 });
      expect(decisionText(e)).toContain('gives up its alternate name api.partner');
    }
  });

  it('TLS: no Host header; the resolver finds the Service first: hidden from the client, undetermined', () => {
    const tls = serviceEntry(
      'api',
      'app',
      'api.partner',
      '{number: 443, name: tls, protocol: TLS}',
    );
    const hidden = simulate(`${tls}---\n${hiddenService('.')}`)('app', 'https://api.partner/');
    expect(hidden).toMatchObject({ verdict: 'undetermined' });
    expect(hidden.missing).toContain('the Kubernetes Service api.partner.svc.cluster.local');
    const seen = simulate(`${tls}---\n${hiddenService('*')}`)('app', 'https://api.partner/');
    expect(seen.hops.at(-1)?.to).toBe('api.partner.svc.cluster.local:443');
  });
});

describe('a sidecar route to an in-cluster Service that is not the egress gateway', () => {
  it('a Service in the repository: the request goes there; beyond it is undetermined', () => {
    const e = simulate(routeTo('squid.proxy.svc.cluster.local', 3128) + PROXY_SERVICE)(
      'app',
      'http://httpbin.org/get',
    );
    expect(e).toMatchObject({
      verdict: 'undetermined',
      missing: 'what the workloads behind squid.proxy.svc.cluster.local do with it',
    });
    expect(e.hops.at(-1)).toMatchObject({
      from: 'sidecar of app/*',
      to: 'squid.proxy.svc.cluster.local:3128',
    });
    expect(decisionText(e)).toContain(
      'VirtualService app/httpbin sends it to squid.proxy.svc.cluster.local:3128, an in-cluster Service that is not an egress gateway',
    );
  });

  it('a Service the repository does not show: undetermined, naming it', () => {
    const e = simulate(routeTo('squid.proxy.svc.cluster.local', 3128))(
      'app',
      'http://httpbin.org/get',
    );
    expect(e).toMatchObject({
      verdict: 'undetermined',
      missing: 'the Kubernetes Service squid.proxy.svc.cluster.local',
    });
  });

  it("a route to an ExternalName Service takes the named host's cluster (here registered)", () => {
    const e = simulate(routeTo('my-httpbin') + EXTERNAL_NAME)('app', 'http://httpbin.org/get');
    expect(e.verdict).toBe('allowed-direct');
    expect(e.upstream).toMatchObject({ host: 'httpbin.org', port: 80 });
    expect(decisionText(e)).toContain(
      'Service app/my-httpbin is type ExternalName: Istio routes my-httpbin.app.svc.cluster.local to the cluster of httpbin.org',
    );
  });

  it('a route to an alias of an alias: broken, a route follows one alias only (route.go GetDestinationCluster) and an alias has no cluster', () => {
    const chain = EXTERNAL_NAME.replace(
      'externalName: httpbin.org',
      'externalName: second.app.svc.cluster.local',
    );
    const e = simulate(routeTo('my-httpbin') + chain + SECOND_ALIAS)(
      'app',
      'http://httpbin.org/get',
    );
    expect(e.verdict).toBe('broken');
    expect(e.reason).toBe(
      'the route sends to my-httpbin.app.svc.cluster.local, an alias of second.app.svc.cluster.local, which is itself an alias: Istio follows one alias for a route and has no cluster for second.app.svc.cluster.local',
    );
    expect(decisionText(e)).toContain(
      'Service app/second is type ExternalName too: a route follows one alias only, and Istio builds no cluster for an alias',
    );
  });

  describe("a route without a port to an ExternalName Service: the alias Service's own single port, else the listener port (route.go GetDestinationCluster looks up the service the route names, the alias)", () => {
    /** The route without a port, httpbin.org registered with these ports. */
    const noPort = (ports: string): string =>
      routeTo('my-httpbin', null).replace(
        'ports: [{number: 80, name: http, protocol: HTTP}]',
        `ports: [${ports}]`,
      );
    const HTTP_80 = '{number: 80, name: http, protocol: HTTP}';
    const HTTP_8080 = '{number: 8080, name: http-alt, protocol: HTTP}';

    it('one port on the alias: that port, though the named host has two', () => {
      const alias = EXTERNAL_NAME.replace('port: 80}', 'port: 8080}');
      const e = simulate(noPort(`${HTTP_80}, ${HTTP_8080}`) + alias)(
        'app',
        'http://httpbin.org/get',
      );
      expect(e.verdict).toBe('allowed-direct');
      expect(e.upstream).toMatchObject({ host: 'httpbin.org', port: 8080 });
    });

    it('two ports on the alias: the listener port, though the named host has one (no cluster on it: broken)', () => {
      const alias = EXTERNAL_NAME.replace(
        'ports: [{name: http, protocol: TCP, port: 80}]',
        'ports: [{name: http, protocol: TCP, port: 80}, {name: https, protocol: TCP, port: 443}]',
      );
      const e = simulate(noPort(HTTP_8080) + alias)('app', 'http://httpbin.org/get');
      expect(e.verdict).toBe('broken');
      expect(e.reason).toContain(
        'the route sends to httpbin.org:80, but no visible ServiceEntry declares port 80',
      );
    });
  });

  it('a route to an ExternalName Service whose named host is not registered: broken, no cluster', () => {
    const elsewhere = EXTERNAL_NAME.replace(
      'externalName: httpbin.org',
      'externalName: example.com',
    );
    const e = simulate(routeTo('my-httpbin') + elsewhere)('app', 'http://httpbin.org/get');
    expect(e.verdict).toBe('broken');
    expect(e.reason).toContain('the route sends to example.com, which no ServiceEntry registers');
  });

  it('an ExternalName Service for an in-cluster name the repository does not show: undetermined, naming it', () => {
    const alias = EXTERNAL_NAME.replace(
      'externalName: httpbin.org',
      'externalName: squid.proxy.svc.cluster.local',
    );
    const e = simulate(routeTo('my-httpbin') + alias)('app', 'http://httpbin.org/get');
    expect(e).toMatchObject({
      verdict: 'undetermined',
      missing: 'the Kubernetes Service squid.proxy.svc.cluster.local',
    });
  });

  const SELECTORLESS = `apiVersion: v1
kind: Service
metadata: {name: squid, namespace: proxy}
spec:
  ports: [{name: tcp, port: 3128}]
---
`;
  const endpoints = (address: string) => `apiVersion: v1
kind: Endpoints
metadata: {name: squid, namespace: proxy}
subsets: [{addresses: [${address}], ports: [{name: tcp, port: 3128}]}]
---
`;

  it('a Service without selector whose Endpoints list addresses, not pods: the last hop, reached straight out', () => {
    const e = simulate(
      routeTo('squid.proxy.svc.cluster.local', 3128) + SELECTORLESS + endpoints('{ip: 10.9.8.7}'),
    )('app', 'http://httpbin.org/get');
    expect(e.verdict).toBe('allowed-direct');
    expect(e.upstream).toMatchObject({ host: 'squid.proxy.svc.cluster.local', port: 3128 });
    expect(e.notes.join('\n')).toContain(
      'Service proxy/squid has no selector and Endpoints proxy/squid list addresses, not pods (10.9.8.7)',
    );
  });

  it('a Service without selector whose Endpoints name pods, with no Endpoints shown, or only an FQDN slice: undetermined', () => {
    const podTarget = '{ip: 10.9.8.7, targetRef: {kind: Pod, name: squid-0, namespace: proxy}}';
    const fqdnSlice = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: squid-fqdn, namespace: proxy, labels: {kubernetes.io/service-name: squid}}
addressType: FQDN
endpoints: [{addresses: [squid.example.com]}]
ports: [{name: tcp, port: 3128}]
---
`;
    for (const yaml of [
      SELECTORLESS + endpoints(podTarget),
      SELECTORLESS,
      SELECTORLESS + fqdnSlice,
    ]) {
      const e = simulate(routeTo('squid.proxy.svc.cluster.local', 3128) + yaml)(
        'app',
        'http://httpbin.org/get',
      );
      expect(e.verdict).toBe('undetermined');
    }
  });

  it('a request to an in-cluster Service itself reaches it; it never leaves the mesh from the sidecar', () => {
    const e = simulate(PROXY_SERVICE)('app', 'http://squid.proxy.svc.cluster.local:3128/');
    expect(e.verdict).toBe('undetermined');
    expect(e.upstream).toBeUndefined();
  });
});

describe('access changes', () => {
  const analysis = (yaml: string) =>
    analyzeSources([{ path: 'mesh.yaml', content: yaml }], parseProjectConfig(REGISTRY_ONLY));

  it('a change to undetermined is shown: the ExternalName Service leaves the repository', () => {
    const changes = compareAccess(
      analysis(EXTERNAL_NAME.replace(/---\n$/, '')),
      analysis('apiVersion: v1\nkind: Namespace\nmetadata: {name: app}\n'),
    );
    expect(changes.map(formatAccessChange)).toEqual([
      '(unlisted namespace)/* -> http://my-httpbin.app.svc.cluster.local:80: blocked-unregistered -> undetermined',
    ]);
  });
});
