/**
 * Resource-level diff of two analysed revisions (base and head of a pull request).
 *
 * Compared: the Istio resources rendered from ASMEgressTrafficPolicy objects; the hand-written Istio
 * resources (any `*.istio.io` group, and the mesh ConfigMap `istio` in the root namespace); and the
 * ASM objects themselves (policies and IstioGateways). Those last ones are in because a change to
 * an IstioGateway (a port, its pod labels) renders nothing new yet changes what works, and a
 * "no changes" answer there would mislead; their canonical diff is also free of formatting noise.
 *
 * Identity is group/kind/namespace/name, as in the cluster: an apiVersion bump, or a hand-written
 * resource replaced by a rendered one of the same name, is a change, not a removal and an addition.
 */
import type { Analysis } from '../analyze.js';
import { ASM_GROUP, isKind, KIND } from '../model/kinds.js';
import type { FieldPath } from '../model/field-path.js';
import {
  identityKey,
  isObject,
  locate,
  type JsonObject,
  type Resource,
} from '../model/resource.js';
import {
  canonicalBody,
  canonicalDigest,
  canonicalValue,
  canonicalYaml,
  childPattern,
  isSetList,
  stableStringify,
} from './canonical.js';
import { DEFAULT_CONTEXT, unifiedPatch } from './patch.js';

export type ChangeType = 'added' | 'removed' | 'changed';
export type Origin = 'rendered' | 'hand-written';

export interface ChangeLocation {
  file: string;
  line: number;
  column: number;
}

export interface ResourceChange {
  change: ChangeType;
  /** Where the resource comes from in the head (in the base, for a removed one). */
  origin: Origin;
  /** Set when a changed resource moved between hand-written and rendered. */
  previousOrigin?: Origin;
  /** The head's apiVersion (the base's, for a removed resource). */
  apiVersion: string;
  /** Set when a changed resource changed its apiVersion. */
  previousApiVersion?: string;
  group: string;
  kind: string;
  namespace: string;
  name: string;
  /** The policy that rendered it (head; base for a removed resource). */
  policy?: { namespace: string; name: string };
  /**
   * Where to look in the head: the first changed field of a hand-written resource, or the policy
   * line that produced the first changed field of a rendered one. Absent for removed resources.
   */
  location?: ChangeLocation;
  /** Where the resource was in the base (removed and changed resources). */
  baseLocation?: ChangeLocation;
  /** Unified diff (hunks only) of the canonical YAML. */
  patch: string;
  additions: number;
  deletions: number;
}

export interface DiffSummary {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
}

export interface RevisionDiff {
  changes: ResourceChange[];
  summary: DiffSummary;
}

export interface DiffOptions {
  /** Lines of context around each change. */
  context?: number;
}

interface Entry {
  resource: Resource;
  origin: Origin;
  /** Digest of the canonical YAML: equal digests, unchanged resource. */
  digest: string;
}

const ISTIO_GROUP = /(^|\.)istio\.io$/;

/** The resources of a revision the diff looks at (see the module comment). */
export function comparedResources(analysis: Analysis): { resource: Resource; origin: Origin }[] {
  const root = analysis.configSet.mesh.rootNamespace;
  const handWritten = analysis.configSet.resources.filter(
    (r) =>
      ISTIO_GROUP.test(r.group) ||
      r.group === ASM_GROUP ||
      (isKind(r, KIND.configMap) && r.name === 'istio' && r.namespace === root),
  );
  return [
    ...handWritten.map((resource) => ({ resource, origin: 'hand-written' as const })),
    ...analysis.render.resources.map((resource) => ({ resource, origin: 'rendered' as const })),
  ];
}

/** Keyed by identity; a second object of the same identity in one revision gets `#2`, and so on. */
function entries(analysis: Analysis, remember: boolean): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const { resource, origin } of comparedResources(analysis)) {
    const id = identityKey(resource);
    let key = id;
    for (let n = 2; out.has(key); n++) key = `${id}#${n}`;
    out.set(key, { resource, origin, digest: canonicalDigest(resource, remember) });
  }
  return out;
}

function where(r: Resource, path: FieldPath = []): ChangeLocation | undefined {
  const at = locate(r, path);
  return at && at.file ? { file: at.file, line: at.line, column: at.column } : undefined;
}

/**
 * The path of the first field that differs, in the head's own order (bodies with set lists as
 * written), for pointing at it in the head. In a set list the first head item with no equal in the
 * base is the change; it is compared with the first base item that has no equal in the head.
 */
