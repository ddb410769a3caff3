import { shownClients } from '../src/lint/clients.js';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { listText } from '../src/lint/wording.js';
import {
  describeNamespaces,
  destinationRuleHost,
  MESH,
  everyNamespace,
  clientTlsFor,
  routedHost,
  subsetsOfRule,
  type IstioIndex,
  type RouteUse,
} from '../src/model/istio.js';
import { describe, identityKey, type Resource } from '../src/model/resource.js';

/**
 * Istio looks for a client's DestinationRule in the client's namespace, then in the namespace of the
 * service, then in the root namespace, and only takes rules exported to the client
 * (pilot/pkg/model/push_context.go destinationRule). A rule elsewhere silently does nothing for other
 * clients: seed 004 puts the egress gateway's rule in `default`, so sidecars in any other namespace
 * miss its subset and its mTLS settings.
 *
 * Reported for rules a route's clients need: a rule defining the subset the route names, a rule
 * setting TLS for the egress gateway port it sends to, and any rule for a host the gateway itself
 * sends to (TLS origination). An error when a client the repository shows misses it (see
 * IstioIndex.clientNamespaces); a warning when only namespaces it does not show would.
 */
export default defineRule({
  meta: {
    id: 'dr-lookup-path',
    severity: 'error',
    description:
      'DestinationRule placed or exported where the clients that route to its host never find it',
    kinds: ['DestinationRule', 'VirtualService', 'ServiceEntry', 'ASMEgressTrafficPolicy'],
  },
  check({ index, report }) {
    const all = everyNamespace(index);
    for (const p of lookupProblems(index).values()) reportProblem(index, all, p, report);
  },
});

/** A DestinationRule some route's clients miss, for one reason, with who misses it through what. */
interface Problem {
  dr: Resource;
  kind: 'namespace' | 'exportTo';
  clients: Set<string>;
  /** Clients the repository shows: sidecar client namespaces, and gateway pods. */
  real: Set<string>;
  routes: Set<string>;
  serviceNamespace?: string;
}

/** Every DestinationRule a route's clients need but do not find, grouped per rule and reason. */
function lookupProblems(index: IstioIndex): Map<string, Problem> {
  const problems = new Map<string, Problem>();
  for (const use of index.routeUses()) {
    for (const [host, missing] of clientsWithoutRules(index, use)) {
      const candidates = index
        .destinationRulesForHost(host)
        .filter((dr) => needs(index, use, host, dr));
      for (const ns of missing) {
        const serviceNamespace = index.serviceNamespace(host, ns);
        const path = new Set(index.destinationRuleLookupPath(host, ns));
        for (const dr of candidates) {
          const p = problemFor(
            problems,
            dr,
            path.has(dr.namespace) ? 'exportTo' : 'namespace',
            serviceNamespace,
          );
          p.clients.add(ns);
          if (shownClients(index, [ns], use.on).length > 0) p.real.add(ns);
          p.routes.add(describe(use.vs));
        }
      }
    }
  }
  return problems;
}

/**
 * The client namespaces of a route use that find no DestinationRule, by the host whose rules they
 * need: a route to an ExternalName alias uses the rules of the host it names (route.go
 * GetDestinationCluster); an alias of an alias has no cluster at all (serviceentry-missing's finding).
 */
function clientsWithoutRules(index: IstioIndex, use: RouteUse): Map<string, string[]> {
  const missingByHost = new Map<string, string[]>();
  for (const ns of use.clientNamespaces) {
    const routed = routedHost(index, use.destination.host, ns);
    if (routed.aliasAgain || index.destinationRulesFor(routed.host, ns)) continue;
    missingByHost.set(routed.host, [...(missingByHost.get(routed.host) ?? []), ns]);
  }
  return missingByHost;
}

/**
 * Whether the clients would miss something of the rule: the subset the route names, the TLS settings
 * for an egress gateway's port, or (at the gateway) anything, such as TLS origination to the host.
 */
function needs(index: IstioIndex, use: RouteUse, host: string, dr: Resource): boolean {
  const { subset, port } = use.destination;
  return (
    use.on !== MESH ||
    (subset !== undefined && subsetsOfRule(dr).has(subset)) ||
    (index.gatewayWorkloadForHost(host) !== undefined &&
      clientTlsFor([dr], port, subset) !== undefined)
  );
}

function problemFor(
  problems: Map<string, Problem>,
  dr: Resource,
  kind: Problem['kind'],
  serviceNamespace: string | undefined,
): Problem {
  const key = `${identityKey(dr)}|${kind}`;
  let p = problems.get(key);
  if (!p) {
    p = {
      dr,
      kind,
      clients: new Set(),
      real: new Set(),
      routes: new Set(),
      ...(serviceNamespace ? { serviceNamespace } : {}),
    };
    problems.set(key, p);
  }
  return p;
}

/** One finding for a DestinationRule clients miss: an error where the repository shows them. */
function reportProblem(
  index: IstioIndex,
  all: readonly string[],
  p: Problem,
  report: RuleContext['report'],
): void {
  const host = destinationRuleHost(p.dr);
  const real = [...p.real].sort();
  // Clients the repository shows: an error naming them. Only hypothetical ones: a warning.
  const severity = real.length > 0 ? 'error' : 'warning';
  const clients =
    real.length > 0
      ? `${listText(real)}${real.length < p.clients.size ? ' (and maybe others)' : ''}`
      : describeNamespaces([...p.clients].sort(), all);
  const where = real.length > 0 ? '' : ' (the repository shows no client there)';
  const via = listText([...p.routes]);
  const narrow = `export ${via} only to the namespaces that find it`;
  if (p.kind === 'exportTo') {
    const add = real.length > 0 ? listText(real) : 'them';
    report({
      resource: p.dr,
      path: ['spec', 'exportTo'],
      severity,
      message: `exportTo leaves out ${clients}${where}, whose proxies ${via} sends to ${host}; they find no DestinationRule for it, so its subsets and TLS settings do not apply to them: add ${add} to exportTo, or ${narrow}`,
    });
    return;
  }
  const home = p.serviceNamespace ?? index.rootNamespace;
  const fixes = [
    `move it to ${home}`,
    ...(real.length > 0 ? [`copy it into ${listText(real)}`] : []),
    narrow,
  ];
  report({
    resource: p.dr,
    path: p.dr.namespaceDefaulted ? ['metadata'] : ['metadata', 'namespace'],
    severity,
    message: `${describe(p.dr)} for ${host} is on the lookup path of clients in ${p.dr.namespace} only, but ${via} sends clients in ${clients}${where} to ${host}; Istio looks in the client's namespace, then the service's${p.serviceNamespace ? ` (${p.serviceNamespace})` : ''}, then the root namespace (${index.rootNamespace}): ${listText(fixes, 'or')}`,
  });
}
