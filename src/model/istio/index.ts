/**
 * The index: hand-written and rendered Istio resources seen together, with the lookups rules and
 * the simulator share. The index never changes, so lookups are remembered.
 */
import { laterCopies, type ConfigSet } from '../config-set.js';
import { GATEWAY_API_GROUP, KIND } from '../kinds.js';
import { get, type Resource } from '../resource.js';
import {
  destinationRuleHost,
  destinationRuleLookup,
  type DestinationRuleLookup,
  type DestinationRuleLookupFn,
} from './destination-rules.js';
import {
  assumedGatewayWorkload,
  collectGatewayWorkloads,
  type GatewayService,
  type GatewayWorkload,
} from './gateways.js';
import { collectClientNamespaces } from './clients.js';
import {
  convertGatewayApi,
  type Unattached,
  type UnshownGateway,
  type Unmodelled,
} from './gateway-api.js';
import { hostLookup } from './host-lookup.js';
import { namespacesByName } from './namespace-selector.js';
import { hostMatches, isWild, stringList } from './hosts.js';
import { assignClusterDomain, clusterServiceOf, isClusterDomainHost } from './names.js';
import { readKubernetesService, type KubernetesService } from './services.js';
import { resolveAlias, type AliasTarget } from './external-name.js';
import { gatewayRef, MESH, routesOf, virtualServiceHosts, vsGateways } from './routes.js';
import { collectRouteUses, gatewayClientsOf, type GatewayClient, type RouteUse } from './uses.js';
import { exportedTo, isVisibleTo, type ExportScope } from './visibility.js';
import { workloadPolicyIndexOf } from './workload-policies.js';
import { gatewaysSelectingLabels, labelsKey, type Workload } from './workloads.js';

