/**
 * Creation order: where Istio uses the oldest of several resources, the repository cannot show which
 * that is. The simulator tries each; a request they answer differently is `undetermined`, naming them.
 */
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/analyze.js';
import { parseProjectConfig } from '../../src/config/project-config.js';
import { decisionText, httpEntry, simulatorFor, type Explain } from './helpers.js';

const REGISTRY_ONLY = 'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n';

function simulate(yaml: string, config = REGISTRY_ONLY): Explain {
  return simulatorFor(
    analyzeSources([{ path: 'mesh.yaml', content: yaml }], parseProjectConfig(config)),
  );
}

const HTTPBIN_ENTRY = httpEntry('httpbin', 'istio-system');

/** A sidecar VirtualService for httpbin.org in `namespace`, with `http` routes as given. */
const sidecarVs = (
  name: string,
  namespace: string,
  http: string,
  head = '',
): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  hosts: [httpbin.org]
${head}  http:
${http}---
`;

const STRAIGHT_OUT = '  - route: [{destination: {host: httpbin.org}}]\n';
const REFUSE = '  - directResponse: {status: 403}\n';

describe('two sidecar VirtualServices for one host (httproute.go "duplicate domain")', () => {
  const yaml =
    HTTPBIN_ENTRY +
    sidecarVs('httpbin-a', 'team-a', STRAIGHT_OUT) +
    sidecarVs('httpbin-b', 'team-b', REFUSE);

  it('different answers: undetermined, naming both and what each gives', () => {
    const e = simulate(yaml)('app', 'http://httpbin.org/get');
    expect(e.verdict).toBe('undetermined');
    expect(e.missing).toBe(
      'which of VirtualService team-a/httpbin-a and VirtualService team-b/httpbin-b Istio created first',
    );
    expect(e.reason).toMatch(
      /^creation order decides: oldest with VirtualService team-a\/httpbin-a: allowed-direct \(.*\); oldest with VirtualService team-b\/httpbin-b: blocked-unregistered \(.*direct response 403/,
    );
    expect(e.expected).toMatch(/^depends on which of VirtualService team-a\/httpbin-a and/);
    expect(e.upstream).toBeUndefined();
    // What both orders share stays: the application's hop to its sidecar, the outbound policy.
    expect(e.hops.map((h) => h.to)).toEqual(['sidecar of app/*']);
    expect(decisionText(e)).toContain('outbound traffic policy REGISTRY_ONLY');
    expect(decisionText(e)).toContain(
      'Istio uses the oldest of VirtualService team-a/httpbin-a and VirtualService team-b/httpbin-b for httpbin.org:80 on the sidecar of app/*; the repository cannot show which was created first',
    );
  });

  it('the same answer either way: definite, with a note', () => {
    const same =
      HTTPBIN_ENTRY +
      sidecarVs('httpbin-a', 'team-a', STRAIGHT_OUT) +
      sidecarVs(
        'httpbin-b',
        'team-b',
        '  - match: [{uri: {prefix: /}}]\n    route: [{destination: {host: httpbin.org}}]\n',
      );
    const e = simulate(same)('app', 'http://httpbin.org/get');
    expect(e.verdict).toBe('allowed-direct');
    expect(e.notes).toContain(
      'Istio uses the oldest of VirtualService team-a/httpbin-a and VirtualService team-b/httpbin-b for httpbin.org:80 on the sidecar of app/* (creation order, which the repository cannot show); the answer is the same whichever it is',
    );
  });

  it("a VirtualService private to the client's namespace comes before public ones, whatever their age", () => {
    const privateOne =
      HTTPBIN_ENTRY +
      sidecarVs('httpbin-a', 'team-a', STRAIGHT_OUT) +
      sidecarVs('httpbin-b', 'team-b', REFUSE, '  exportTo: ["."]\n');
    const explain = simulate(privateOne);
    expect(explain('team-b', 'http://httpbin.org/get').verdict).toBe('blocked-unregistered');
    // Elsewhere team-b's is not visible: only team-a's applies.
    expect(explain('app', 'http://httpbin.org/get').verdict).toBe('allowed-direct');
  });

  it('a VirtualService dropped for the workload (no route applies) does not compete', () => {
    const scoped =
      HTTPBIN_ENTRY +
      sidecarVs('httpbin-a', 'team-a', STRAIGHT_OUT) +
      sidecarVs(
        'httpbin-b',
        'team-b',
        '  - match: [{sourceNamespace: team-b}]\n    directResponse: {status: 403}\n',
      );
    const e = simulate(scoped)('app', 'http://httpbin.org/get');
    expect(e.verdict).toBe('allowed-direct');
    expect(e.notes.join('\n')).not.toMatch(/oldest/);
  });
});

describe('two Sidecars for the same workloads (push_context.go getSidecarScope)', () => {
  const sidecar = (
    name: string,
    mode: string,
    selector = '',
  ): string => `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ${name}, namespace: app}
