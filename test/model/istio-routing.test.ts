/** The Istio semantics the simulator (and rules) share: per-proxy route matches, DR TLS merge, servers by SNI. */
import { describe, expect, it } from 'vitest';
import type { FieldPath } from '../../src/model/field-path.js';
import {
  clientTlsFor,
  exportedTo,
  gatewayServers,
  matchAppliesTo,
  serverForSni,
  subsetsOf,
  type ProxyView,
} from '../../src/model/istio.js';
import type { JsonObject, Resource } from '../../src/model/resource.js';

function resource(kind: string, namespace: string, name: string, spec: JsonObject): Resource {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind,
    group: 'networking.istio.io',
    version: 'v1',
    name,
    namespace,
    namespaceDefaulted: false,
    labels: {},
    annotations: {},
    body: { apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace }, spec },
  };
}

const vs = resource('VirtualService', 'istio-system', 'vs', {
  hosts: ['a.example.com'],
  gateways: ['mesh', 'egress'],
});
const sidecar = (labels: Record<string, string>, namespace = 'mytest'): ProxyView => ({
  namespace,
  labels,
  gateway: 'mesh',
});
const gateway: ProxyView = {
  namespace: 'istio-system',
  labels: { istio: 'egressgateway' },
  gateway: 'istio-system/egress',
};

describe('route matches per proxy', () => {
  const http = (match: JsonObject, proxy: ProxyView, port: number): boolean =>
    matchAppliesTo(vs, 'http', match, proxy, port);

  it('HTTP: a match naming gateways ignores sourceLabels and sourceNamespace (sourceMatchHTTP)', () => {
    const match = {
      gateways: ['mesh'],
      port: 80,
      sourceLabels: { app: 'a' },
      sourceNamespace: 'mytest',
    };
    expect(http(match, sidecar({ app: 'b' }, 'other'), 80)).toBe(true);
    expect(http(match, sidecar({ app: 'a' }), 8080)).toBe(false);
    expect(http(match, gateway, 80)).toBe(false);
  });

  it('HTTP: without gateways, the source fields filter, for gateways too', () => {
    const match = { port: 80, sourceLabels: { app: 'a' }, sourceNamespace: 'mytest' };
    expect(http(match, sidecar({ app: 'a', v: '1' }), 80)).toBe(true);
    expect(http(match, sidecar({ app: 'b' }), 80)).toBe(false);
    expect(http(match, sidecar({ app: 'a' }, 'other'), 80)).toBe(false);
    expect(http({ port: 80 }, gateway, 80)).toBe(true);
    expect(http({ port: 80, sourceNamespace: 'mytest' }, gateway, 80)).toBe(false);
  });

  it('TLS/TCP on sidecars: gateways, source fields and port must all hold; short gateway names are the VS namespace', () => {
    const match = { gateways: ['mesh'], port: 443, sourceLabels: { app: 'a' } };
    expect(matchAppliesTo(vs, 'tls', match, sidecar({ app: 'a' }), 443)).toBe(true);
    expect(matchAppliesTo(vs, 'tcp', match, sidecar({ app: 'b' }), 443)).toBe(false);
  });

  it('TLS/TCP on gateways: only port and gateways count (l4SingleMatch)', () => {
    const match = { gateways: ['egress'], port: 443, sourceLabels: { app: 'x' } };
    expect(matchAppliesTo(vs, 'tcp', match, gateway, 443)).toBe(true);
    expect(matchAppliesTo(vs, 'tls', { port: 443, sourceNamespace: 'mytest' }, gateway, 443)).toBe(
      true,
    );
    expect(matchAppliesTo(vs, 'tcp', { gateways: ['egress'], port: 443 }, gateway, 444)).toBe(
      false,
    );
  });
});