export interface IstioIndex {
  /** Schema-valid hand-written resources plus everything rendered from policies. */
  readonly all: readonly Resource[];
  readonly rootNamespace: string;
  /** The cluster's DNS domain, which short names resolve in (mesh settings). */
  readonly clusterDomain: string;
  ofKind(kind: string): readonly Resource[];
  /** ServiceEntries visible from `namespace` that define `host`. */
  serviceEntriesFor(host: string, namespace: string): readonly Resource[];
  /** Every ServiceEntry that defines `host`, whatever its visibility. */
  serviceEntriesForHost(host: string): readonly Resource[];
  /**
   * ServiceEntries visible from `namespace` that list `host` itself: what a route destination needs,
   * since Istio builds a cluster per service host as written (a `*.example.com` entry gives no cluster
   * for `api.example.com`; route.go GetDestinationCluster, ServiceForHostname).
   */
  serviceEntriesForDestination(host: string, namespace: string): readonly Resource[];
  /** Every VirtualService with a host matching `host`, whatever it is bound to and wherever it is visible. */
  virtualServicesForHost(host: string): readonly Resource[];
  /** Kubernetes Services in the repository, as registry entries. */
  kubernetesServices(): readonly KubernetesService[];
  /** The Kubernetes Service in the repository whose host this is, whatever its visibility. */
  kubernetesServiceFor(host: string): KubernetesService | undefined;
  /**
   * The Kubernetes Services in the repository visible from `namespace` with a host matching `host`;
   * ExternalName ones are aliases (aliasTargetFor), no services of their own.
   */
  kubernetesServicesFor(host: string, namespace: string): readonly KubernetesService[];
  /** The ExternalName Service visible from `namespace` whose host `host` is, when Istio takes it as an alias. */
  aliasServiceFor(host: string, namespace: string): KubernetesService | undefined;
  /**
   * What a request for `host` stands for when an ExternalName Service makes it an alias, followed to
   * the end of the chain; wherever the alias Service is exported (resolveServiceAliases reads all).
   */
  aliasTargetFor(host: string): AliasTarget | undefined;
  /**
   * An in-cluster host (`*.svc.<domain>`) whose Service the repository does not show: Kubernetes has
   * it in the registry or not, the repository cannot tell. Answers that depend on it are undetermined.
   */
  isUnshownClusterHost(host: string): boolean;
  /** Namespace that owns a service host: the ServiceEntry's, or the cluster service's. */
  serviceNamespace(host: string, clientNamespace: string): string | undefined;
  /** VirtualServices visible from `namespace`, with a host matching `host`, bound to `gateway`. */
  virtualServicesFor(host: string, namespace: string, gateway?: string): Resource[];
  /**
   * VirtualServices bound to a Gateway: listing it and exported to the namespace of the gateway pods
   * (Istio looks them up for the proxy's namespace, PushContext.VirtualServicesForGateway): the given
   * `proxyNamespace`, else the namespaces of the pods it selects, else the Gateway's own namespace.
   */
  virtualServicesForGateway(gateway: Resource, proxyNamespace?: string): Resource[];
  /**
   * The DestinationRule a client uses for `host`, as the rules Istio merges into it: looked up in the
   * client's namespace, then the service's, then the root namespace (see destinationRuleLookup).
   * `workloadLabels` are the client's pod labels, for rules with a workloadSelector; without them
   * only rules without one count (what any workload of the namespace gets).
   */
  destinationRulesFor(
    host: string,
    clientNamespace: string,
    workloadLabels?: Readonly<Record<string, string>>,
  ): DestinationRuleLookup | undefined;
  /** The namespaces a client's DestinationRule lookup for `host` looks in, in order. */
  destinationRuleLookupPath(host: string, clientNamespace: string): string[];
  /** Every DestinationRule whose host matches `host`, wherever it is. */
  destinationRulesForHost(host: string): readonly Resource[];
  /** Gateway resources whose selector picks these pods. */
  gatewaysSelecting(pods: Workload): Resource[];
  /** AuthorizationPolicies that apply to a workload. */
  authorizationPoliciesFor(workload: Workload): Resource[];
  /** Namespaces the config set names (where resources live, exportTo, sourceNamespace, policy sources), sorted. */
  knownNamespaces(): readonly string[];
  /**
   * Namespaces where the repository shows a sidecar client: workloads (Deployments, Pods,
   * Services...) other than egress gateways, a policy's `from`, a route's `sourceNamespace`, a
   * Sidecar, an AuthorizationPolicy or PeerAuthentication (clients.ts). Rules give errors for sidecar
   * routes only for clients there; other namespaces (OTHER_NAMESPACES included) are hypothetical.
   * The clients of a gateway route are its gateway's pods, always real.
   */
  clientNamespaces(): ReadonlySet<string>;
  /**
   * Whether a host is a service for clients in `namespace`: a visible ServiceEntry host, a visible
   * Kubernetes Service, or an in-cluster host whose Service the repository does not show (never
   * called unregistered, since the cluster may have it).
   */
  hostRegistered(host: string, namespace: string): boolean;
  /** The egress gateways the config set knows of: declared, named by policies, or selected by Gateways. */
  gatewayWorkloads(): readonly GatewayWorkload[];
  /** The egress gateways whose pods a Gateway resource configures. */
  gatewayWorkloadsOf(gateway: Resource): readonly GatewayWorkload[];
  /**
   * Where a Gateway's proxies run: its gateways' pod namespaces, or, with none known, the Gateway's
   * own namespace. What a VirtualService bound to it must be exported to.
   */
  gatewayProxyNamespaces(gateway: Resource): readonly string[];
  /** The Gateway resource a `namespace/name` reference (as in VirtualService `gateways`) names. */
  gatewayByRef(ref: string): Resource | undefined;
  /**
   * The egress gateway whose Service is `host` (istio-<name>.<namespace>.svc.cluster.local): one the
   * config set knows, else, for a host named like one, the gateway we must assume (not declared, pods
   * labelled with the gateway label only).
   */
  gatewayWorkloadForHost(host: string): GatewayService | undefined;
  /**
   * Every route destination with the proxies that use it (sidecars per namespace, gateway pods).
   * Kept until releaseLintViews: only rules read them, and they are a tenth of what lint keeps.
   */
  routeUses(): readonly RouteUse[];
  /**
   * Lets go of the views only rules read (routeUses and what is remembered from it): lint calls it
   * when its rules are done, so rendering, diff and the simulator do not carry them. Asked again, they
   * are worked out again.
   */
  releaseLintViews(): void;
  /**
   * Sidecars sending traffic to an egress gateway's Service, per namespace and port, with the TLS they
   * use: worked out on each call, not kept (see gatewayClientsOf).
   */
  gatewayClients(): Iterable<GatewayClient>;
  /** Gateway API objects Istio acts on in ways not modelled (gateway-api.ts): what they decide is undetermined. */
  gatewayApiUnmodelled(): readonly Unmodelled[];
  /** Gateway API route parentRefs to a Gateway the repository shows that no listener of it takes. */
  gatewayApiUnattached(): readonly Unattached[];
  /** Gateway API route parentRefs to a Gateway the repository does not show. */
  gatewayApiUnshownGateways(): readonly UnshownGateway[];
}

