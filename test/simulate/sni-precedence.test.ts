/**
 * sniHosts precedence: Envoy picks the filter chain whose server name matches the SNI most
 * specifically (the exact name, then the longest wildcard suffix), whatever the order of the tls
 * routes, within one VirtualService or across several, on the sidecar and on a PASSTHROUGH gateway
 * server (envoy filter_chain_manager_impl.cc findFilterChainForServerName; Istio builds a chain per
 * tls match: pilot/pkg/networking/core/tls.go, gateway.go buildGatewayNetworkFiltersFromTLSRoutes).
 */
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/analyze.js';
import { parseProjectConfig } from '../../src/config/project-config.js';
import { decisionText, simulatorFor, type Explain } from './helpers.js';

const REGISTRY_ONLY = 'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n';

const simulate = (yaml: string): Explain =>
  simulatorFor(
    analyzeSources([{ path: 'mesh.yaml', content: yaml }], parseProjectConfig(REGISTRY_ONLY)),
  );

const ENTRY = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: default}
spec:
  hosts: [api.example.com]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
---
`;

/** A tls route for `sni` on `gateway` to `to` (a host no ServiceEntry registers breaks the request). */
const tlsRoute = (sni: string, to: string, gateway = 'mesh'): string =>
  `  - match: [{gateways: [${gateway}], port: 443, sniHosts: ["${sni}"]}]
    route: [{destination: {host: ${to}, port: {number: 443}}}]
`;

const vs = (name: string, routes: string, gateways = '[mesh]'): string => `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: default}
spec:
  hosts: ["*.example.com"]
  gateways: ${gateways}
  tls:
