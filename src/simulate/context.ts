/** What every simulation of one analysed revision shares: the config set and the Istio index over it. */
import { istioIndexOf, type Analysis } from '../analyze.js';
import type { ConfigSet } from '../model/config-set.js';
import {
  hostMatches,
  interceptionFor,
  labelsKey,
  type Interception,
  type Workload,
  serversByPort,
  stringList,
  type IstioIndex,
  type PortServers,
} from '../model/istio.js';
import { get, type Resource } from '../model/resource.js';

export interface ServersOnPort extends PortServers {
  /** The SNI names the TLS servers take, for messages (at most a few, then a count). */
  tlsHosts: string;
}

export interface SimulationContext {
  readonly cs: ConfigSet;
  readonly index: IstioIndex;
  /** Gateway ports ASM opens itself for destinations whose port it allocated, by gateway `namespace/name`. */
  readonly allocatedPorts: ReadonlyMap<string, ReadonlySet<number>>;
  /** Routing resources that failed validation (Istio rejects them). */
  readonly rejected: readonly Resource[];
  /** The Gateway servers on a port of these gateway pods (in merge order), and the TLS server for an SNI. */
  serversOn(pods: Workload, port: number): ServersOnPort;
  /** The servers on a port when Istio merges these Gateways in this order (oldest first). */
  serversOf(gateways: readonly Resource[], port: number): ServersOnPort;
  /** Whether the workload has a sidecar and which outbound traffic its iptables send there. */
  interception(workload: Workload): Interception;
}

const NO_SERVERS: PortServers = {
  servers: [],
  plaintextHttp: [],
  tls: [],
  forSni: () => undefined,
};

/** One context per analysis: the app compares many pull requests with one cached base analysis. */
const contexts = new WeakMap<Analysis, SimulationContext>();

export function simulationContext(analysis: Analysis): SimulationContext {
  let ctx = contexts.get(analysis);
  if (!ctx) contexts.set(analysis, (ctx = buildSimulationContext(analysis)));
  return ctx;
}

function buildSimulationContext(analysis: Analysis): SimulationContext {
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
  // Hand-written resources that fail validation, and rendered ones Istio refuses (an IP policy host).
  const rejected = [
    ...cs.resources.filter(
      (r) =>
        cs.invalid.has(r) && ['ServiceEntry', 'VirtualService', 'DestinationRule'].includes(r.kind),
    ),
    ...analysis.render.rejected,
  ];
  const index = istioIndexOf(analysis);
  const byLabels = new Map<string, ReadonlyMap<number, PortServers>>();
  const onPort = new Map<string, ServersOnPort>();
  const serversOn = (pods: Workload, port: number): ServersOnPort => {
    const labels = `${pods.namespace}/${labelsKey(pods.labels)}`;
    const key = `${labels}:${port}`;
    let found = onPort.get(key);
    if (!found) {
      let ports = byLabels.get(labels);
      if (!ports) byLabels.set(labels, (ports = serversByPort(index.gatewaysSelecting(pods))));
      found = withTlsHosts(ports.get(port) ?? NO_SERVERS);
      onPort.set(key, found);
    }
    return found;
  };
  const serversOf = (gateways: readonly Resource[], port: number): ServersOnPort =>
    withTlsHosts(serversByPort(gateways).get(port) ?? NO_SERVERS);
  const interceptions = new Map<string, Interception>();
  const interception = (w: Workload): Interception => {
    const key = `${w.namespace}/${labelsKey(w.labels)}`;
    let found = interceptions.get(key);
    if (!found) interceptions.set(key, (found = interceptionFor(cs.resources, w)));
    return found;
  };
  return { cs, index, allocatedPorts, rejected, serversOn, serversOf, interception };
}

function withTlsHosts(servers: PortServers): ServersOnPort {
  const names = [...new Set(servers.tls.flatMap((s) => s.hostNames))];
  const tlsHosts =
    names.length > 5
      ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`
      : names.join(', ');
  return { ...servers, tlsHosts };
}

/**
 * Istio resources that name this host but failed the schema stage: Istio rejects them, so they take
 * no part, and saying so explains many surprises ("my VirtualService is right there").
 */
export function rejectedFor(ctx: SimulationContext, host: string): Resource[] {
  return ctx.rejected.filter((r) =>
    [
      ...stringList(get(r.body, ['spec', 'hosts'])),
      ...stringList([get(r.body, ['spec', 'host'])]),
    ].some((h) => hostMatches(h, host)),
  );
}
