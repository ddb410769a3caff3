/**
 * Derived views over the index: which proxies use each route destination, the sidecars that send
 * to egress gateways and the TLS they use, and the gateways traffic for a host leaves through.
 */
import { KIND } from '../kinds.js';
import type { Resource } from '../resource.js';
import { withOldest } from './creation-order.js';
import {
  outboundTls,
  rulesMergedByAge,
  type OutboundTls,
  type OutboundTlsQuery,
} from './destination-rules.js';
import {
  gatewayServers,
  onlyServicePort,
  serverAdmitsVirtualService,
  type GatewayWorkload,
} from './gateways.js';
import type { IstioIndex } from './index.js';
import { PerObjectMemo } from './memo.js';
import {
  MESH,
  reachesUnregisteredHost,
  routesOf,
  scopeOfMatch,
  virtualServiceHosts,
  vsGateways,
  type RouteDestinationRef,
  type VsRoute,
} from './routes.js';
import { everyNamespace, isVisibleTo, sortNamespaces, visibleNamespaces } from './visibility.js';
import { selectorFit } from './workloads.js';

export interface RouteUse {
  vs: Resource;
  route: VsRoute;
  destination: RouteDestinationRef;
  /** `mesh`, or the `namespace/name` of the Gateway the route applies on. */
  on: string;
  /**
   * Namespaces of the proxies that send traffic along it: the sidecars' namespaces (OTHER_NAMESPACES
   * for namespaces the config set does not name), or the namespace of the gateway's pods.
   */
  clientNamespaces: readonly string[];
}

export function collectRouteUses(index: IstioIndex): RouteUse[] {
  const namespaces = everyNamespace(index);
  // visibleNamespaces answers sorted, except for a VirtualService seen everywhere: then it hands back
  // everyNamespace's own list, sorted here once for all of them.
  let everySorted: readonly string[] | undefined;
  // Lists built from picked namespaces are mostly the same few (a route's sourceNamespace, the gateway
  // pods' namespace): one shared list each rather than one per route use.
  const lists = new Map<string, readonly string[]>();
  const shared = (names: string[]): readonly string[] => {
    const key = names.join('\n');
    let list = lists.get(key);
    if (!list) lists.set(key, (list = names));
    return list;
  };
  const out: RouteUse[] = [];
  for (const vs of index.ofKind(KIND.virtualService)) {
    const hosts = virtualServiceHosts(vs);
    // A sidecar uses the VirtualService when it sees it and one of its hosts is a service there.
    const seeing = visibleNamespaces(vs, namespaces);
    let registered: string[] | undefined;
    const bound = vsGateways(vs);
    // Per gateway the VirtualService is bound to: the gateway pods that may use it (none when no
    // server of the Gateway accepts one of its hosts), read once for all its routes.
    const pods = bound.map((on) => {
      const gateway = on === MESH ? undefined : index.gatewayByRef(on);
      return gateway !== undefined &&
        gatewayServers(gateway).some((s) => serverAdmitsVirtualService(s, vs))
        ? index.gatewayWorkloadsOf(gateway).filter((w) => isVisibleTo(vs, w.namespace))
        : [];
    });
    // Sorted once per VirtualService: most routes' sidecar clients are this list or `seeing` whole.
    let sortedRegistered: readonly string[] | undefined;
    for (const route of routesOf(vs)) {
      for (let g = 0; g < bound.length; g++) {
        const on = bound[g]!;
        // The clients: a whole sidecar list (registered is part of seeing, so the larger one wins)
        // plus namespaces added one by one (a match's sourceNamespace, gateway pods).
        let whole: readonly string[] | undefined;
        let picked: Set<string> | undefined;
        for (const m of route.matches) {
          const scope = scopeOfMatch(m, on);
          if (!scope.applies) continue;
          if (on === MESH) {
            const sidecars = reachesUnregisteredHost(route.kind, m.match)
              ? seeing
              : (registered ??= seeing.filter((ns) =>
                  hosts.some((h) => index.hostRegistered(h, ns)),
                ));
            if (scope.sourceNamespace === undefined)
              whole = whole === seeing || sidecars === seeing ? seeing : sidecars;
            else if (sidecars.includes(scope.sourceNamespace))
              (picked ??= new Set()).add(scope.sourceNamespace);
          } else {
            for (const w of pods[g]!) {
              if (scope.sourceNamespace !== undefined && scope.sourceNamespace !== w.namespace)
                continue;
              if (
                scope.sourceLabels === undefined ||
                selectorFit(scope.sourceLabels, w.labels) !== 'conflicts'
              )
                (picked ??= new Set()).add(w.namespace);
            }
          }
        }
        let clientNamespaces: readonly string[];
        if (picked === undefined || picked.size === 0) {
          if (whole === undefined || whole.length === 0) continue;
          clientNamespaces =
            whole === seeing
              ? seeing === namespaces
                ? (everySorted ??= sortNamespaces([...namespaces]))
                : seeing
              : (sortedRegistered ??= sortNamespaces([...whole]));
        } else {
          if (whole) for (const ns of whole) picked.add(ns);
          clientNamespaces = shared(sortNamespaces([...picked]));
        }
        for (const destination of route.destinations)
          out.push({ vs, route, destination, on, clientNamespaces });
      }
    }
  }
  return out;
}

