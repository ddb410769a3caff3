/**
 * What decides whether a request meets the mesh at all, and what the workload's sidecar sees: the
 * Sidecar resource's egress imports, interception scope (install values, pod annotations, no
 * sidecar), ServiceEntry addresses and CIDR blocks, and VirtualService sniHosts wider than the
 * registry. One small configuration each.
 */
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/analyze.js';
import { parseProjectConfig } from '../../src/config/project-config.js';
import { accessMatrix } from '../../src/simulate/access.js';
import { decisionText, simulatorFor, type Explain } from './helpers.js';

const REGISTRY_ONLY = 'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n';
const ALLOW_ANY = 'mesh:\n  outboundTrafficPolicy: ALLOW_ANY\n';

function analyze(yaml: string, config = REGISTRY_ONLY) {
  const analysis = analyzeSources(
    [{ path: 'mesh.yaml', content: yaml.trim() }],
    parseProjectConfig(config),
  );
  expect(analysis.findings.filter((f) => f.severity === 'error').map((f) => f.message)).toEqual([]);
  return analysis;
}
const simulate = (yaml: string, config = REGISTRY_ONLY): Explain =>
  simulatorFor(analyze(yaml, config));

const HTTPBIN_IN_SHARED = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin, namespace: shared}
spec:
  hosts: [httpbin.org]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 80, name: http, protocol: HTTP}]
`;

const SIDECAR = (hosts: string, extra = '') => `
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: app}
spec:
${extra}  egress:
  - hosts: [${hosts}]
`;

describe('Sidecar egress imports (pilot/pkg/model/sidecar.go)', () => {
  it('importing only ./* and istio-system/* hides a ServiceEntry of another namespace: REGISTRY_ONLY blocks', () => {
    const hidden = simulate(HTTPBIN_IN_SHARED + SIDECAR('"./*", "istio-system/*"'))(
      'app/app=a',
      'http://httpbin.org/get',
    );
    expect(hidden.verdict).toBe('blocked-unregistered');
    expect(decisionText(hidden)).toContain(
      'Sidecar app/default does not import ServiceEntry shared/httpbin (namespace shared) for port 80',
    );
    expect(hidden.decisions.find((d) => d.text.includes('does not import'))!.source).toMatchObject({
      field: 'spec.egress[0].hosts',
    });
    // Importing the namespace (or every namespace) makes it visible again; other namespaces never had the Sidecar.
    for (const hosts of ['"shared/*"', '"*/httpbin.org"', '"*/*.org"'])
      expect(
        simulate(HTTPBIN_IN_SHARED + SIDECAR(hosts))('app/app=a', 'http://httpbin.org/get').verdict,
      ).toBe('allowed-direct');
    expect(
      simulate(HTTPBIN_IN_SHARED + SIDECAR('"./*"'))('other/app=a', 'http://httpbin.org/get')
        .verdict,
    ).toBe('allowed-direct');
  });

  it('a Kubernetes Service is imported by its host in its namespace: ./* takes one of the own namespace', () => {
    const service = `
apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: app}
spec:
  selector: {app: httpbin}
  ports: [{name: http, port: 8000}]
`;
    const own = simulate(service + SIDECAR('"./*", "istio-system/*"'))(
      'app/app=a',
      'http://httpbin:8000/get',
    );
    expect(own).toMatchObject({
      verdict: 'undetermined',
      missing: 'what the workloads behind httpbin.app.svc.cluster.local do with it',
    });
    const elsewhere = simulate(
      service.replace('namespace: app', 'namespace: shared') + SIDECAR('"./*"'),
    )('app/app=a', 'http://httpbin.shared:8000/get');
    expect(elsewhere.verdict).toBe('blocked-unregistered');
    expect(decisionText(elsewhere)).toContain(
      'Sidecar app/default does not import Service shared/httpbin (namespace shared) for port 8000',
    );
  });

  it('a listener for the port decides for that port; `~/*` imports nothing', () => {
    const yaml =
      HTTPBIN_IN_SHARED +
      `
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: app}
spec:
  egress:
  - port: {number: 80, protocol: HTTP, name: http}
    hosts: ["~/*"]
  - hosts: ["*/*"]
`;
    expect(simulate(yaml)('app/app=a', 'http://httpbin.org/get').verdict).toBe(
      'blocked-unregistered',
    );
  });
});

describe('interception scope and workloads without a sidecar (istio-iptables)', () => {
  const INSTALL = (values: string) => `
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: install, namespace: istio-system}
spec:
  meshConfig: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}
  values: {global: {proxy: {${values}}}}
`;
  const DEPLOYMENT = (annotations: string) => `
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy, namespace: app}
spec:
  selector: {matchLabels: {app: legacy}}
  template:
    metadata:
      labels: {app: legacy}
      annotations: {${annotations}}
    spec:
      containers: [{name: app, image: legacy}]
