/** A Kubernetes-style object from the config set, whether the user wrote it or we rendered it. */
import { formatPath, type FieldPath } from './field-path.js';
import type { ResourceRef, Span } from './finding.js';
import type { SourceMap } from '../load/source-map.js';
import { isClusterScoped } from './kinds.js';

export type JsonObject = { [key: string]: unknown };

/** Where a loaded resource was written. */
export interface SourceOrigin {
  file: string;
  /** 0-based index of the YAML document within the file. */
  documentIndex: number;
  map: SourceMap;
}

/**
 * Where a rendered resource came from: the policy, the field that produced it, and finer links from
 * rendered field paths to policy field paths (longest prefix wins).
 */
export interface RenderOrigin {
  policy: Resource;
  path: FieldPath;
  fields: readonly (readonly [rendered: FieldPath, source: FieldPath])[];
}

/**
 * Where a resource Istio derives from another one came from (a Gateway API route or Gateway, which
 * Istio converts into VirtualServices and Gateways): the object, and links from derived field paths
 * to its field paths (longest prefix wins). A VirtualService Istio merges from several routes links
 * the parts that come from another route to that route (`other`).
 */
export interface ConvertedOrigin {
  from: Resource;
  fields: readonly (readonly [derived: FieldPath, source: FieldPath, other?: Resource])[];
}

export interface Resource {
  apiVersion: string;
  kind: string;
  /** API group ('' for core) and version, split from apiVersion. */
  group: string;
  version: string;
  name: string;
  namespace: string;
  /** True when metadata.namespace was absent and the default namespace was assumed. */
  namespaceDefaulted: boolean;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  /** The whole object as written (or rendered). Treat as read-only. */
  body: JsonObject;
  /** Set for resources loaded from files. */
  source?: SourceOrigin;
  /** Set for resources produced by the renderer. */
  rendered?: RenderOrigin;
  /** Set for the Istio config Istio derives from Gateway API objects. */
  converted?: ConvertedOrigin;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash === -1
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function refOf(r: Resource): ResourceRef {
  return { apiVersion: r.apiVersion, kind: r.kind, namespace: r.namespace, name: r.name };
}

/** `Kind namespace/name` (`Kind name` for a cluster-scoped kind), the way people say it. */
export function describe(
  r: Pick<Resource, 'kind' | 'namespace' | 'name'> & { group?: string },
): string {
  return r.group !== undefined && isClusterScoped({ group: r.group, kind: r.kind })
    ? `${r.kind} ${r.name}`
    : `${r.kind} ${r.namespace}/${r.name}`;
}

/** `Kind namespace/name`, and for a rendered or converted resource what it came from. */
export function describeOrigin(r: Resource): string {
  if (r.rendered) return `${describe(r)} (rendered from ${describe(r.rendered.policy)})`;
  if (r.converted) return `${describe(r)} (converted from ${describe(r.converted.from)})`;
  return describe(r);
}

/** Identity across revisions: group, kind, namespace and name (not the version, which may change). */
export function identityKey(r: Pick<Resource, 'group' | 'kind' | 'namespace' | 'name'>): string {
  return `${r.group}/${r.kind}/${isClusterScoped(r) ? '' : r.namespace}/${r.name}`;
}

export interface Located extends Span {
  file: string;
  /** The field path in the file's resource (for rendered resources: the policy's field). */
  path: FieldPath;
}

/**
 * Where a field of a resource was written. For a rendered resource this is the policy line that
 * produced it, which is where a user can fix it.
 */
export function locate(r: Resource, path: FieldPath = []): Located | undefined {
  if (r.source) return { file: r.source.file, ...r.source.map.locate(path), path };
  if (r.rendered)
    return locate(r.rendered.policy, linkedPath(r.rendered.fields, path, r.rendered.path));
  if (r.converted) {
    const link = longestLink(r.converted.fields, path);
    return locate(link?.[2] ?? r.converted.from, link?.[1] ?? []);
  }
  return undefined;
}

/** The resource a derived field comes from: the one it was converted from, or a merged-in other. */
export function convertedSourceOf(r: Resource, path: FieldPath): Resource | undefined {
  if (!r.converted) return undefined;
  return longestLink(r.converted.fields, path)?.[2] ?? r.converted.from;
}

/** The source path linked to the longest prefix of `path`, else `fallback`. */
function linkedPath(
  links: readonly (readonly [prefix: FieldPath, source: FieldPath])[],
  path: FieldPath,
  fallback: FieldPath,
): FieldPath {
  return longestLink(links, path)?.[1] ?? fallback;
}

/** The link whose prefix is the longest one of `path`. */
function longestLink<L extends readonly [prefix: FieldPath, ...unknown[]]>(
  links: readonly L[],
  path: FieldPath,
): L | undefined {
  let best: L | undefined;
  for (const link of links) {
    const prefix = link[0];
    if (prefix.length > (best?.[0].length ?? -1) && prefix.every((seg, i) => path[i] === seg))
      best = link;
  }
  return best;
}

/** Read a nested value without caring whether the intermediate levels exist or have the right type. */
export function get(value: unknown, path: FieldPath): unknown {
  let v = value;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The location fields of a Finding for a field of a resource: file, span and the field as written. */
export function findingLocation(
  r: Resource,
  path: FieldPath = [],
): Span & { file: string; field?: string } {
  const at = locate(r, path);
  if (!at) return { file: '', line: 1, column: 1 };
  const { path: sourcePath, ...span } = at;
  const field = formatPath(sourcePath);
  return field ? { ...span, field } : span;
}
