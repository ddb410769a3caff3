/**
 * The canonical form of a resource, so a diff shows what changes in the cluster and nothing else.
 *
 * - Formatting, comments, quoting and map-key order do not exist here: we compare parsed objects and
 *   write them with sorted keys.
 * - `metadata.namespace` is the namespace the object lands in: a manifest without it and one saying
 *   the default namespace explicitly are the same object.
 * - Fields the API server fills in (status, uid, resourceVersion, managedFields, kubectl's
 *   last-applied annotation...) are dropped: they appear when someone exports a live object.
 * - List order is kept, except for the Istio lists whose API reference gives them OR or set
 *   semantics (see SET_LISTS). Route lists (`http`, `tls`, `tcp` of a VirtualService: first match
 *   wins), Gateway `servers` and Sidecar `egress` (conflicts resolved in order) and every list of an
 *   ASMEgressTrafficPolicy (the first host is the SNI and the upstream) keep their order.
 */
import { createHash } from 'node:crypto';
import { KIND, NETWORKING_GROUP, SECURITY_GROUP } from '../model/kinds.js';
import { isObject, type JsonObject, type Resource } from '../model/resource.js';
import { toYaml } from '../render/emit.js';

const SERVER_FIELDS = [
  'creationTimestamp',
  'resourceVersion',
  'uid',
  'generation',
  'managedFields',
  'selfLink',
];
const SERVER_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

const AUTHZ_SOURCE_LISTS = [
  'principals',
  'requestPrincipals',
  'namespaces',
  'ipBlocks',
  'remoteIpBlocks',
];
const AUTHZ_OPERATION_LISTS = ['hosts', 'ports', 'methods', 'paths'];
const withNegations = (fields: string[]): string[] =>
  fields.flatMap((f) => [f, `not${f[0]!.toUpperCase()}${f.slice(1)}`]);

/** Field paths (`[]` stands for any index) of lists that are sets, per Istio kind. */
const SET_LISTS: Record<string, readonly string[]> = {
  [KIND.serviceEntry]: [
    'spec.hosts',
    'spec.addresses',
    'spec.exportTo',
    'spec.ports',
    'spec.endpoints',
    'spec.subjectAltNames',
  ],
  [KIND.virtualService]: [
    'spec.hosts',
    'spec.gateways',
    'spec.exportTo',
    ...['http', 'tls', 'tcp'].flatMap((leg) => [
      `spec.${leg}[].match`,
      `spec.${leg}[].route`,
      `spec.${leg}[].match[].gateways`,
      `spec.${leg}[].match[].sniHosts`,
      `spec.${leg}[].match[].destinationSubnets`,
    ]),
  ],
  [KIND.destinationRule]: [
    'spec.exportTo',
    'spec.subsets',
    'spec.trafficPolicy.portLevelSettings',
    'spec.subsets[].trafficPolicy.portLevelSettings',
    'spec.trafficPolicy.tls.subjectAltNames',
    'spec.trafficPolicy.portLevelSettings[].tls.subjectAltNames',
    'spec.subsets[].trafficPolicy.tls.subjectAltNames',
    'spec.subsets[].trafficPolicy.portLevelSettings[].tls.subjectAltNames',
  ],
  [KIND.gateway]: ['spec.servers[].hosts'],
  [KIND.sidecar]: ['spec.egress[].hosts'],
  [KIND.authorizationPolicy]: [
    'spec.rules',
    'spec.rules[].from',
    'spec.rules[].to',
    'spec.rules[].when',
    ...withNegations(AUTHZ_SOURCE_LISTS).map((f) => `spec.rules[].from[].source.${f}`),
    ...withNegations(AUTHZ_OPERATION_LISTS).map((f) => `spec.rules[].to[].operation.${f}`),
    'spec.rules[].when[].values',
    'spec.rules[].when[].notValues',
  ],
};

const ISTIO_GROUPS = new Set([NETWORKING_GROUP, SECURITY_GROUP]);

/** The set-list patterns of a kind, and every path leading to one (where the walk must look). */
interface SetPaths {
  lists: Set<string>;
  leads: Set<string>;
}

const SETS = new Map<string, SetPaths>(
  Object.entries(SET_LISTS).map(([kind, lists]) => {
    const leads = new Set<string>(['']);
    for (const list of lists)
      for (const m of list.matchAll(/[.[]/g)) leads.add(list.slice(0, m.index));
    for (const list of lists) leads.add(list);
    return [kind, { lists: new Set(lists), leads }];
  }),
);

function setsOf(r: Pick<Resource, 'group' | 'kind'>): SetPaths | undefined {
  return ISTIO_GROUPS.has(r.group) ? SETS.get(r.kind) : undefined;
}

/**
 * Whether the list at `pattern` (a path with `[]` for indexes, e.g. `spec.http[].match`) is a set for
 * this resource. Only Istio's own kinds have set lists.
 */
export function isSetList(r: Pick<Resource, 'group' | 'kind'>, pattern: string): boolean {
  return setsOf(r)?.lists.has(pattern) ?? false;
}

function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const k of Object.keys(value)) out[k] = copy(value[k]);
    return out;
  }
  return value;
}

export function childPattern(pattern: string, seg: string | number): string {
  if (typeof seg === 'number') return `${pattern}[]`;
  return pattern ? `${pattern}.${seg}` : seg;
}

/** JSON with sorted keys: equal for equal values whatever their key order. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A deep copy of a value found at `pattern` in the resource, its set lists sorted (or, with
 * `sortSets: false`, left in the order written, for pointing at an item in the source).
 */
