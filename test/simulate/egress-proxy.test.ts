/**
 * A Sidecar's own outbound traffic policy, and its egressProxy: under ALLOW_ANY, unknown destinations
 * go to that service instead of the PassthroughCluster (listener_builder.go, httproute.go).
 */
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/analyze.js';
import { parseProjectConfig } from '../../src/config/project-config.js';
import { compareAccess, formatAccessChange } from '../../src/simulate/access.js';
import { decisionText, simulatorFor, type Explain } from './helpers.js';

const REGISTRY_ONLY = 'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n';

function analysis(yaml: string, config = REGISTRY_ONLY) {
  return analyzeSources([{ path: 'mesh.yaml', content: yaml }], parseProjectConfig(config));
}

function simulate(yaml: string, config = REGISTRY_ONLY): Explain {
  const a = analysis(yaml, config);
  expect(a.findings.filter((f) => f.severity === 'error').map((f) => f.message)).toEqual([]);
  return simulatorFor(a);
}

/** A Sidecar for namespace app with this outboundTrafficPolicy. */
const sidecar = (policy: string): string => `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: app}
spec:
  outboundTrafficPolicy: ${policy}
---
`;

const viaProxy = (host: string, port: number): string =>
  sidecar(`{mode: ALLOW_ANY, egressProxy: {host: ${host}, port: {number: ${port}}}}`);

/** example.com registered for istio-system only, and the egress gateway routing it out. */
const GATEWAY = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: example, namespace: istio-system}
spec:
  hosts: [example.com]
  exportTo: ["."]
  resolution: DNS
  ports: [{number: 80, name: http, protocol: HTTP}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: egress, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: example, namespace: istio-system}
spec:
  hosts: [example.com]
  gateways: [egress]
  http:
  - route: [{destination: {host: example.com, port: {number: 80}}}]
---
`;

const EXTERNAL_PROXY = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: corp-proxy, namespace: app}
spec:
  hosts: [proxy.corp.example]
  resolution: DNS
  ports: [{number: 3128, name: tcp-proxy, protocol: TCP}]
---
`;

describe('Sidecar outboundTrafficPolicy.egressProxy', () => {
  it('to the egress gateway: unknown destinations leave through it', () => {
    const e = simulate(
      viaProxy('istio-egressgateway.istio-system.svc.cluster.local', 80) + GATEWAY,
    )('app', 'http://example.com/');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.gateway).toMatchObject({ name: 'egressgateway', port: 80 });
    expect(decisionText(e)).toContain(
      'example.com:80 is not registered for this workload: under ALLOW_ANY, Sidecar app/default sends unknown destinations to its egress proxy istio-egressgateway.istio-system.svc.cluster.local:80 instead of passing them through',
    );
  });

  it('to a proxy a ServiceEntry registers: the sidecar sends it there, not to the destination', () => {
    const e = simulate(viaProxy('proxy.corp.example', 3128) + EXTERNAL_PROXY)(
      'app',
      'https://unknown.example.org',
    );
    expect(e.verdict).toBe('allowed-direct');
    expect(e.upstream).toMatchObject({ host: 'proxy.corp.example', port: 3128 });
    expect(e.hops.at(-1)).toMatchObject({ to: 'proxy.corp.example:3128' });
  });

  it('to an in-cluster Service the repository does not show: undetermined, naming it', () => {
    const e = simulate(viaProxy('squid.proxy.svc.cluster.local', 3128))(
      'app',
      'tcp://db.example.org:5432',
    );
    expect(e).toMatchObject({
      verdict: 'undetermined',
      missing: 'the Kubernetes Service squid.proxy.svc.cluster.local',
    });
  });

  it('to a host nobody registers: Envoy has no cluster for it', () => {
    const e = simulate(viaProxy('proxy.corp.example', 3128))('app', 'http://unknown.example.org/');
    expect(e.verdict).toBe('broken');
    expect(e.reason).toContain('proxy.corp.example');
  });

  it('registered destinations keep their own route', () => {
    const e = simulate(
      viaProxy('proxy.corp.example', 3128) +
        EXTERNAL_PROXY +
        GATEWAY.replace('exportTo: ["."]', 'exportTo: ["*"]'),
    )('app', 'http://example.com/');
    expect(e.verdict).toBe('allowed-direct');
    expect(e.upstream).toMatchObject({ host: 'example.com', port: 80 });
  });

  it('Istio rejects it without ALLOW_ANY: a schema error, and the Sidecar takes no part', () => {
    const a = analysis(
      sidecar(
        '{mode: REGISTRY_ONLY, egressProxy: {host: proxy.corp.example, port: {number: 3128}}}',
      ),
      'mesh:\n  outboundTrafficPolicy: ALLOW_ANY\n',
    );
    expect(
      a.findings
        .filter((f) => f.ruleId === 'schema')
        .map((f) => `${f.line}:${f.column} ${f.message}`),
    ).toEqual([
      '5:48 egressProxy needs outboundTrafficPolicy.mode ALLOW_ANY (here REGISTRY_ONLY); Istio rejects this Sidecar ("egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode")',
    ]);
    expect(simulatorFor(a)('app', 'http://unknown.example.org/').verdict).toBe('allowed-direct');
  });

  it('Istio rejects it without a port', () => {
    const a = analysis(sidecar('{mode: ALLOW_ANY, egressProxy: {host: proxy.corp.example}}'));
    expect(a.findings.filter((f) => f.ruleId === 'schema').map((f) => f.message)).toEqual([
      'egressProxy needs a port (port.number); Istio rejects this Sidecar ("egress_proxy port must be non-nil")',
    ]);
  });
});

describe('access changes', () => {
  it('adding an egressProxy moves unknown destinations of its workloads to the gateway', () => {
    const changes = compareAccess(
      analysis(sidecar('{mode: ALLOW_ANY}') + GATEWAY),
      analysis(viaProxy('istio-egressgateway.istio-system.svc.cluster.local', 80) + GATEWAY),
    );
    expect(changes.map(formatAccessChange)).toContain(
      'app/* -> http://example.com:80: allowed-direct -> allowed-via-gateway',
    );
  });
});

describe("the Sidecar's own outbound traffic policy", () => {
  it('overrides the mesh-wide mode for its workloads', () => {
    const explain = simulate(sidecar('{mode: ALLOW_ANY}'));
    expect(explain('app', 'http://unknown.example.org/').verdict).toBe('allowed-direct');
    expect(explain('other', 'http://unknown.example.org/').verdict).toBe('blocked-unregistered');
  });

  it('without mode it is REGISTRY_ONLY, the enum default', () => {
    const e = simulate(sidecar('{}'), 'mesh:\n  outboundTrafficPolicy: ALLOW_ANY\n')(
      'app',
      'http://unknown.example.org/',
    );
    expect(e.verdict).toBe('blocked-unregistered');
    expect(decisionText(e)).toContain(
      'outbound traffic policy REGISTRY_ONLY (from Sidecar app/default)',
    );
  });
});
