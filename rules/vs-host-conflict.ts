import { writtenAt } from '../src/lint/describe.js';
import { defineRule } from '../src/lint/rule.js';
import { listText } from '../src/lint/wording.js';
import {
  conflictingHostClaims,
  describeNamespaces,
  everyNamespace,
  resolveHostOf,
  stringList,
} from '../src/model/istio.js';
import { describeOrigin, get } from '../src/model/resource.js';

/**
 * A sidecar uses one VirtualService per host: of several bound to `mesh` for one host, Istio keeps the
 * oldest and drops the others' routes ("duplicate domain from virtual service"). Which one is oldest is
 * creation order, which the repository cannot show, hence a warning. Two policies rendering the same
 * host are duplicate-destination's.
 */
export default defineRule({
  meta: {
    id: 'vs-host-conflict',
    severity: 'warning',
    description:
      'Several VirtualServices define one host for the same sidecars: Istio uses the oldest and ignores the others (creation order decides)',
    kinds: ['VirtualService'],
  },
  check({ index, report }) {
    const all = everyNamespace(index);
    for (const claim of conflictingHostClaims(index)) {
      if (claim.virtualServices.every((vs) => vs.rendered)) continue;
      for (const vs of claim.virtualServices) {
        if (vs.rendered) continue;
        const hosts = stringList(get(vs.body, ['spec', 'hosts']));
        const i = hosts.findIndex((h) => resolveHostOf(vs, h) === claim.host);
        const others = claim.virtualServices
          .filter((o) => o !== vs)
          .map((o) => `${describeOrigin(o)} (${writtenAt(o, ['metadata', 'name'])})`);
        report({
          resource: vs,
          path: ['spec', 'hosts', i],
          message: `${claim.host} is also defined by ${listText(others)} for sidecars in ${describeNamespaces(claim.namespaces, all)}: a sidecar uses one VirtualService per host, the oldest by creation time (which the repository cannot show), and ignores the other's routes; merge them into one VirtualService, or export each to different namespaces`,
        });
      }
    }
  },
});