export function firstDifference(
  r: Pick<Resource, 'group' | 'kind'>,
  base: unknown,
  head: unknown,
  pattern = '',
): FieldPath {
  const key = (v: unknown, at: string): string => stableStringify(canonicalValue(r, v, at));
  if (Array.isArray(base) && Array.isArray(head)) {
    const item = `${pattern}[]`;
    let pair: [number | undefined, number | undefined];
    if (isSetList(r, pattern)) {
      const baseKeys = base.map((v) => key(v, item));
      const matched = baseKeys.map(() => false);
      const h = head.findIndex((v) => {
        const k = key(v, item);
        const i = baseKeys.findIndex((bk, j) => !matched[j] && bk === k);
        if (i === -1) return true;
        matched[i] = true;
        return false;
      });
      const b = matched.indexOf(false);
      pair = [b === -1 ? undefined : b, h === -1 ? undefined : h];
    } else {
      const i = [...Array(Math.max(base.length, head.length)).keys()].find(
        (k) => k >= base.length || k >= head.length || key(base[k], item) !== key(head[k], item),
      );
      pair = [
        i !== undefined && i < base.length ? i : undefined,
        i !== undefined && i < head.length ? i : undefined,
      ];
    }
    const [b, h] = pair;
    if (h === undefined) return [];
    return [h, ...(b === undefined ? [] : firstDifference(r, base[b], head[h], item))];
  }
  if (isObject(base) && isObject(head)) {
    const k = Object.keys(head).find(
      (name) =>
        !(name in base) ||
        key(base[name], childPattern(pattern, name)) !==
          key(head[name], childPattern(pattern, name)),
    );
    if (k === undefined) return [];
    return [
      k,
      ...(k in base ? firstDifference(r, base[k], head[k], childPattern(pattern, k)) : []),
    ];
  }
  return [];
}

const KIND_ORDER: readonly string[] = [
  KIND.egressPolicy,
  KIND.istioGateway,
  KIND.serviceEntry,
  KIND.gateway,
  KIND.destinationRule,
  KIND.virtualService,
];

/** ASM objects first (what the user edited), then what they render, then hand-written Istio. */
function section(c: ResourceChange): number {
  if (c.group === ASM_GROUP) return 0;
  return c.origin === 'rendered' ? 1 : 2;
}

function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i === -1 ? KIND_ORDER.length : i;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function compareChanges(a: ResourceChange, b: ResourceChange): number {
  return (
    section(a) - section(b) ||
    kindRank(a.kind) - kindRank(b.kind) ||
    cmp(a.kind, b.kind) ||
    cmp(a.namespace, b.namespace) ||
    cmp(a.name, b.name) ||
    cmp(a.group, b.group)
  );
}

function policyOf(r: Resource): ResourceChange['policy'] {
  const p = r.rendered?.policy;
  return p ? { namespace: p.namespace, name: p.name } : undefined;
}

function describeEntry(
  change: ChangeType,
  e: Entry,
): Omit<ResourceChange, 'patch' | 'additions' | 'deletions'> {
  const r = e.resource;
  const policy = policyOf(r);
  return {
    change,
    origin: e.origin,
    apiVersion: r.apiVersion,
    group: r.group,
    kind: r.kind,
    namespace: r.namespace,
    name: r.name,
    ...(policy ? { policy } : {}),
  };
}

export function diffRevisions(
  base: Analysis,
  head: Analysis,
  options: DiffOptions = {},
): RevisionDiff {
  const context = options.context ?? DEFAULT_CONTEXT;
  // Only the base's digests are remembered: the app compares many heads with one cached base, while a
  // head is compared once, and its digests would stay alive through its access matrix.
  const before = entries(base, true);
  const after = entries(head, false);
  const changes: ResourceChange[] = [];
  let unchanged = 0;

  for (const [key, h] of after) {
    const b = before.get(key);
    if (!b) {
      const location = where(h.resource);
      changes.push({
        ...describeEntry('added', h),
        ...(location ? { location } : {}),
        ...unifiedPatch('', canonicalYaml(h.resource), context),
      });
      continue;
    }
    if (b.digest === h.digest) {
      unchanged++;
      continue;
    }
    const asWritten = (r: Resource): JsonObject => canonicalBody(r, { sortSets: false });
    const location = where(
      h.resource,
      firstDifference(h.resource, asWritten(b.resource), asWritten(h.resource)),
    );
    const baseLocation = where(b.resource);
    changes.push({
      ...describeEntry('changed', h),
      ...(b.origin !== h.origin ? { previousOrigin: b.origin } : {}),
      ...(b.resource.apiVersion !== h.resource.apiVersion
        ? { previousApiVersion: b.resource.apiVersion }
        : {}),
      ...(location ? { location } : {}),
      ...(baseLocation ? { baseLocation } : {}),
      ...unifiedPatch(canonicalYaml(b.resource), canonicalYaml(h.resource), context),
    });
  }
  for (const [key, b] of before) {
    if (after.has(key)) continue;
    const baseLocation = where(b.resource);
    changes.push({
      ...describeEntry('removed', b),
      ...(baseLocation ? { baseLocation } : {}),
      ...unifiedPatch(canonicalYaml(b.resource), '', context),
    });
  }
  changes.sort(compareChanges);
  const count = (t: ChangeType): number => changes.filter((c) => c.change === t).length;
  return {
    changes,
    summary: {
      added: count('added'),
      removed: count('removed'),
      changed: count('changed'),
      unchanged,
    },
  };
}
