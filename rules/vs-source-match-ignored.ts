import { defineRule } from '../src/lint/rule.js';
import { listText } from '../src/lint/wording.js';
import {
  describeNamespaces,
  MESH,
  everyNamespace,
  routesOf,
  scopeOfMatch,
  stringList,
  visibleNamespaces,
} from '../src/model/istio.js';
import { KIND } from '../src/model/kinds.js';

/**
 * Istio's HTTP route builder stops at a match's own `gateways`: if they include the proxy's gateway the
 * match applies, and `sourceLabels`/`sourceNamespace` are never looked at
 * (pilot/pkg/networking/core/route/route.go, sourceMatchHTTP). TLS and TCP matches do check them.
 * An HTTP egress route meant for some workloads then serves every sidecar that sees it.
 */
export default defineRule({
  meta: {
    id: 'vs-source-match-ignored',
    severity: 'error',
    description:
      'HTTP match that names gateways and sourceLabels/sourceNamespace: Istio ignores the source, the route applies to every sidecar',
    kinds: ['VirtualService'],
  },
  check({ index, report }) {
    const all = everyNamespace(index);
    for (const vs of index.ofKind(KIND.virtualService)) {
      for (const route of routesOf(vs)) {
        if (route.kind !== 'http') continue;
        for (const m of route.matches) {
          const { match, path } = m;
          if (!match || !scopeOfMatch(m, MESH).sourceIgnored) continue;
          const field = match.sourceLabels !== undefined ? 'sourceLabels' : 'sourceNamespace';
          const appliesTo = scopeOfMatch(m, MESH).applies
            ? `every sidecar that sees the VirtualService (in ${describeNamespaces(
                visibleNamespaces(vs, all),
                all,
              )})`
            : `all traffic on ${listText(stringList(match.gateways))}`;
          report({
            resource: vs,
            path: [...path, field],
            message: `Istio ignores sourceLabels and sourceNamespace in an HTTP match that lists gateways, so this route applies to ${appliesTo}, not only the workloads it names; remove the match's gateways (the VirtualService's own gateways still apply, and on a gateway the source is checked against the gateway's pods) or move the route to a VirtualService bound to mesh only`,
          });
        }
      }
    }
  },
});