describe('DestinationRule TLS for a port and subset', () => {
  const dr = resource('DestinationRule', 'istio-system', 'dr', {
    host: 'gw',
    trafficPolicy: {
      tls: { mode: 'SIMPLE' },
      portLevelSettings: [
        { port: { number: 80 }, tls: { mode: 'ISTIO_MUTUAL' } },
        { port: { number: 81 } },
      ],
    },
    subsets: [
      { name: 'own', trafficPolicy: { tls: { mode: 'DISABLE' } } },
      { name: 'plain' },
      {
        name: 'ports',
        trafficPolicy: {
          portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'MUTUAL', sni: 'x' } }],
        },
      },
    ],
  });
  const mode = (port: number, subset?: string): [unknown, FieldPath | undefined, boolean] => {
    const s = clientTlsFor([dr], port, subset);
    return [s?.mode, s?.path, subset === undefined || subsetsOf([dr]).has(subset)];
  };

  it('port-level settings replace the top-level ones, even when they set no tls', () => {
    expect(mode(80)).toEqual([
      'ISTIO_MUTUAL',
      ['spec', 'trafficPolicy', 'portLevelSettings', 0, 'tls'],
      true,
    ]);
    expect(mode(81)).toEqual([undefined, undefined, true]);
    expect(mode(443)).toEqual(['SIMPLE', ['spec', 'trafficPolicy', 'tls'], true]);
  });

  it('a subset policy replaces the rule policy when it sets tls or port-level settings for the port', () => {
    expect(mode(80, 'own')).toEqual([
      'DISABLE',
      ['spec', 'subsets', 0, 'trafficPolicy', 'tls'],
      true,
    ]);
    expect(mode(80, 'plain')).toEqual([
      'ISTIO_MUTUAL',
      ['spec', 'trafficPolicy', 'portLevelSettings', 0, 'tls'],
      true,
    ]);
    expect(mode(80, 'ports')).toEqual([
      'MUTUAL',
      ['spec', 'subsets', 2, 'trafficPolicy', 'portLevelSettings', 0, 'tls'],
      true,
    ]);
    expect(mode(443, 'ports')).toEqual(['SIMPLE', ['spec', 'trafficPolicy', 'tls'], true]);
    expect(mode(80, 'missing')[2]).toBe(false);
  });

  it('merged rules: subsets from any of them, the first top-level policy', () => {
    const later = resource('DestinationRule', 'istio-system', 'later', {
      host: 'gw',
      trafficPolicy: { tls: { mode: 'DISABLE' } },
      subsets: [{ name: 'extra' }],
    });
    expect(subsetsOf([dr, later]).has('extra')).toBe(true);
    expect(clientTlsFor([dr, later], 443, 'extra')).toMatchObject({
      resource: dr,
      mode: 'SIMPLE',
    });
  });

  it('a tls block without mode is DISABLE, its zero value', () => {
    const bare = resource('DestinationRule', 'istio-system', 'bare', {
      host: 'gw',
      trafficPolicy: { tls: { sni: 'x' } },
    });
    expect(clientTlsFor([bare], 443)).toMatchObject({ mode: 'DISABLE', sni: 'x' });
  });
});

describe('gateway servers by SNI', () => {
  const gw = resource('Gateway', 'istio-system', 'gw', {
    selector: { istio: 'egressgateway' },
    servers: [
      {
        port: { number: 443, name: 'any', protocol: 'TLS' },
        hosts: ['*'],
        tls: { mode: 'ISTIO_MUTUAL' },
      },
      {
        port: { number: 443, name: 'wild', protocol: 'TLS' },
        hosts: ['*.example.com'],
        tls: { mode: 'ISTIO_MUTUAL' },
      },
      {
        port: { number: 443, name: 'exact', protocol: 'TLS' },
        hosts: ['ns/a.example.com'],
        tls: { mode: 'ISTIO_MUTUAL' },
      },
      {
        port: { number: 443, name: 'dup', protocol: 'TLS' },
        hosts: ['a.example.com'],
        tls: { mode: 'ISTIO_MUTUAL' },
      },
    ],
  });
  const servers = gatewayServers(gw);
  const name = (sni: string | undefined): unknown => (serverForSni(servers, sni)?.path ?? [])[2];

  it('exact name first, then the longest wildcard, then the server for any host; a repeated host is dropped', () => {
    expect(name('a.example.com')).toBe(2);
    expect(name('b.example.com')).toBe(1);
    expect(name('other.org')).toBe(0);
    expect(name(undefined)).toBe(0);
    expect(serverForSni(servers.slice(1), 'other.org')).toBeUndefined();
  });
});

describe('exportedTo', () => {
  it('no list or * is everywhere, . is the own namespace, ~ is nowhere', () => {
    const se = (exportTo?: string[]) =>
      resource('ServiceEntry', 'istio-system', 'se', {
        hosts: ['a'],
        ...(exportTo ? { exportTo } : {}),
      });
    const scope = (exportTo?: string[]) => {
      const { everywhere, namespaces } = exportedTo(se(exportTo));
      return everywhere ? '*' : [...namespaces];
    };
    expect(scope()).toBe('*');
    expect(scope(['.', 'mytest', '*'])).toBe('*');
    expect(scope(['.', 'mytest'])).toEqual(['istio-system', 'mytest']);
    expect(scope(['~'])).toEqual([]);
  });
});