export function buildIstioIndex(cs: ConfigSet, rendered: readonly Resource[]): IstioIndex {
  const kinds = [
    KIND.serviceEntry,
    KIND.virtualService,
    KIND.destinationRule,
    KIND.gateway,
    KIND.sidecar,
    KIND.authorizationPolicy,
    KIND.peerAuthentication,
  ];
  const byKind = new Map<string, Resource[]>();
  for (const k of kinds) byKind.set(k, [...cs.ofKind(k)]);
  for (const r of rendered) byKind.get(r.kind)?.push(r);
  // The Istio config Istio derives from Gateway API objects joins the rest.
  const gatewayApi = convertGatewayApi(
    gatewayApiResources(cs),
    byKind.get(KIND.serviceEntry)!,
    namespacesByName(cs.resources),
    cs.mesh.clusterDomain,
  );
  byKind.get(KIND.gateway)!.push(...gatewayApi.gateways);
  byKind.get(KIND.virtualService)!.push(...gatewayApi.virtualServices);
  const all = [...byKind.values()].flat();
  const rootNamespace = cs.mesh.rootNamespace;
  const clusterDomain = cs.mesh.clusterDomain;
  // Before anything reads a host: short names resolve in the resource's namespace and this domain.
  assignClusterDomain(all, clusterDomain);
  const of = (k: string): Resource[] => byKind.get(k) ?? [];

  // ServiceEntry hosts are taken as written (serviceentry/conversion.go); VirtualService hosts resolved.
  const hostsOf = (r: Resource): readonly string[] => stringList(get(r.body, ['spec', 'hosts']));
  // Lookups by host, so rules stay linear in the size of the config set.
  const serviceEntriesByHost = hostLookup(of(KIND.serviceEntry), hostsOf);
  const virtualServicesByHost = hostLookup(of(KIND.virtualService), virtualServiceHosts);
  const destinationRulesByHost = hostLookup(of(KIND.destinationRule), (dr) => [
    destinationRuleHost(dr),
  ]);
  const services = cs.ofKind(KIND.service).map((r) => readKubernetesService(r, clusterDomain));
  const servicesByHost = new Map(services.map((s) => [s.host, s]));
  // Service hosts are never wildcards: an exact host is one lookup, a wildcard one a scan.
  const servicesMatching = (host: string): readonly KubernetesService[] => {
    if (!isWild(host)) {
      const s = servicesByHost.get(host);
      return s ? [s] : [];
    }
    return services.filter((s) => hostMatches(s.host, host));
  };
  const visibleServices = (host: string, namespace: string): readonly KubernetesService[] =>
    servicesMatching(host).filter(
      (s) =>
        (s.externalName === undefined || !cs.mesh.externalNameAlias) &&
        isVisibleTo(s.resource, namespace),
    );
  const anyAliasService = (host: string): KubernetesService | undefined => {
    // With the alias off (ENABLE_EXTERNAL_NAME_ALIAS=false) an ExternalName Service is a service.
    if (!cs.mesh.externalNameAlias) return undefined;
    const s = servicesByHost.get(host);
    return s?.externalName !== undefined ? s : undefined;
  };
  const aliasServiceFor = (host: string, namespace: string): KubernetesService | undefined => {
    const s = anyAliasService(host);
    return s && isVisibleTo(s.resource, namespace) ? s : undefined;
  };
  // resolveServiceAliases reads every Service, whatever its exportTo: the concrete service's virtual
  // host carries each alias of the chain as a domain for every proxy that has that service.
  const aliasTargetFor = (host: string): AliasTarget | undefined =>
    resolveAlias(host, anyAliasService);
  let lookUpDestinationRules: DestinationRuleLookupFn | undefined;
  let anyWildcardRule: boolean | undefined;
  // A host no DestinationRule names, with no wildcard rule anywhere, finds none from any namespace:
  // answered without a memo (most hosts, in a repository with rules for its gateways only).
  const noRuleFor = (host: string): boolean =>
    !isWild(host) &&
    destinationRulesByHost.listing(host).length === 0 &&
    !(anyWildcardRule ??= of(KIND.destinationRule).some((dr) => isWild(destinationRuleHost(dr))));
  // Lookups per (host, client namespace): rules ask for every route use and client namespace.
  const lookups = perHostAndClient<DestinationRuleLookup | undefined>((host, namespace, labels) => {
    lookUpDestinationRules ??= destinationRuleLookup(of(KIND.destinationRule), rootNamespace);
    return lookUpDestinationRules(host, namespace, index.serviceNamespace(host, namespace), labels);
  });
  // Derived views, computed once on first use.
  let namespaces: string[] | undefined;
  let clientNamespaces: Set<string> | undefined;
  let workloads: GatewayWorkload[] | undefined;
  let workloadsByGateway: Map<Resource, GatewayWorkload[]> | undefined;
  let uses: RouteUse[] | undefined;
  const gatewayServicesByHost = new Map<string, GatewayService | undefined>();
  let knownGatewayServices: Map<string, GatewayService> | undefined;
  let servicesByGateway: Map<string, Resource[]> | undefined;
  let gatewaysByRef: Map<string, Resource> | undefined;
  const virtualServicesByGateway = (): Map<string, Resource[]> => {
    if (!servicesByGateway) {
      servicesByGateway = new Map();
      for (const vs of of(KIND.virtualService)) {
        for (const ref of new Set(vsGateways(vs))) {
          const list = servicesByGateway.get(ref);
          if (list) list.push(vs);
          else servicesByGateway.set(ref, [vs]);
        }
      }
    }
    return servicesByGateway;
  };

  const index: IstioIndex = {
    all,
    rootNamespace,
    clusterDomain,
    ofKind: of,
    serviceEntriesFor: (host, namespace) =>
      visibleOnes(serviceEntriesByHost.matching(host), namespace),
    serviceEntriesForHost: (host) => serviceEntriesByHost.matching(host),
    serviceEntriesForDestination: (host, namespace) =>
      visibleOnes(serviceEntriesByHost.listing(host), namespace),
    virtualServicesForHost: (host) => virtualServicesByHost.matching(host),
    kubernetesServices: () => services,
    kubernetesServiceFor: (host) => servicesByHost.get(host),
    kubernetesServicesFor: visibleServices,
    aliasServiceFor,
    aliasTargetFor,
    isUnshownClusterHost: (host) =>
      isClusterDomainHost(host, clusterDomain) && servicesMatching(host).length === 0,
    serviceNamespace(host, clientNamespace) {
      return (
        clusterServiceOf(host, clusterDomain)?.namespace ??
        serviceEntriesByHost.matching(host).find((se) => isVisibleTo(se, clientNamespace))
          ?.namespace
      );
    },
    virtualServicesFor: (host, namespace, gateway = MESH) =>
      virtualServicesByHost
        .matching(host)
        .filter((vs) => isVisibleTo(vs, namespace) && vsGateways(vs).includes(gateway)),
    virtualServicesForGateway(gateway, proxyNamespace) {
      const ref = gatewayRef(gateway);
      const proxyNamespaces =
        proxyNamespace !== undefined ? [proxyNamespace] : index.gatewayProxyNamespaces(gateway);
      return (virtualServicesByGateway().get(ref) ?? []).filter((vs) =>
        proxyNamespaces.some((ns) => isVisibleTo(vs, ns)),
      );
    },
    destinationRulesForHost: (host) => destinationRulesByHost.matching(host),
    destinationRulesFor(host, clientNamespace, workloadLabels) {
      if (noRuleFor(host)) return undefined;
      // Namespaces and label keys (JSON) hold no `|`, so the key is unambiguous.
      const client = workloadLabels
        ? `${clientNamespace}|${labelsKey(workloadLabels)}`
        : clientNamespace;
      return lookups(host, client, clientNamespace, workloadLabels);
    },
    destinationRuleLookupPath(host, clientNamespace) {
      const service = index.serviceNamespace(host, clientNamespace);
      return [...new Set([clientNamespace, ...(service ? [service] : []), rootNamespace])];
    },
    gatewaysSelecting: (pods) => gatewaysSelectingLabels(of(KIND.gateway), pods),
    authorizationPoliciesFor: (workload) =>
      workloadPolicyIndexOf(of(KIND.authorizationPolicy), rootNamespace).applyingTo(workload),
    knownNamespaces: () => (namespaces ??= collectNamespaces(cs, all)),
    clientNamespaces: () =>
      (clientNamespaces ??= collectClientNamespaces(cs, all, index.gatewayWorkloads())),
    hostRegistered(host, namespace) {
      // A VirtualService host is a service for the proxy only where the alias Service is visible.
      const alias = aliasServiceFor(host, namespace) && aliasTargetFor(host);
      if (alias) return 'host' in alias && index.hostRegistered(alias.host, namespace);
      return (
        serviceEntriesByHost.matching(host).some((se) => isVisibleTo(se, namespace)) ||
        visibleServices(host, namespace).length > 0 ||
        index.isUnshownClusterHost(host)
      );
    },
    gatewayWorkloads: () =>
      (workloads ??= collectGatewayWorkloads(cs, of(KIND.gateway), gatewayApi.workloads)),
    gatewayByRef(ref) {
      gatewaysByRef ??= new Map(of(KIND.gateway).map((g) => [gatewayRef(g), g]));
      return gatewaysByRef.get(ref);
    },
    gatewayProxyNamespaces(gateway) {
      const pods = new Set(index.gatewayWorkloadsOf(gateway).map((w) => w.namespace));
      return pods.size > 0 ? [...pods] : [gateway.namespace];
    },
    gatewayWorkloadsOf(gateway) {
      if (!workloadsByGateway) {
        workloadsByGateway = new Map();
        for (const w of index.gatewayWorkloads())
          for (const g of w.gateways)
            workloadsByGateway.set(g, [...(workloadsByGateway.get(g) ?? []), w]);
      }
      return workloadsByGateway.get(gateway) ?? [];
    },
    gatewayWorkloadForHost(host) {
      if (!gatewayServicesByHost.has(host)) {
        if (!knownGatewayServices) {
          knownGatewayServices = new Map();
          for (const w of index.gatewayWorkloads())
            if (w.serviceHost !== undefined && !knownGatewayServices.has(w.serviceHost))
              knownGatewayServices.set(w.serviceHost, w as GatewayService);
        }
        const known = knownGatewayServices.get(host);
        gatewayServicesByHost.set(
          host,
          known ??
            assumedGatewayWorkload(host, cs.defaults.gatewayLabel, of(KIND.gateway), clusterDomain),
        );
      }
      return gatewayServicesByHost.get(host);
    },
    routeUses: () => (uses ??= collectRouteUses(index)),
    releaseLintViews() {
      uses = undefined;
    },
    gatewayClients: () => gatewayClientsOf(index),
    gatewayApiUnmodelled: () => gatewayApi.unmodelled,
    gatewayApiUnattached: () => gatewayApi.unattached,
    gatewayApiUnshownGateways: () => gatewayApi.unshownGateways,
  };

  // The index never changes: remember the lookups a simulation repeats for every cell of an access matrix.
  index.virtualServicesForGateway = remember(
    index.virtualServicesForGateway,
    (g, ns) => `${gatewayRef(g)}|${ns ?? ''}`,
  );
  index.gatewaysSelecting = remember(
    index.gatewaysSelecting,
    (pods) => `${pods.namespace}|${labelsKey(pods.labels)}`,
  );

  return index;
}

