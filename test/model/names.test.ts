/** Name resolution as pilot does it (pilot/pkg/model/config.go ResolveShortnameToFQDN, resolveGatewayName). */
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/analyze.js';
import { DEFAULT_CONFIG, parseProjectConfig } from '../../src/config/project-config.js';
import {
  assignClusterDomain,
  clusterDomainOf,
  clusterServiceOf,
  isClusterDomainHost,
  resolveGatewayName,
  resolveHostName,
  splitNamespacedHost,
} from '../../src/model/istio.js';
import type { Resource } from '../../src/model/resource.js';

describe('resolveHostName', () => {
  it('makes a short name a Service in the namespace, in the cluster domain', () => {
    expect(resolveHostName('reviews', 'default', 'cluster.local')).toBe(
      'reviews.default.svc.cluster.local',
    );
    expect(resolveHostName('istio-egressgateway', 'istio-system', 'corp.example')).toBe(
      'istio-egressgateway.istio-system.svc.corp.example',
    );
  });

  it('keeps names with a dot, `*`, IP addresses and the empty name as written', () => {
    for (const host of [
      'reviews.default',
      'httpbin.org',
      '*.example.com',
      '*',
      '10.0.0.5',
      '2001:db8::1',
      '',
    ])
      expect(resolveHostName(host, 'default', 'cluster.local')).toBe(host);
  });
});

describe('resolveGatewayName', () => {
  it('reads short, ./, namespace/name and the legacy FQDN forms', () => {
    expect(resolveGatewayName('egress', 'team')).toBe('team/egress');
    expect(resolveGatewayName('./egress', 'team')).toBe('team/egress');
    expect(resolveGatewayName('istio-system/egress', 'team')).toBe('istio-system/egress');
    expect(resolveGatewayName('egress.istio-system.svc.cluster.local', 'team')).toBe(
      'istio-system/egress',
    );
    expect(resolveGatewayName('egress.istio-system', 'team')).toBe('istio-system/egress');
  });
});

describe('cluster service hosts', () => {
  it('reads name and namespace only from `<name>.<namespace>.svc.<domain>`', () => {
    expect(clusterServiceOf('reviews.default.svc.cluster.local', 'cluster.local')).toEqual({
      name: 'reviews',
      namespace: 'default',
    });
    expect(clusterServiceOf('reviews.default.svc.cluster.local', 'corp.example')).toBeUndefined();
    expect(clusterServiceOf('a.b.default.svc.cluster.local', 'cluster.local')).toBeUndefined();
    expect(clusterServiceOf('*.default.svc.cluster.local', 'cluster.local')).toBeUndefined();
    expect(isClusterDomainHost('*.default.svc.cluster.local', 'cluster.local')).toBe(true);
    expect(isClusterDomainHost('httpbin.org', 'cluster.local')).toBe(false);
  });

  it('splits `namespace/host` references', () => {
    expect(splitNamespacedHost('./*', 'team')).toEqual({ namespace: 'team', host: '*' });
    expect(splitNamespacedHost('istio-system/*', 'team')).toEqual({
      namespace: 'istio-system',
      host: '*',
    });
    expect(splitNamespacedHost('httpbin.org', 'team')).toEqual({
      namespace: '*',
      host: 'httpbin.org',
    });
  });
});

describe('the cluster domain', () => {
  const operator = `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: install, namespace: istio-system}
spec:
  values:
    global:
      proxy: {clusterDomain: corp.example}
`;
  const domainOf = (files: Record<string, string>, config = DEFAULT_CONFIG): string =>
    analyzeSources(
      Object.entries(files).map(([path, content]) => ({ path, content })),
      config,
    ).configSet.mesh.clusterDomain;

  it('is cluster.local by default, the project config, or the IstioOperator values (which win)', () => {
    const config = parseProjectConfig('mesh: {clusterDomain: k8s.internal}\n', 'egress-lint.yml');
    expect(domainOf({})).toBe('cluster.local');
    expect(domainOf({}, config)).toBe('k8s.internal');
    expect(domainOf({ 'operator.yaml': operator }, config)).toBe('corp.example');
  });

  it('names the egress gateway Service', () => {
    const analysis = analyzeSources(
      [
        { path: 'operator.yaml', content: operator },
        {
          path: 'gw.yaml',
          content: `apiVersion: istio.alibabacloud.com/v1beta1
kind: IstioGateway
metadata: {name: egressgateway, namespace: istio-system}
spec:
  gatewayType: egress
  ports: [{name: http, port: 80, targetPort: 8080}]
`,
        },
      ],
      DEFAULT_CONFIG,
    );
    expect(analysis.configSet.gateways[0]!.serviceHost).toBe(
      'istio-egressgateway.istio-system.svc.corp.example',
    );
  });

  it('is the last one an index recorded for a resource, the default included', () => {
    // The default is not stored per resource (memory): recording it must still replace another.
    const r = { kind: 'VirtualService', namespace: 'team' } as unknown as Resource;
    expect(clusterDomainOf(r)).toBe('cluster.local');
    assignClusterDomain([r], 'corp.example');
    expect(clusterDomainOf(r)).toBe('corp.example');
    assignClusterDomain([r], 'cluster.local');
    expect(clusterDomainOf(r)).toBe('cluster.local');
  });
});