${routes}`;

const EXACT = tlsRoute('api.example.com', 'api.example.com');
const WILD = tlsRoute('*.example.com', 'unregistered.example.com');

describe('on the sidecar', () => {
  it.each([
    ['exact first', EXACT + WILD],
    ['wildcard first', WILD + EXACT],
  ])('one VirtualService, %s: the exact sniHost takes the connection', (_, routes) => {
    const e = simulate(ENTRY + vs('routes', routes))('default/app=a', 'https://api.example.com');
    expect(e.verdict).toBe('allowed-direct');
    expect(decisionText(e)).toMatch(
      /VirtualService default\/routes tls\[\d\] matches SNI api.example.com/,
    );
  });

  it.each([
    ['exact one first', vs('exact', EXACT) + vs('wild', WILD)],
    ['wildcard one first', vs('wild', WILD) + vs('exact', EXACT)],
  ])('two VirtualServices, %s: the exact sniHost takes the connection', (_, yaml) => {
    const e = simulate(ENTRY + yaml)('default/app=a', 'https://api.example.com');
    expect(e.verdict).toBe('allowed-direct');
    expect(decisionText(e)).toContain(
      'VirtualService default/exact tls[0] matches SNI api.example.com',
    );
  });

  it('a longer wildcard beats a shorter one', () => {
    const routes =
      tlsRoute('*.example.com', 'unregistered.example.com') +
      tlsRoute('*.api.example.com', 'api.example.com');
    const e = simulate(ENTRY + vs('routes', routes))('default/app=a', 'https://v1.api.example.com');
    expect(decisionText(e)).toContain(
      'VirtualService default/routes tls[1] matches SNI v1.api.example.com',
    );
  });
});

/** A PASSTHROUGH server for *.example.com on the egress gateway. */
const GATEWAY = `---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: egress, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers: [{port: {number: 443, name: tls, protocol: TLS}, hosts: ["*.example.com"], tls: {mode: PASSTHROUGH}}]
`;

describe('on a PASSTHROUGH gateway server', () => {
  const TO_GATEWAY = tlsRoute(
    'api.example.com',
    'istio-egressgateway.istio-system.svc.cluster.local',
  );
  const AT_GATEWAY = '[mesh, istio-system/egress]';
  const exact = tlsRoute('api.example.com', 'api.example.com', 'istio-system/egress');
  const wild = tlsRoute('*.example.com', 'unregistered.example.com', 'istio-system/egress');

  it.each([
    ['exact first', TO_GATEWAY + exact + wild],
    ['wildcard first', TO_GATEWAY + wild + exact],
  ])('one VirtualService, %s: the exact sniHost takes the connection', (_, routes) => {
    const e = simulate(ENTRY + GATEWAY + vs('routes', routes, AT_GATEWAY))(
      'default/app=a',
      'https://api.example.com',
    );
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.upstream).toMatchObject({ host: 'api.example.com' });
  });

  it.each([
    [
      'exact one first',
      vs('to-gw', TO_GATEWAY) + vs('exact', exact, AT_GATEWAY) + vs('wild', wild, AT_GATEWAY),
    ],
    [
      'wildcard one first',
      vs('to-gw', TO_GATEWAY) + vs('wild', wild, AT_GATEWAY) + vs('exact', exact, AT_GATEWAY),
    ],
  ])('two VirtualServices, %s: the exact sniHost takes the connection', (_, yaml) => {
    const e = simulate(ENTRY + GATEWAY + yaml)('default/app=a', 'https://api.example.com');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(decisionText(e)).toContain(
      'VirtualService default/exact tls[0] matches SNI api.example.com',
    );
  });
});

/**
 * A tls match listing `*` with other hosts, on a PASSTHROUGH server (only gateways can have one:
 * Istio rejects host `*` on a VirtualService bound to the mesh, and an SNI host must be within the
 * hosts). The `*` makes the chain match-all, with no server names (listener.go toFilterChainMatch);
 * every host it lists still counts for CheckDuplicates (gateway.go), so a match repeating one of
 * them is dropped whole, whichever VirtualService is older.
 */
describe('a tls match listing * with other hosts, on a PASSTHROUGH gateway server', () => {
  const yaml = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: example, namespace: default}
spec:
  hosts: [api.example.com, other.example.com]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
${GATEWAY}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: to-gw, namespace: default}
spec:
  hosts: [api.example.com, other.example.com]
  tls:
  - match: [{port: 443, sniHosts: [api.example.com, other.example.com]}]
    route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 443}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: named, namespace: default}
spec:
  hosts: [api.example.com]
  gateways: [istio-system/egress]
  tls:
  - match: [{port: 443, sniHosts: [api.example.com]}]
    route: [{destination: {host: api.example.com, port: {number: 443}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: catch-all, namespace: default}
spec:
  hosts: ["*"]
  gateways: [istio-system/egress]
  tls:
  - match: [{port: 443, sniHosts: ["*", api.example.com]}]
    route: [{destination: {host: other.example.com, port: {number: 443}}}]
`;
  const BOTH =
    'which of VirtualService default/catch-all and VirtualService default/named Istio created first';

  it('an SNI only the * takes: routed if the catch-all is older, else its match was dropped for api.example.com', () => {
    const e = simulate(yaml)('default/app=a', 'https://other.example.com');
    expect(e.verdict, e.reason).toBe('undetermined');
    expect(e.missing).toBe(BOTH);
    expect(e.reason).toMatch(/oldest with VirtualService default\/catch-all: allowed-via-gateway/);
    expect(e.reason).toMatch(/oldest with VirtualService default\/named: broken/);
    // api.example.com: the named match if it is older, else the catch-all's (match-all) chain.
    const api = simulate(yaml)('default/app=a', 'https://api.example.com');
    expect(api.verdict, api.reason).toBe('undetermined');
    expect(api.missing).toBe(BOTH);
  });

  it('without the named match, the * takes every SNI, api.example.com included', () => {
    const alone = yaml.replace(
      /---\napiVersion: networking.istio.io\/v1\nkind: VirtualService\nmetadata: \{name: named[\s\S]*?(?=---)/,
      '',
    );
    expect(alone).not.toContain('name: named');
    for (const url of ['https://other.example.com', 'https://api.example.com']) {
      const e = simulate(alone)('default/app=a', url);
      expect(e.verdict, `${url}: ${e.reason}`).toBe('allowed-via-gateway');
      expect(e.upstream).toMatchObject({ host: 'other.example.com' });
    }
  });
});