/** The schema-valid Gateway API objects, first copy of each (their kinds are not in GROUP_OF_KIND). */
function gatewayApiResources(cs: ConfigSet): Resource[] {
  const valid = cs.resources.filter((r) => r.group === GATEWAY_API_GROUP && !cs.invalid.has(r));
  const copies = laterCopies(valid);
  return valid.filter((r) => !copies.has(r));
}

/**
 * The resources visible from `namespace`: the (read-only) list itself when all are, which is the
 * usual answer, rather than a copy per question.
 */
function visibleOnes(resources: readonly Resource[], namespace: string): readonly Resource[] {
  for (const r of resources)
    if (!isVisibleTo(r, namespace)) return resources.filter((x) => isVisibleTo(x, namespace));
  return resources;
}

/** `fn` with its results remembered by `key` (arrays are copied, so callers may change them). */
function remember<A extends unknown[], R>(
  fn: (...args: A) => R,
  key: (...args: A) => string,
): (...args: A) => R {
  const cache = new Map<string, R>();
  return (...args) => {
    const k = key(...args);
    if (!cache.has(k)) cache.set(k, fn(...args));
    const v = cache.get(k)!;
    return (Array.isArray(v) ? [...v] : v) as R;
  };
}

type Labels = Readonly<Record<string, string>> | undefined;