spec:
${selector}  outboundTrafficPolicy: {mode: ${mode}}
---
`;
  const yaml = HTTPBIN_ENTRY + sidecar('strict', 'REGISTRY_ONLY') + sidecar('open', 'ALLOW_ANY');

  it('an unregistered host: blocked under one, passed through under the other', () => {
    const e = simulate(yaml)('app', 'http://example.com/');
    expect(e.verdict).toBe('undetermined');
    expect(e.missing).toBe('which of Sidecar app/open and Sidecar app/strict Istio created first');
    expect(e.reason).toContain('oldest with Sidecar app/open: allowed-direct');
    expect(e.reason).toContain('oldest with Sidecar app/strict: blocked-unregistered');
  });

  it('a registered host goes out under both', () => {
    expect(simulate(yaml)('app', 'http://httpbin.org/').verdict).toBe('allowed-direct');
  });

  it('selectors that both match the workload tie as well; a matching selector beats none', () => {
    const labelled =
      HTTPBIN_ENTRY +
      sidecar('by-app', 'REGISTRY_ONLY', '  workloadSelector: {labels: {app: web}}\n') +
      sidecar('by-tier', 'ALLOW_ANY', '  workloadSelector: {labels: {tier: front}}\n') +
      sidecar('plain', 'ALLOW_ANY');
    const explain = simulate(labelled);
    expect(explain('app/app=web,tier=front', 'http://example.com/').verdict).toBe('undetermined');
    expect(explain('app/app=web', 'http://example.com/').verdict).toBe('blocked-unregistered');
    expect(explain('app/app=db', 'http://example.com/').verdict).toBe('allowed-direct');
  });
});

describe('DestinationRules for one host in one namespace are merged (destination_rule.go)', () => {
  const rule = (name: string, policy: string): string => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: app}
spec:
  host: httpbin.org
${policy}---
`;

  it('two top-level traffic policies: the oldest one is kept, so the TLS sent is undetermined', () => {
    const yaml =
      HTTPBIN_ENTRY +
      rule('originate', '  trafficPolicy: {tls: {mode: SIMPLE}}\n') +
      rule('plain', '  trafficPolicy: {connectionPool: {tcp: {maxConnections: 10}}}\n');
    const e = simulate(yaml)('app', 'http://httpbin.org/get');
    expect(e.verdict).toBe('undetermined');
    expect(e.missing).toBe(
      'which of DestinationRule app/originate and DestinationRule app/plain Istio created first',
    );
  });

  it('subsets and a single top-level policy merge whatever the order', () => {
    const yaml =
      HTTPBIN_ENTRY +
      rule('originate', '  trafficPolicy: {tls: {mode: SIMPLE}}\n') +
      rule('subsets', '  subsets: [{name: v1, labels: {version: v1}}]\n');
    const e = simulate(yaml)('app', 'http://httpbin.org/get');
    expect(e.verdict).toBe('allowed-direct');
    expect(e.upstream).toMatchObject({ tls: 'SIMPLE' });
    expect(e.notes.join('\n')).not.toMatch(/oldest/);
  });
});

