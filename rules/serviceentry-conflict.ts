import { defineRule } from '../src/lint/rule.js';
import { listText } from '../src/lint/wording.js';
import {
  everyNamespace,
  isVisibleTo,
  serviceEntryResolution,
  stringList,
} from '../src/model/istio.js';
import { KIND } from '../src/model/kinds.js';
import type { FieldPath } from '../src/model/field-path.js';
import { describe, get, identityKey, isObject, type Resource } from '../src/model/resource.js';

/**
 * Several ServiceEntries for one host, seen from the same namespace: Istio keeps one service per host
 * for a proxy (the oldest, pilot/pkg/model/sidecar.go appendSidecarServices) and the other's
 * resolution or port protocols silently do not apply — which one wins depends on creation order
 * (istioctl's ConflictingServiceEntryProtocol check, extended to resolution). Conflicts between two
 * rendered entries are the ASM rules' business (duplicate-destination).
 */
export default defineRule({
  meta: {
    id: 'serviceentry-conflict',
    severity: 'warning',
    description:
      'ServiceEntries visible in the same namespace that define one host with different resolution or port protocols',
    kinds: ['ServiceEntry', 'ASMEgressTrafficPolicy'],
  },
  check({ index, report }) {
    const namespaces = everyNamespace(index);
    const entries = index.ofKind(KIND.serviceEntry);
    const position = new Map(entries.map((e, i) => [e, i]));
    const hostsOf = (se: Resource): string[] => stringList(get(se.body, ['spec', 'hosts']));
    const found = new Map<
      string,
      { se: Resource; path: FieldPath; what: string; others: Set<string> }
    >();
    const add = (se: Resource, path: FieldPath, what: string, other: Resource): void => {
      const key = `${identityKey(se)}|${path.join('.')}`;
      let f = found.get(key);
      if (!f) found.set(key, (f = { se, path, what, others: new Set() }));
      f.others.add(describe(other));
    };

    for (const a of entries) {
      // Only entries that share a host can conflict; each pair is looked at once.
      const others = new Set(hostsOf(a).flatMap((h) => index.serviceEntriesForHost(h)));
      for (const b of others) {
        if (position.get(b)! <= position.get(a)! || (a.rendered && b.rendered)) continue;
        const shared = hostsOf(a).filter((h) => hostsOf(b).includes(h));
        if (
          shared.length === 0 ||
          !namespaces.some((ns) => isVisibleTo(a, ns) && isVisibleTo(b, ns))
        )
          continue;
        const hosts = listText(shared);
        if (serviceEntryResolution(a) !== serviceEntryResolution(b)) {
          add(a, ['spec', 'resolution'], `resolution ${serviceEntryResolution(a)} for ${hosts}`, b);
          add(b, ['spec', 'resolution'], `resolution ${serviceEntryResolution(b)} for ${hosts}`, a);
        }
        const portsOfB = ports(b);
        for (const [number, pa] of ports(a)) {
          const pb = portsOfB.get(number);
          if (!pb || !pa.protocol || !pb.protocol || pb.protocol === pa.protocol) continue;
          add(
            a,
            ['spec', 'ports', pa.index, 'protocol'],
            `protocol ${pa.protocol} on port ${number} of ${hosts}`,
            b,
          );
          add(
            b,
            ['spec', 'ports', pb.index, 'protocol'],
            `protocol ${pb.protocol} on port ${number} of ${hosts}`,
            a,
          );
        }
      }
    }
    for (const { se, path, what, others } of found.values()) {
      report({
        resource: se,
        path,
        message: `${what} disagrees with ${listText([...others])}, which clients see as well: Istio keeps only the oldest ServiceEntry for a host, so which one applies depends on creation order; keep one ServiceEntry per host`,
      });
    }
  },
});

function ports(se: Resource): Map<number, { protocol: string; index: number }> {
  const out = new Map<number, { protocol: string; index: number }>();
  const list = get(se.body, ['spec', 'ports']);
  if (!Array.isArray(list)) return out;
  list.forEach((p, i) => {
    if (isObject(p) && typeof p.number === 'number')
      out.set(p.number, { protocol: String(p.protocol ?? '').toUpperCase(), index: i });
  });
  return out;
}