export interface GatewayClient {
  use: RouteUse;
  namespace: string;
  workload: GatewayWorkload;
  /** The gateway Service port the route sends to. */
  port: number;
  subset?: string;
  /** What the client sends (`unknown` when the config set does not say whether auto mTLS applies). */
  tls: OutboundTls;
}

/**
 * The gateway clients, worked out again on each call rather than kept: there is one per route use and
 * client namespace, each with the TLS it sends (27 per gateway in the growth benchmark, a tenth of the
 * heap the rules keep), and each of the two rules that read them reads them once.
 */
export function* gatewayClientsOf(index: IstioIndex): Generator<GatewayClient> {
  for (const use of index.routeUses()) {
    if (use.on !== MESH) continue;
    const workload = index.gatewayWorkloadForHost(use.destination.host);
    if (!workload) continue;
    const port = use.destination.port ?? onlyServicePort(workload);
    if (port === undefined) continue;
    const { subset } = use.destination;
    // One query per use, its client namespace set in turn (outboundTls keeps nothing of it).
    const query = tlsQuery(use, workload, port);
    for (const namespace of use.clientNamespaces) {
      query.clientNamespace = namespace;
      const tls = outboundTls(index, query);
      yield subset
        ? { use, namespace, workload, port, subset, tls }
        : { use, namespace, workload, port, tls };
    }
  }
}

function tlsQuery(use: RouteUse, workload: GatewayWorkload, port: number): OutboundTlsQuery {
  const { subset, host } = use.destination;
  return {
    host,
    port,
    ...(subset ? { subset } : {}),
    clientNamespace: '',
    serverLabelled: workload.tlsModeLabelled,
    serverNamespace: workload.namespace,
  };
}

/**
 * What a gateway client sends under each assumption about which of its merged DestinationRules is
 * the oldest, where that changes the merge (rulesMergedByAge); `rivals` is empty when it does not.
 */
export function gatewayClientTlsOrders(
  index: IstioIndex,
  client: GatewayClient,
): { tls: readonly OutboundTls[]; rivals: readonly Resource[] } {
  const rivals = rulesMergedByAge(client.tls.lookup?.rules ?? [], client.subset);
  if (rivals.length < 2) return { tls: [client.tls], rivals: [] };
  const query = {
    ...tlsQuery(client.use, client.workload, client.port),
    clientNamespace: client.namespace,
  };
  return {
    tls: rivals.map((oldest) =>
      outboundTls(index, { ...query, inCreationOrder: (rules) => withOldest(rules, oldest) }),
    ),
    rivals,
  };
}

export interface CarryingGateway {
  workload: GatewayWorkload;
  gateway: Resource;
}

/**
 * gatewaysCarrying per host, remembered with the route uses it is read from (and let go with them,
 * IstioIndex.releaseLintViews): rules ask for every route use and client namespace.
 */
const carryingByUses = new PerObjectMemo<readonly RouteUse[], string, readonly CarryingGateway[]>();

/** The egress gateways (and the Gateway resources) through which traffic for `host` leaves: gateway legs of VirtualServices for it. */
export function gatewaysCarrying(index: IstioIndex, host: string): readonly CarryingGateway[] {
  return carryingByUses.get(index.routeUses(), host, () => findGatewaysCarrying(index, host));
}

function findGatewaysCarrying(index: IstioIndex, host: string): CarryingGateway[] {
  const legs = gatewayLegsOf(index);
  const out: CarryingGateway[] = [];
  for (const vs of index.virtualServicesForHost(host)) {
    for (const use of legs.get(vs) ?? []) {
      const gateway = index.gatewayByRef(use.on);
      if (!gateway) continue;
      for (const workload of index.gatewayWorkloadsOf(gateway)) {
        if (!out.some((c) => c.workload === workload && c.gateway === gateway))
          out.push({ workload, gateway });
      }
    }
  }
  return out;
}

/**
 * Route uses on gateways, per VirtualService: what gatewaysCarrying reads for a host's
 * VirtualServices. Remembered with the route uses.
 */
const gatewayLegsByUses = new WeakMap<readonly RouteUse[], Map<Resource, RouteUse[]>>();

function gatewayLegsOf(index: IstioIndex): Map<Resource, RouteUse[]> {
  const uses = index.routeUses();
  let legs = gatewayLegsByUses.get(uses);
  if (!legs) {
    legs = new Map();
    for (const use of uses) {
      if (use.on === MESH) continue;
      const list = legs.get(use.vs);
      if (list) list.push(use);
      else legs.set(use.vs, [use]);
    }
    gatewayLegsByUses.set(uses, legs);
  }
  return legs;
}