`;

  it('includeIPRanges of private ranges: public names skip the sidecar, addresses in range do not', () => {
    const explain = simulate(INSTALL('includeIPRanges: "10.0.0.0/8,172.16.0.0/12"'));
    const out = explain('app/app=a', 'https://api.example.com');
    expect(out.verdict).toBe('allowed-direct');
    expect(out.reason).toMatch(/not redirected to the sidecar/);
    expect(out.decisions[0]).toMatchObject({
      at: 'application',
      source: { field: 'spec.values.global.proxy.includeIPRanges' },
    });
    expect(out.notes.join('\n')).toMatch(/taken to resolve to a public address/);
    expect(explain('app/app=a', 'tcp://10.1.2.3:5432').verdict).toBe('blocked-unregistered');
    expect(explain('app/app=a', 'tcp://192.168.1.1:5432').verdict).toBe('allowed-direct');
  });

  it('a public range in includeIPRanges makes it depend on DNS: undetermined, naming what is missing', () => {
    const e = simulate(INSTALL('includeIPRanges: "0.0.0.0/1"'))(
      'app/app=a',
      'https://x.example.com',
    );
    expect(e.verdict).toBe('undetermined');
    expect(e.reason).toMatch(/depends on the address DNS gives it \(includeIPRanges "0.0.0.0\/1"/);
    expect(e.expected).toBe(
      'depends on the address DNS gives x.example.com, which the repository does not show',
    );
  });

  it('excludeIPRanges and excludeOutboundPorts, from the install or the pod annotations (which win)', () => {
    const install = INSTALL('excludeIPRanges: "10.9.0.0/16"');
    expect(simulate(install)('app/app=a', 'tcp://10.9.1.1:3306').verdict).toBe('allowed-direct');
    expect(simulate(install)('app/app=a', 'tcp://10.8.1.1:3306').verdict).toBe(
      'blocked-unregistered',
    );
    const annotated =
      install +
      DEPLOYMENT(
        '"traffic.sidecar.istio.io/excludeOutboundIPRanges": "10.8.0.0/16", "traffic.sidecar.istio.io/excludeOutboundPorts": "6379"',
      );
    const explain = simulate(annotated);
    expect(explain('app/app=legacy', 'tcp://10.8.1.1:3306').verdict).toBe('allowed-direct');
    expect(explain('app/app=legacy', 'tcp://10.9.1.1:3306').verdict).toBe('blocked-unregistered');
    const port = explain('app/app=legacy', 'tcp://cache.example.com:6379');
    expect(port.verdict).toBe('allowed-direct');
    expect(port.decisions[0]!.source).toMatchObject({
      kind: 'Deployment',
      field: 'spec.template.metadata.annotations["traffic.sidecar.istio.io/excludeOutboundPorts"]',
    });
    // Other workloads of the namespace keep the install's values.
    expect(explain('app/app=other', 'tcp://cache.example.com:6379').verdict).toBe(
      'blocked-unregistered',
    );
  });

  it('no sidecar: the pod label sidecar.istio.io/inject=false (in --from or on the pods), or istio-injection=disabled', () => {
    const explain = simulate(
      INSTALL('') +
        DEPLOYMENT('').replace(
          'labels: {app: legacy}',
          'labels: {app: legacy, sidecar.istio.io/inject: "false"}',
        ) +
        `
---
apiVersion: v1
kind: Namespace
metadata: {name: plain, labels: {istio-injection: disabled}}
`,
    );
    for (const from of ['app/app=x,sidecar.istio.io/inject=false', 'app/app=legacy', 'plain'])
      expect(explain(from, 'https://edition.cnn.com').verdict, from).toBe('allowed-direct');
    expect(explain('app/app=x', 'https://edition.cnn.com').verdict).toBe('blocked-unregistered');
  });

  it('a Namespace shown without istio-injection or istio.io/rev: only pods that ask get a sidecar (mutatingwebhook.yaml selectors)', () => {
    const ns = (labels: string) => `
---
apiVersion: v1
kind: Namespace
metadata: {name: app${labels}}
`;
    const asking = DEPLOYMENT('').replace(
      'labels: {app: legacy}',
      'labels: {app: legacy, sidecar.istio.io/inject: "true"}',
    );
    const plain = simulate(INSTALL('') + ns('') + asking);
    const e = plain('app/app=x', 'https://edition.cnn.com');
    expect(e.verdict).toBe('allowed-direct');
    expect(e.reason).toMatch(/has no sidecar/);
    expect(decisionText(e)).toMatch(
      /namespace app has no istio-injection=enabled or istio.io\/rev/,
    );
    // A pod that asks for a sidecar gets one, in --from or on its pods.
    expect(plain('app/app=legacy', 'https://edition.cnn.com').verdict).toBe('blocked-unregistered');
    expect(plain('app/app=x,istio.io/rev=default', 'https://edition.cnn.com').verdict).toBe(
      'blocked-unregistered',
    );
    // Labelled for injection, or an install that injects unlabelled namespaces: sidecars.
    for (const yaml of [
      INSTALL('') + ns(', labels: {istio-injection: enabled}'),
      INSTALL('') + ns(', labels: {istio.io/rev: canary}'),
      INSTALL('').replace(
        'values: {',
        'values: {sidecarInjectorWebhook: {enableNamespacesByDefault: true}, ',
      ) + ns(''),
    ])
      expect(simulate(yaml)('app/app=x', 'https://edition.cnn.com').verdict, yaml).toBe(
        'blocked-unregistered',
      );
  });

  it('the access matrix asks the simulator for sources whose traffic may skip the sidecar', () => {
    const m = accessMatrix(
      analyze(
        HTTPBIN_IN_SHARED +
          `
