/**
 * ExternalName Services as Istio 1.21+ treats them (ENABLE_EXTERNAL_NAME_ALIAS on by default,
 * releasenotes/notes/external-name-on.yaml; pilot/pkg/model/push_context.go resolveServiceAliases):
 * not a service of their own but an alias of the host they name. A request for the alias matches
 * the virtual host of that service, a route to the alias gets that service's cluster
 * (networking/core/route/route.go), its DestinationRules apply, and the alias's ports only give the
 * port of a route to it that names none (GetDestinationCluster: its one port, else the listener's).
 * For a request, chains of aliases flatten to the last host (resolveServiceAliases gives the concrete
 * service every alias of the chain as a domain; a loop is NXDOMAIN in Kubernetes, so no service at
 * all); a route follows one alias only (routedHost).
 */
import type { IstioIndex } from './index.js';
import type { KubernetesService } from './services.js';

/** What an ExternalName host stands for: the concrete host at the end of the chain, or a loop. */
export type AliasTarget = { host: string; via: KubernetesService } | { loop: KubernetesService };

/**
 * The alias target of a request for `host`, given how to find the ExternalName Service (visible to
 * the client) for a host; undefined when `host` is no alias.
 */
export function resolveAlias(
  host: string,
  aliasFor: (host: string) => KubernetesService | undefined,
): AliasTarget | undefined {
  const first = aliasFor(host);
  if (first?.externalName === undefined) return undefined;
  const seen = new Set([host]);
  let target = first.externalName.toLowerCase();
  for (;;) {
    if (seen.has(target)) return { loop: first };
    seen.add(target);
    const next = aliasFor(target)?.externalName;
    if (next === undefined) return { host: target, via: first };
    target = next.toLowerCase();
  }
}

/**
 * The host whose cluster a route destination gets. A route naming an alias takes the cluster of the
 * host that alias names, one hop only: route.go `GetDestinationCluster` reads the `externalName` of
 * the Service the route names ("this will not work if we have Alias -> Alias -> Concrete service").
 */
export interface RoutedHost {
  host: string;
  /** The ExternalName Service the route names. */
  alias?: KubernetesService;
  /**
   * The ExternalName Service `host` is in turn (an alias of an alias, or a loop back): cluster.go
   * builds no cluster for an alias, so the route has none.
   */
  aliasAgain?: KubernetesService;
}

/**
 * What a route destination `host` sends to for proxies of `namespace` (route.go): the host an alias
 * names, whose service must exist for the proxy. The simulator and the rules read routes through
 * this one step.
 */
export function routedHost(
  index: Pick<IstioIndex, 'aliasServiceFor'>,
  host: string,
  namespace: string,
): RoutedHost {
  const alias = index.aliasServiceFor(host, namespace);
  if (alias?.externalName === undefined) return { host };
  const target = alias.externalName.toLowerCase();
  const aliasAgain = index.aliasServiceFor(target, namespace);
  return aliasAgain ? { host: target, alias, aliasAgain } : { host: target, alias };
}