describe('Gateways on the same pods are merged oldest first (gateway.go MergeGateways)', () => {
  const gateway = (name: string, mode: string): string => `---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers: [{port: {number: 443, name: tls, protocol: TLS}, hosts: [httpbin.org], tls: {mode: ${mode}}}]
`;
  const yaml = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin, namespace: istio-system}
spec:
  hosts: [httpbin.org]
  resolution: DNS
  ports: [{number: 443, name: tls, protocol: TLS}]
${gateway('egress-mtls', 'ISTIO_MUTUAL')}${gateway('egress-pass', 'PASSTHROUGH')}---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: to-gateway, namespace: istio-system}
spec:
  host: istio-egressgateway
  subsets: [{name: httpbin, trafficPolicy: {tls: {mode: ISTIO_MUTUAL, sni: httpbin.org}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: istio-system}
spec:
  hosts: [httpbin.org]
  gateways: [mesh, egress-mtls]
  tls:
  - match: [{gateways: [mesh], port: 443, sniHosts: [httpbin.org]}]
    route: [{destination: {host: istio-egressgateway, subset: httpbin, port: {number: 443}}}]
  tcp:
  - match: [{gateways: [egress-mtls], port: 443}]
    route: [{destination: {host: httpbin.org, port: {number: 443}}}]
`;

  it('two servers for one host and port with different TLS modes: which one the gateway keeps is creation order', () => {
    const e = simulate(yaml)('app', 'https://httpbin.org');
    expect(e.verdict).toBe('undetermined');
    expect(e.missing).toBe(
      'which of Gateway istio-system/egress-mtls and Gateway istio-system/egress-pass Istio created first',
    );
    expect(e.reason).toContain('oldest with Gateway istio-system/egress-mtls: allowed-via-gateway');
    expect(e.reason).toContain('oldest with Gateway istio-system/egress-pass: broken');
    // Both orders reach the gateway: that hop is certain.
    expect(e.hops.map((h) => h.to)).toEqual([
      'sidecar of app/*',
      'istio-egressgateway.istio-system.svc.cluster.local:443',
    ]);
  });

  it('two VirtualServices with a tcp route for one terminated server: the oldest one gives the route', () => {
    const two = `${yaml.replace(gateway('egress-pass', 'PASSTHROUGH'), '')}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin-elsewhere, namespace: istio-system}
spec:
  hosts: [httpbin.org]
  gateways: [egress-mtls]
  tcp:
  - route: [{destination: {host: elsewhere.example.com, port: {number: 443}}}]
`;
    const e = simulate(two)('app', 'https://httpbin.org');
    expect(e.verdict).toBe('undetermined');
    expect(e.missing).toBe(
      'which of VirtualService istio-system/httpbin and VirtualService istio-system/httpbin-elsewhere Istio created first',
    );
    expect(e.reason).toContain('oldest with VirtualService istio-system/httpbin-elsewhere: broken');
  });

  it('one Gateway only: definite', () => {
    const one = yaml.replace(gateway('egress-pass', 'PASSTHROUGH'), '');
    expect(simulate(one)('app', 'https://httpbin.org').verdict).toBe('allowed-via-gateway');
  });
});

describe('ServiceEntries for one host (sidecar.go selectServices, appendSidecarServices)', () => {
  const entry = (
    name: string,
    namespace: string,
    port: number,
    extra = '',
    resolution = 'DNS',
  ): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  hosts: [httpbin.org]
${extra}  resolution: ${resolution}
  ports: [{number: ${port}, name: http-${port}, protocol: HTTP}]
---
`;

  it("two namespaces, neither the client's: the oldest decides; different ports give undetermined", () => {
    const yaml = entry('on-80', 'team-a', 80) + entry('on-8080', 'team-b', 8080);
    const e = simulate(yaml)('app', 'http://httpbin.org/get');
    expect(e.verdict).toBe('undetermined');
    expect(e.missing).toBe(
      'which of ServiceEntry team-a/on-80 and ServiceEntry team-b/on-8080 Istio created first',
    );
    expect(e.reason).toMatch(/oldest with ServiceEntry team-a\/on-80: allowed-direct/);
    expect(e.reason).toMatch(/oldest with ServiceEntry team-b\/on-8080: blocked-unregistered/);
    expect(decisionText(e)).toContain(
      'Istio uses the oldest of ServiceEntry team-a/on-80 and ServiceEntry team-b/on-8080 for the service httpbin.org for sidecars of namespace app',
    );
  });

  it('the same answer whichever is older: definite, with a note', () => {
    const yaml = entry('a', 'team-a', 80) + entry('b', 'team-b', 80);
    const e = simulate(yaml)('app', 'http://httpbin.org/get');
    expect(e.verdict).toBe('allowed-direct');
    expect(e.notes.join('\n')).toMatch(
      /oldest of ServiceEntry team-a\/a and ServiceEntry team-b\/b for the service httpbin.org .*the answer is the same whichever it is/,
    );
  });

  it("the client's own namespace wins whatever the age: the other's port does not apply", () => {
    const yaml = entry('on-80', 'team-a', 80) + entry('own', 'app', 8080);
    const explain = simulate(yaml);
    const e = explain('app', 'http://httpbin.org/get');
    expect(e.verdict).toBe('blocked-unregistered');
    expect(decisionText(e)).toContain(
      'ServiceEntry app/own is what Istio uses for the service httpbin.org for sidecars of namespace app, not ServiceEntry team-a/on-80: a sidecar prefers entries of its own namespace app',
    );
    expect(explain('app', 'http://httpbin.org:8080/get').verdict).toBe('allowed-direct');
    // team-b sees both, neither its own: creation order decides there.
    expect(explain('team-b', 'http://httpbin.org/get').verdict).toBe('undetermined');
  });

  it('an entry exported to the namespace by name comes before a public one', () => {
    const yaml =
      entry('named', 'team-a', 8080, '  exportTo: [app]\n') + entry('public', 'team-b', 80);
    const e = simulate(yaml)('app', 'http://httpbin.org/get');
    expect(e.verdict).toBe('blocked-unregistered');
    expect(decisionText(e)).toContain(
      'entries exported to the namespace by name or privately come before public ones',
    );
  });

  it('entries of one namespace merge their ports when they agree on resolution and exportTo', () => {
    const merged = entry('on-80', 'team-a', 80) + entry('on-8080', 'team-a', 8080);
    expect(simulate(merged)('app', 'http://httpbin.org:8080/').verdict).toBe('allowed-direct');
    expect(simulate(merged)('app', 'http://httpbin.org/').verdict).toBe('allowed-direct');
    // A different resolution: the later one is ignored, and which is later is creation order.
    const apart = entry('on-80', 'team-a', 80) + entry('on-8080', 'team-a', 8080, '', 'NONE');
    expect(simulate(apart)('app', 'http://httpbin.org:8080/').verdict).toBe('undetermined');
  });

  /** A sidecar route in `app` for httpbin.org whose destination names no port. */
  const routeWithoutPort = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: app}
