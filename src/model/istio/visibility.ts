/**
 * exportTo visibility, and the namespaces a config set names (clients may be in any of them, or in
 * one it does not name).
 */
import { get, type Resource } from '../resource.js';
import { stringList } from './hosts.js';
import type { IstioIndex } from './index.js';
import { EXPORT_TO_ANNOTATION, isKubernetesService } from './services.js';

/**
 * Whether a ServiceEntry, VirtualService or DestinationRule is visible from `namespace`. No exportTo
 * means everywhere (Istio's default); `.` is the resource's own namespace, `*` everywhere, `~` nowhere.
 */
export function isVisibleTo(r: Resource, namespace: string): boolean {
  const scope = exportedTo(r);
  return scope.everywhere || scope.namespaces.has(namespace);
}

/**
 * Istio's order among the VirtualServices a proxy of `namespace` sees: private ones (exported to their
 * own namespace only) first, then those exported to it by name, then public ones
 * (pilot/pkg/model/push_context.go initVirtualServices and VirtualServicesForGateway,
 * virtualservice.go SelectVirtualServices). Creation order decides only within one rank.
 */
export function lookupRank(r: Resource, namespace: string): number {
  if (exportedTo(r).everywhere) return 2;
  return r.namespace === namespace ? 0 : 1;
}

/** Where a resource is visible: everywhere (no exportTo, or `*`), else these namespaces (none for `~`). */
export interface ExportScope {
  everywhere: boolean;
  namespaces: ReadonlySet<string>;
}

/** exportTo, read once per resource (lint asks the same question for every client namespace). */
const exportScopes = new WeakMap<Resource, ExportScope>();
/**
 * Scopes by the exportTo list itself and the resource's namespace (what `.` stands for): resources
 * sharing one list, as a gateway's rendered DestinationRules do, share one scope instead of a Set each.
 */
const scopesByList = new WeakMap<readonly unknown[], Map<string, ExportScope>>();
const EVERYWHERE: ExportScope = { everywhere: true, namespaces: new Set() };

export function exportedTo(r: Resource): ExportScope {
  let scope = exportScopes.get(r);
  if (!scope) {
    const written = exportToList(r);
    if (!Array.isArray(written)) scope = EVERYWHERE;
    else {
      let byNamespace = scopesByList.get(written);
      if (!byNamespace) scopesByList.set(written, (byNamespace = new Map()));
      scope = byNamespace.get(r.namespace);
      if (!scope) byNamespace.set(r.namespace, (scope = readExportTo(stringList(written), r)));
    }
    exportScopes.set(r, scope);
  }
  return scope;
}

/**
 * exportTo as written: the field, or for a Kubernetes Service the comma-separated annotation
 * (kube/conversion.go ConvertService), one list per resource.
 */
const annotatedLists = new WeakMap<Resource, readonly string[]>();

function exportToList(r: Resource): unknown {
  if (!isKubernetesService(r)) return get(r.body, ['spec', 'exportTo']);
  const annotation = r.annotations[EXPORT_TO_ANNOTATION];
  if (typeof annotation !== 'string' || annotation.trim() === '') return undefined;
  let list = annotatedLists.get(r);
  if (!list) annotatedLists.set(r, (list = annotation.split(',').map((ns) => ns.trim())));
  return list;
}

function readExportTo(exportTo: readonly string[], r: Resource): ExportScope {
  if (exportTo.length === 0) return EVERYWHERE;
  return {
    everywhere: exportTo.includes('*'),
    namespaces: new Set(
      exportTo.filter((e) => e !== '~').map((e) => (e === '.' ? r.namespace : e)),
    ),
  };
}

/**
 * The namespaces among `namespaces` that see a resource (without testing each one against exportTo).
 * Remembered per export scope, which resources with one exportTo list share (a gateway's rendered
 * resources: one answer for all of them rather than a list each), for the last list asked about:
 * every rule asks with everyNamespace's list. The answer is shared; callers must not change it.
 */
export function visibleNamespaces(r: Resource, namespaces: readonly string[]): readonly string[] {
  const scope = exportedTo(r);
  if (scope.everywhere) return namespaces;
  const last = visibleCache.get(scope);
  if (last?.namespaces === namespaces) return last.visible;
  let known = namespaceSets.get(namespaces);
  if (!known) namespaceSets.set(namespaces, (known = new Set(namespaces)));
  const visible = sortNamespaces([...scope.namespaces].filter((ns) => known.has(ns)));
  visibleCache.set(scope, { namespaces, visible });
  return visible;
}

const visibleCache = new WeakMap<
  ExportScope,
  { namespaces: readonly string[]; visible: readonly string[] }
>();
const namespaceSets = new WeakMap<readonly string[], ReadonlySet<string>>();

/**
 * Stands for every namespace the config set does not name. It is not a valid namespace name, so it
 * never collides: exportTo `*` (or none) reaches it, a list of names does not.
 */
export const OTHER_NAMESPACES = '<other namespaces>';

/** The namespaces a client may be in: every namespace the config set names, and OTHER_NAMESPACES. */
export function everyNamespace(index: IstioIndex): readonly string[] {
  let all = everyNamespaceOf.get(index);
  if (!all) everyNamespaceOf.set(index, (all = [...index.knownNamespaces(), OTHER_NAMESPACES]));
  return all;
}

/** One list per index, so answers remembered per list (visibleNamespaces) serve every rule. */
const everyNamespaceOf = new WeakMap<IstioIndex, readonly string[]>();

/**
 * `mytest, default`, or `namespaces other than default` when the list includes OTHER_NAMESPACES
 * (`all` names every namespace that was considered, to say which ones are fine).
 */
export function describeNamespaces(namespaces: readonly string[], all: readonly string[]): string {
  const named = namespaces.filter((n) => n !== OTHER_NAMESPACES);
  if (!namespaces.includes(OTHER_NAMESPACES)) return named.join(', ');
  const fine = all.filter((n) => n !== OTHER_NAMESPACES && !namespaces.includes(n));
  return fine.length === 0 ? 'every namespace' : `namespaces other than ${fine.join(', ')}`;
}

/**
 * Sorts a namespace list in place and returns it. The lists are short and sorted by the ten thousand
 * (per VirtualService and route), and Array#sort allocates over a kilobyte of scratch per call.
 */
export function sortNamespaces(list: string[]): string[] {
  if (list.length > 16) return list.sort();
  for (let i = 1; i < list.length; i++) {
    const x = list[i]!;
    let j = i - 1;
    for (; j >= 0 && list[j]! > x; j--) list[j + 1] = list[j]!;
    list[j + 1] = x;
  }
  return list;
}
