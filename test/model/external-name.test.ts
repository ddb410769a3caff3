/**
 * ExternalName Services as aliases (Istio 1.21+): for a request, chains flatten to the last host and
 * loops name nothing; a route follows one alias only.
 */
import { describe, expect, it } from 'vitest';
import { resolveAlias, routedHost, type KubernetesService } from '../../src/model/istio.js';

function aliases(map: Record<string, string>): (host: string) => KubernetesService | undefined {
  return (host) =>
    map[host] === undefined
      ? undefined
      : ({
          host,
          type: 'ExternalName',
          externalName: map[host],
          ports: [],
        } as unknown as KubernetesService);
}

describe('resolveAlias', () => {
  it('a host no ExternalName Service names is no alias', () => {
    expect(resolveAlias('httpbin.org', aliases({}))).toBeUndefined();
  });

  it('an alias of a concrete host stands for that host', () => {
    const alias = resolveAlias(
      'a.app.svc.cluster.local',
      aliases({ 'a.app.svc.cluster.local': 'httpbin.org' }),
    );
    expect(alias).toMatchObject({ host: 'httpbin.org', via: { host: 'a.app.svc.cluster.local' } });
  });

  it('a chain of aliases flattens to the last host, through the first Service', () => {
    const alias = resolveAlias(
      'a.app.svc.cluster.local',
      aliases({
        'a.app.svc.cluster.local': 'B.app.svc.cluster.local',
        'b.app.svc.cluster.local': 'httpbin.org',
      }),
    );
    expect(alias).toMatchObject({ host: 'httpbin.org', via: { host: 'a.app.svc.cluster.local' } });
  });

  it('a loop of aliases is no service', () => {
    const alias = resolveAlias(
      'a.app.svc.cluster.local',
      aliases({
        'a.app.svc.cluster.local': 'b.app.svc.cluster.local',
        'b.app.svc.cluster.local': 'a.app.svc.cluster.local',
      }),
    );
    expect(alias).toMatchObject({ loop: { host: 'a.app.svc.cluster.local' } });
  });
});

describe('routedHost (route.go GetDestinationCluster: one alias)', () => {
  const index = (map: Record<string, string>) => ({
    aliasServiceFor: (host: string) => aliases(map)(host),
  });

  it('a host that is no alias is routed to itself', () => {
    expect(routedHost(index({}), 'httpbin.org', 'app')).toEqual({ host: 'httpbin.org' });
  });

  it('an alias is routed to the host it names', () => {
    const routed = routedHost(
      index({ 'a.app.svc.cluster.local': 'httpbin.org' }),
      'a.app.svc.cluster.local',
      'app',
    );
    expect(routed).toMatchObject({
      host: 'httpbin.org',
      alias: { host: 'a.app.svc.cluster.local' },
    });
    expect(routed.aliasAgain).toBeUndefined();
  });

  it('an alias of an alias stops after one hop, at a host that is an alias too', () => {
    const routed = routedHost(
      index({
        'a.app.svc.cluster.local': 'B.app.svc.cluster.local',
        'b.app.svc.cluster.local': 'httpbin.org',
      }),
      'a.app.svc.cluster.local',
      'app',
    );
    expect(routed).toMatchObject({
      host: 'b.app.svc.cluster.local',
      alias: { host: 'a.app.svc.cluster.local' },
      aliasAgain: { host: 'b.app.svc.cluster.local' },
    });
  });
});