---
apiVersion: v1
kind: Namespace
metadata: {name: plain, labels: {istio-injection: disabled}}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: plain}
spec: {}
`,
      ),
    );
    expect(m.verdict('plain/*', 'http://httpbin.org:80').verdict).toBe('allowed-direct');
  });
});

describe('addresses and CIDR blocks (serviceentry/conversion.go: a service per address)', () => {
  const PROXY = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: proxy, namespace: app}
spec:
  hosts: [proxy.corp.example]
  addresses: [10.0.0.5/32]
  ports: [{number: 3128, name: tcp, protocol: TCP}]
  location: MESH_EXTERNAL
  resolution: NONE
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: corp-range, namespace: app}
spec:
  hosts: [corp.example]
  addresses: [10.0.0.0/16]
  ports: [{number: 3128, name: tcp, protocol: TCP}, {number: 5432, name: tcp-pg, protocol: TCP}]
  location: MESH_EXTERNAL
  resolution: NONE
`;

  it('explain --url tcp://10.0.0.5:3128: the most specific address takes it, the original destination is kept', () => {
    const explain = simulate(PROXY);
    const e = explain('app/app=a', 'tcp://10.0.0.5:3128');
    expect(e.verdict).toBe('allowed-direct');
    expect(decisionText(e)).toContain(
      'ServiceEntry app/proxy takes connections to 10.0.0.5:3128 (TCP) by its addresses, as service proxy.corp.example',
    );
    expect(e.upstream).toMatchObject({ host: '10.0.0.5', port: 3128 });
    expect(decisionText(explain('app/app=a', 'tcp://10.0.7.7:5432'))).toContain(
      'ServiceEntry app/corp-range takes connections to 10.0.7.7:5432',
    );
    expect(explain('app/app=a', 'tcp://10.1.0.5:3128').verdict).toBe('blocked-unregistered');
    expect(explain('app/app=a', 'tcp://10.0.0.5:22').verdict).toBe('blocked-unregistered');
  });
});

describe('VirtualService sniHosts wider than the registry (tls.go buildSidecarOutboundTLSFilterChainOpts)', () => {
  const WIDE = (sni: string) => `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: www-wikipedia, namespace: default}
spec:
  hosts: [www.wikipedia.org]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: egress, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers: [{port: {number: 443, name: tls, protocol: TLS}, hosts: ["*.wikipedia.org"], tls: {mode: PASSTHROUGH}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: wikipedia, namespace: default}
spec:
  hosts: ["*.wikipedia.org"]
  gateways: [mesh, istio-system/egress]
  tls:
  - match: [{gateways: [mesh], port: 443, sniHosts: ["${sni}"]}]
    route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 443}}}]
  - match: [{gateways: [istio-system/egress], port: 443, sniHosts: ["*.wikipedia.org"]}]
    route: [{destination: {host: www.wikipedia.org, port: {number: 443}}}]
`;

  it('every SNI the sidecar route matches goes to the gateway, under REGISTRY_ONLY and ALLOW_ANY alike', () => {
    for (const config of [REGISTRY_ONLY, ALLOW_ANY]) {
      const e = simulate(WIDE('*.wikipedia.org'), config)(
        'default/app=a',
        'https://en.wikipedia.org',
      );
      expect(e.verdict).toBe('allowed-via-gateway');
      expect(decisionText(e)).toContain(
        "VirtualService default/wikipedia attaches to ServiceEntry default/www-wikipedia, which opens the sidecar's TLS listener on port 443",
      );
      expect(e.upstream).toMatchObject({ host: 'www.wikipedia.org', tls: 'app' });
    }
  });

  it('an SNI the route does not match falls to the outbound policy', () => {
    const e = simulate(WIDE('en.wikipedia.org'))('default/app=a', 'https://de.wikipedia.org');
    expect(e.verdict).toBe('blocked-unregistered');
    expect(
      simulate(WIDE('en.wikipedia.org'), ALLOW_ANY)('default/app=a', 'https://de.wikipedia.org')
        .verdict,
    ).toBe('allowed-direct');
  });
});
