import { defineRule } from '../src/lint/rule.js';
import { severityForClients } from '../src/lint/clients.js';
import { listText } from '../src/lint/wording.js';
import {
  describeNamespaces,
  destinationRuleHost,
  hostMatches,
  routedHost,
  everyNamespace,
  subsetsOf,
  subsetsOfRule,
} from '../src/model/istio.js';
import { KIND } from '../src/model/kinds.js';
import { isRefusedSubset } from '../src/render/render.js';
import { describe, type Resource } from '../src/model/resource.js';

/**
 * A route to `host` + `subset` needs the subset in the DestinationRule the client uses for that host
 * (the first namespace on its lookup path with a matching rule; rules there are merged). Without it
 * Envoy has no such cluster: HTTP gets 503 (NR, "no healthy upstream"), TLS/TCP connections are closed.
 *
 * When some DestinationRule does define the subset but sits where the client does not look (another
 * namespace, exportTo), dr-lookup-path reports that rule instead. An error when a client the
 * repository shows fails; a warning when only namespaces it does not show would.
 */
export default defineRule({
  meta: {
    id: 'dr-subset-missing',
    severity: 'error',
    description:
      "Route to a subset that no DestinationRule on its clients' lookup path defines (503 NR)",
    kinds: ['VirtualService', 'DestinationRule', 'ServiceEntry', 'ASMEgressTrafficPolicy'],
  },
  check({ index, configSet, report }) {
    const all = everyNamespace(index);
    const defines = (dr: Resource, host: string, subset: string): boolean =>
      hostMatches(destinationRuleHost(dr), host) && subsetsOfRule(dr).has(subset);
    // Only asked when a client finds no rule at all: then a rule elsewhere is dr-lookup-path's.
    const elsewhere = new Map<string, boolean>();
    const definedSomewhere = (host: string, subset: string): boolean => {
      const key = `${host} ${subset}`;
      let found = elsewhere.get(key);
      if (found === undefined) {
        found = index.destinationRulesForHost(host).some((dr) => defines(dr, host, subset));
        elsewhere.set(key, found);
      }
      return found;
    };
    for (const use of index.routeUses()) {
      const { host, subset } = use.destination;
      if (subset === undefined) continue;
      // The renderer's refusal route is meant to go nowhere: without its subset it still refuses.
      if (use.vs.rendered && isRefusedSubset(subset)) continue;
      const failing: string[] = [];
      const shadowing = new Set<string>();
      // A route to an ExternalName alias takes the cluster, so the subsets, of the host it names
      // (route.go GetDestinationCluster); an alias of an alias has no cluster: serviceentry-missing's.
      const targets = new Set<string>();
      for (const ns of use.clientNamespaces) {
        const routed = routedHost(index, host, ns);
        if (routed.aliasAgain) continue;
        const target = routed.host;
        const found = index.destinationRulesFor(target, ns);
        if (found && !subsetsOf(found.rules).has(subset)) {
          failing.push(ns);
          targets.add(target);
          for (const r of found.rules) shadowing.add(describe(r));
        } else if (!found && !definedSomewhere(target, subset)) {
          failing.push(ns);
          targets.add(target);
        }
      }
      if (failing.length === 0) continue;
      const rejected = configSet.resources.filter(
        (r) =>
          configSet.invalid.has(r) &&
          r.kind === KIND.destinationRule &&
          [...targets].some((t) => defines(r, t, subset)),
      );
      const notes = [
        ...(shadowing.size > 0
          ? [`they use ${listText([...shadowing])}, which has no such subset`]
          : []),
        ...rejected.map(
          (r) => `${describe(r)} defines it but fails validation, so Istio rejects it`,
        ),
      ];
      const clients =
        use.on === 'mesh'
          ? `sidecars in ${describeNamespaces(failing, all)}`
          : `the gateway's pods in ${listText(failing)}`;
      const outcome =
        use.route.kind === 'http'
          ? 'requests get 503 (no healthy upstream)'
          : 'connections are closed';
      report({
        resource: use.vs,
        path: [...use.destination.path, 'subset'],
        ...severityForClients(index, failing, use.on),
        message: `subset "${subset}" of ${host}${aliasNote(host, targets)} is defined by no DestinationRule that ${clients} use${notes.length ? ` (${notes.join('; ')})` : ''}: ${outcome}`,
      });
    }
  },
});

/** For a route to an ExternalName alias: the hosts whose DestinationRules its clients use instead. */
function aliasNote(host: string, targets: ReadonlySet<string>): string {
  const others = [...targets].filter((t) => t !== host);
  return others.length === 0
    ? ''
    : ` (an ExternalName alias: Istio uses the DestinationRules of ${listText(others)})`;
}
