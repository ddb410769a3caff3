import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/analyze.js';
import { DEFAULT_CONFIG } from '../../src/config/project-config.js';
import {
  buildIstioIndex,
  gatewayServers,
  serverVirtualServiceHosts,
  serverVirtualServices,
} from '../../src/model/istio.js';
import { hostMatches } from '../../src/model/istio/hosts.js';

const vsYaml = (name: string, namespace: string, hosts: string[]): string => `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  hosts: [${hosts.map((h) => `'${h}'`).join(', ')}]
  gateways: [istio-system/egress]
  http:
  - route:
    - destination: {host: ${hosts[0]!.replace('*', 'x')}}
`;

// Server hosts: any host from namespace team-a, and api.example.com or *.wild.org from anywhere.
const yaml = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: egress, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ['team-a/*', api.example.com, '*.wild.org']
${vsYaml('exact', 'team-b', ['api.example.com'])}${vsYaml('other', 'team-b', ['other.example.com'])}${vsYaml('from-a', 'team-a', ['other.example.com'])}${vsYaml('wild', 'team-b', ['*.wild.org'])}${vsYaml('wider', 'team-b', ['*.org'])}${vsYaml('exact-again', 'team-c', ['api.example.com', 'b.wild.org'])}`;

describe('the VirtualServices a Gateway server takes, by host', () => {
  const analysis = analyzeSources([{ path: 'test.yaml', content: yaml }], DEFAULT_CONFIG);
  const index = buildIstioIndex(analysis.configSet, analysis.render.resources);
  const gateway = index.ofKind('Gateway').find((g) => g.name === 'egress')!;
  const server = gatewayServers(gateway)[0]!;
  const bound = index.virtualServicesForGateway(gateway, 'istio-system');
  const taken = serverVirtualServices(server, 'istio-system', () => bound);
  const names = (rs: readonly { name: string }[]): string[] => rs.map((r) => r.name);

  it('admits those the server takes a host of, in order', () => {
    // The index orders them by namespace and name.
    expect(names(bound)).toEqual(['from-a', 'exact', 'other', 'wider', 'wild', 'exact-again']);
    expect(names(taken.admitted)).toEqual(['from-a', 'exact', 'wider', 'wild', 'exact-again']);
  });

  it.each([
    'api.example.com',
    'other.example.com',
    'b.wild.org',
    'c.wild.org',
    '*.wild.org',
    'x.org',
  ])('finds for %s what a scan of every bound VirtualService finds', (host) => {
    const scan = bound.filter((vs) =>
      serverVirtualServiceHosts(server, vs).some((h) => hostMatches(h, host)),
    );
    expect(names(taken.forHost(host))).toEqual(names(scan));
  });

  it('gives exact and wildcard hosts in the order of the VirtualServices', () => {
    expect(names(taken.forHost('b.wild.org'))).toEqual(['wider', 'wild', 'exact-again']);
    expect(names(taken.forHost('api.example.com'))).toEqual(['exact', 'exact-again']);
    expect(names(taken.forHost('x.org'))).toEqual(['wider']);
    expect(taken.forHost('x.com')).toEqual([]);
  });

  it('finds for a second server of the Gateway its own VirtualServices', () => {
    const other = { ...server, index: 1, hosts: ['./*'], hostNames: ['*'] };
    const own = serverVirtualServices(other, 'istio-system', () => bound);
    // `./*` takes the hosts of VirtualServices in the Gateway's namespace only: none here.
    expect(own.admitted).toEqual([]);
    const any = serverVirtualServices({ ...other, hosts: ['*'] }, 'istio-system', () => bound);
    expect(names(any.admitted)).toEqual(names(bound));
  });

  it('is read once per server and pods namespace', () => {
    expect(serverVirtualServices(server, 'istio-system', () => [])).toBe(taken);
    expect(serverVirtualServices(server, 'elsewhere', () => []).admitted).toEqual([]);
  });
});