export function canonicalValue(
  r: Pick<Resource, 'group' | 'kind'>,
  value: unknown,
  pattern: string,
  sortSets = true,
): unknown {
  const sets = sortSets ? setsOf(r) : undefined;
  // Below any set list there is nothing to sort: a plain copy, without tracking paths.
  if (!sets?.leads.has(pattern)) return copy(value);
  if (Array.isArray(value)) {
    const items = value.map((v) => canonicalValue(r, v, `${pattern}[]`, sortSets));
    if (!sets.lists.has(pattern)) return items;
    const keyed = items.map((v) => [stableStringify(v), v] as const);
    keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return keyed.map(([, v]) => v);
  }
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value))
      out[k] = canonicalValue(r, v, childPattern(pattern, k), sortSets);
    return out;
  }
  return value;
}

/** A deep copy of the resource's body in canonical form (key order is left to the writer). */
export function canonicalBody(r: Resource, options: { sortSets?: boolean } = {}): JsonObject {
  return withoutServerFields(
    r,
    canonicalValue(r, r.body, '', options.sortSets ?? true) as JsonObject,
  );
}

/** Drops what the API server fills in and states the namespace (see the module comment). */
function withoutServerFields(r: Resource, body: JsonObject): JsonObject {
  delete body.status;
  const metadata: JsonObject = isObject(body.metadata) ? body.metadata : {};
  for (const f of SERVER_FIELDS) delete metadata[f];
  if (isObject(metadata.annotations)) {
    for (const a of SERVER_ANNOTATIONS) delete metadata.annotations[a];
    if (Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
  }
  metadata.namespace = r.namespace;
  body.metadata = metadata;
  return body;
}

/** The canonical YAML of a resource: what a diff shows. */
export function canonicalYaml(r: Resource): string {
  return toYaml(canonicalBody(r), { sortKeys: true });
}

/**
 * A digest of the canonical YAML, computed once per resource object when told to `remember` it
 * (resources are read-only): the app diffs many pull requests against one cached base analysis. Equal digests, equal canonical YAML,
 * and the other way round (test/diff/canonical.test.ts holds the two equal). The YAML itself is
 * written only for the resources that changed: kept for all, it was as large as both rendered outputs.
 *
 * It hashes the canonical form's JSON (`canonicalJson`) rather than its YAML: JSON.stringify is one
 * native call, while the YAML writer's lines were a quarter of a diff's time and most of its garbage,
 * for 200,000 resources a side at 10,000 gateways. A resource with a value the two tell apart
 * differently is hashed by its YAML, under another prefix.
 */
const canonicalDigests = new WeakMap<Resource, string>();

export function canonicalDigest(r: Resource, remember = true): string {
  let digest = canonicalDigests.get(r);
  if (digest === undefined) {
    const json = canonicalJson(r);
    const text = json !== undefined ? `json ${json}` : `yaml ${canonicalYaml(r)}`;
    digest = createHash('sha256').update(text).digest('base64');
    if (remember) canonicalDigests.set(r, digest);
  }
  return digest;
}

/** Met by `canonicalJson` where JSON and the YAML writer would tell values apart differently. */
class NotAsYamlWrites extends Error {}

/**
 * The canonical form as JSON text, equal for two resources exactly when their canonical YAML is, or
 * undefined for the rare resource where JSON cannot promise that. JSON keeps insertion order, so keys
 * are inserted sorted (V8 puts integer-like keys first: still one order per set of keys) and set lists
 * sorted by their items' JSON. The YAML writer writes a number as
 * `String(n)` (as JSON does, -0 as 0), `undefined` in a list as null (as JSON does), skips undefined
 * values in a map (as JSON does) and writes NaN and the infinities as quoted text, which JSON writes
 * as null: those, the text `-Infinity` (the YAML of -Infinity) and any other kind of value are left to
 * the YAML.
 */
export function canonicalJson(r: Resource): string | undefined {
  try {
    const body = withoutServerFields(r, jsonValue(setsOf(r), r.body, '') as JsonObject);
    // Deleting keys keeps the others' order; `namespace` and `metadata` may have been added last.
    body.metadata = sortedKeys(body.metadata as JsonObject);
    return JSON.stringify(sortedKeys(body));
  } catch (e) {
    if (e instanceof NotAsYamlWrites) return undefined;
    throw e;
  }
}

function sortedKeys(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

/** canonicalValue for `canonicalJson`: keys inserted sorted, set lists sorted by their items' JSON. */
function jsonValue(sets: SetPaths | undefined, value: unknown, pattern: string): unknown {
  if (!sets?.leads.has(pattern)) return jsonCopy(value);
  if (Array.isArray(value)) {
    const item = `${pattern}[]`;
    const items = value.map((v) => jsonValue(sets, v, item) ?? null);
    if (!sets.lists.has(pattern)) return items;
    const keyed = items.map((v) => [JSON.stringify(v), v] as const);
    keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return keyed.map(([, v]) => v);
  }
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const k of Object.keys(value).sort())
      if (value[k] !== undefined) out[k] = jsonValue(sets, value[k], childPattern(pattern, k));
    return out;
  }
  return jsonScalar(value);
}

function jsonCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => jsonCopy(v) ?? null);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const k of Object.keys(value).sort())
      if (value[k] !== undefined) out[k] = jsonCopy(value[k]);
    return out;
  }
  return jsonScalar(value);
}

function jsonScalar(value: unknown): unknown {
  switch (typeof value) {
    case 'boolean':
    case 'undefined':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      break;
    case 'string':
      if (value !== YAML_OF_MINUS_INFINITY) return value;
      break;
    case 'object':
      if (value === null) return value;
  }
  throw new NotAsYamlWrites();
}

/** The YAML writer writes -Infinity as this text, quoted, exactly as it writes the text itself. */
const YAML_OF_MINUS_INFINITY = '-Infinity';
