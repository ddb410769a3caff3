import { defineRule } from '../src/lint/rule.js';
import { listText } from '../src/lint/wording.js';
import {
  describeNamespaces,
  everyNamespace,
  isVisibleTo,
  serviceChoice,
  serviceEntryResolution,
  stringList,
} from '../src/model/istio.js';
import { KIND } from '../src/model/kinds.js';
import type { FieldPath } from '../src/model/field-path.js';
import { describe, get, identityKey, isObject, type Resource } from '../src/model/resource.js';

/**
 * Several ServiceEntries for one host, seen from the same namespace: Istio keeps one service per host
 * for a proxy and the other's resolution or port protocols silently do not apply. A fixed precedence
 * decides first (serviceChoice: the proxy's own namespace, export by name before public); only where
 * it leaves both does creation order pick (the oldest, pilot/pkg/model/sidecar.go
 * appendSidecarServices), and only there is it a conflict (istioctl's ConflictingServiceEntryProtocol
 * check, extended to resolution). Conflicts between two rendered entries are the ASM rules' business
 * (duplicate-destination).
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
    const gatewayNamespaces = new Set(index.gatewayWorkloads().map((w) => w.namespace));
    const found = new Map<
      string,
      { se: Resource; path: FieldPath; what: string; others: Set<string>; where: Set<string> }
    >();
    const add = (
      se: Resource,
      path: FieldPath,
      what: string,
      other: Resource,
      where: readonly string[],
    ): void => {
      const key = `${identityKey(se)}|${path.join('.')}`;
      let f = found.get(key);
      if (!f) found.set(key, (f = { se, path, what, others: new Set(), where: new Set() }));
      f.others.add(describe(other));
      for (const ns of where) f.where.add(ns);
    };
    /** The namespaces whose proxies keep `a` or `b` for `host` by creation order alone. */
    const orderDecides = (a: Resource, b: Resource, host: string): string[] =>
      namespaces.filter((ns) => {
        if (!isVisibleTo(a, ns) || !isVisibleTo(b, ns)) return false;
        const entries = [
          ...index.serviceEntriesForDestination(host, ns),
          ...index.kubernetesServicesFor(host, ns).map((k) => k.resource),
        ];
        const scope = gatewayNamespaces.has(ns) ? 'gateway' : 'sidecar';
        const { rivals } = serviceChoice(entries, ns, scope);
        return rivals.includes(a) && rivals.includes(b);
      });

    for (const a of entries) {
      // Only entries that share a host can conflict; each pair is looked at once.
      const others = new Set(hostsOf(a).flatMap((h) => index.serviceEntriesForHost(h)));
      for (const b of others) {
        if (position.get(b)! <= position.get(a)! || (a.rendered && b.rendered)) continue;
        const byHost = hostsOf(a)
          .filter((h) => hostsOf(b).includes(h))
          .map((h): [string, string[]] => [h, orderDecides(a, b, h)])
          .filter(([, where]) => where.length > 0);
        if (byHost.length === 0) continue;
        const hosts = listText(byHost.map(([h]) => h));
        const where = [...new Set(byHost.flatMap(([, w]) => w))];
        if (serviceEntryResolution(a) !== serviceEntryResolution(b)) {
          const resolution = (se: Resource): string =>
            `resolution ${serviceEntryResolution(se)} for ${hosts}`;
          add(a, ['spec', 'resolution'], resolution(a), b, where);
          add(b, ['spec', 'resolution'], resolution(b), a, where);
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
            where,
          );
          add(
            b,
            ['spec', 'ports', pb.index, 'protocol'],
            `protocol ${pb.protocol} on port ${number} of ${hosts}`,
            a,
            where,
          );
        }
      }
    }
    for (const { se, path, what, others, where } of found.values()) {
      const clients = describeNamespaces([...where].sort(), namespaces);
      report({
        resource: se,
        path,
        message: `${what} disagrees with ${listText([...others])}, which proxies in ${clients} see as well with nothing but creation order to choose between them (no own-namespace entry, export by name or Kubernetes Service settles it there): Istio keeps only the oldest ServiceEntry for a host, so which one applies the repository cannot show; keep one ServiceEntry per host`,
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
