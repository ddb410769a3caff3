/** ExternalName Services as aliases (Istio 1.21+): chains flatten to the last host, loops name nothing. */
import { describe, expect, it } from 'vitest';
import { resolveAlias, type KubernetesService } from '../../src/model/istio.js';

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
