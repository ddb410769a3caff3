/** What every simulation of one analysed revision shares: the config set and the Istio index over it. */
import type { Analysis } from '../analyze.js';
import type { ConfigSet } from '../model/config-set.js';
import { buildIstioIndex, hostMatches, stringList, type IstioIndex } from '../model/istio.js';
import { get, type Resource } from '../model/resource.js';

export interface SimulationContext {
  readonly cs: ConfigSet;
  readonly index: IstioIndex;
  /** Gateway ports ASM opens itself for destinations whose port it allocated, by gateway `namespace/name`. */
  readonly allocatedPorts: ReadonlyMap<string, ReadonlySet<number>>;
}

export function simulationContext(analysis: Analysis): SimulationContext {
  const cs = analysis.configSet;
  const allocatedPorts = new Map<string, Set<number>>();
  for (const policy of cs.policies) {
    const gw = cs.gateway(policy.gateway);
    const key = `${gw.namespace}/${gw.name}`;
    for (const d of policy.destinations) {
      const port = analysis.render.allocation.ports.get(d);
      if (port === undefined || !analysis.render.allocation.allocated.has(d)) continue;
      let set = allocatedPorts.get(key);
      if (!set) allocatedPorts.set(key, (set = new Set()));
      set.add(port);
    }
  }
  return { cs, index: buildIstioIndex(cs, analysis.render.resources), allocatedPorts };
}

/**
 * Istio resources that name this host but failed the schema stage: Istio rejects them, so they take
 * no part, and saying so explains many surprises ("my VirtualService is right there").
 */
export function rejectedFor(ctx: SimulationContext, host: string): Resource[] {
  return ctx.cs.resources.filter((r) => {
    if (
      !ctx.cs.invalid.has(r) ||
      !['ServiceEntry', 'VirtualService', 'DestinationRule'].includes(r.kind)
    )
      return false;
    const hosts = [
      ...stringList(get(r.body, ['spec', 'hosts'])),
      ...stringList([get(r.body, ['spec', 'host'])]),
    ];
    return hosts.some((h) => hostMatches(h, host));
  });
}