spec:
  hosts: [httpbin.org]
  http: [{route: [{destination: {host: httpbin.org}}]}]
---
`;

  it('a route without a port goes to the only port of the merged service, else to the listener port (route.go GetDestinationCluster)', () => {
    // Merged, the service has ports 80 and 8080: no single port, so the request's own port.
    const merged = entry('on-80', 'team-a', 80) + entry('on-8080', 'team-a', 8080);
    const e = simulate(routeWithoutPort + merged)('app', 'http://httpbin.org:8080/');
    expect(e.verdict).toBe('allowed-direct');
    expect(e.upstream?.port).toBe(8080);
    // Kept apart (another resolution), the oldest alone is the service: its only port, or the
    // request's, by creation order.
    const apart = entry('on-80', 'team-a', 80) + entry('on-8080', 'team-a', 8080, '', 'STATIC');
    const order = simulate(routeWithoutPort + apart)('app', 'http://httpbin.org:8080/');
    expect(order.verdict).toBe('undetermined');
    expect(order.missing).toBe(
      'which of ServiceEntry team-a/on-80 and ServiceEntry team-a/on-8080 Istio created first',
    );
  });

  it('a Kubernetes Service comes before a ServiceEntry for its host', () => {
    const yaml = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: squat, namespace: team-a}
spec:
  hosts: [api.backend.svc.cluster.local]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 80, name: http, protocol: HTTP}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: backend}
spec:
  selector: {app: api}
  ports: [{port: 8080, name: http}]
`;
    const e = simulate(yaml)('app', 'http://api.backend.svc.cluster.local/');
    // The Service has no port 80, and the ServiceEntry's port 80 does not apply.
    expect(e.verdict).toBe('blocked-unregistered');
    expect(decisionText(e)).toContain(
      'Service backend/api is what Istio uses for the service api.backend.svc.cluster.local for sidecars of namespace app, not ServiceEntry team-a/squat: a Kubernetes Service comes before ServiceEntries',
    );
  });
});