/**
 * A memo of answers per (host, client), without building a key string per question. `client` is the
 * namespace (with the labels' key when there are labels); `answer` is given once rather than as a
 * closure per question.
 */
function perHostAndClient<T>(
  answer: (host: string, namespace: string, labels: Labels) => T,
): (host: string, client: string, namespace: string, labels: Labels) => T {
  const byHost = new Map<string, Map<string, T>>();
  return (host, client, namespace, labels) => {
    let byClient = byHost.get(host);
    if (!byClient) byHost.set(host, (byClient = new Map()));
    const known = byClient.get(client);
    if (known !== undefined || byClient.has(client)) return known as T;
    const value = answer(host, namespace, labels);
    byClient.set(client, value);
    return value;
  };
}

function collectNamespaces(cs: ConfigSet, istio: readonly Resource[]): string[] {
  const out = new Set<string>();
  for (const r of cs.resources) if (!cs.invalid.has(r)) out.add(r.namespace);
  // Resources sharing an exportTo list share its scope: read each scope once.
  const scopes = new Set<ExportScope>();
  for (const r of istio) {
    out.add(r.namespace);
    const scope = exportedTo(r);
    if (!scopes.has(scope)) {
      scopes.add(scope);
      for (const e of scope.namespaces) if (e !== '*') out.add(e);
    }
    if (r.kind === KIND.virtualService) {
      for (const route of routesOf(r))
        for (const m of route.matches)
          if (typeof m.match?.sourceNamespace === 'string') out.add(m.match.sourceNamespace);
    }
  }
  for (const p of cs.policies)
    for (const d of p.destinations) for (const f of d.from) out.add(f.namespace);
  return [...out].sort();
}
