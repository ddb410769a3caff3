import { defineRule } from '../src/lint/rule.js';
import { listText } from '../src/lint/wording.js';
import { everyNamespace, isVisibleTo, stringList } from '../src/model/istio.js';
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
    const resolution = (se: Resource): string =>
      String(get(se.body, ['spec', 'resolution']) ?? 'NONE');
    const ports = (se: Resource): Map<number, { protocol: string; index: number }> => {
      const out = new Map<number, { protocol: string; index: number }>();
      const list = get(se.body, ['spec', 'ports']);
      if (Array.isArray(list))
        list.forEach(
          (p, i) =>
            isObject(p) &&
            typeof p.number === 'number' &&
            out.set(p.number, { protocol: String(p.protocol ?? '').toUpperCase(), index: i }),
        );
      return out;
    };

    entries.forEach((a, i) => {
      for (const b of entries.slice(i + 1)) {
        if (a.rendered && b.rendered) continue;
        const shared = stringList(get(a.body, ['spec', 'hosts'])).filter((h) =>
          stringList(get(b.body, ['spec', 'hosts'])).includes(h),
        );
        if (
          shared.length === 0 ||
          !namespaces.some((ns) => isVisibleTo(a, ns) && isVisibleTo(b, ns))
        )
          continue;
        const hosts = listText(shared);
        if (resolution(a) !== resolution(b)) {
          add(a, ['spec', 'resolution'], `resolution ${resolution(a)} for ${hosts}`, b);
          add(b, ['spec', 'resolution'], `resolution ${resolution(b)} for ${hosts}`, a);
        }
        const pb = ports(b);
        for (const [number, pa] of ports(a)) {
          const other = pb.get(number);
          if (!other || !pa.protocol || !other.protocol || other.protocol === pa.protocol) continue;
          add(
            a,
            ['spec', 'ports', pa.index, 'protocol'],
            `protocol ${pa.protocol} on port ${number} of ${hosts}`,
            b,
          );
          add(
            b,
            ['spec', 'ports', other.index, 'protocol'],
            `protocol ${other.protocol} on port ${number} of ${hosts}`,
            a,
          );
        }
      }
    });
    for (const { se, path, what, others } of found.values()) {
      report({
        resource: se,
        path,
        message: `${what} disagrees with ${listText([...others])}, which clients see as well: Istio keeps only the oldest ServiceEntry for a host, so which one applies depends on creation order; keep one ServiceEntry per host`,
      });
    }
  },
});
