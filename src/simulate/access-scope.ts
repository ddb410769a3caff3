/**
 * Which cells of the access matrix a change can touch, so that comparing two revisions simulates only
 * those (the app compares every pull request with one shared base, and most change a few hosts).
 *
 * A cell is the simulation of one request: its source and destination, over one revision. The
 * simulation reads the revision through lookups keyed by host (ServiceEntries, VirtualServices and
 * DestinationRules for a host, the Gateway server for a host) and through facts of the whole revision
 * (namespaces, gateway workloads, Sidecars, mesh settings, authorization...). So:
 *
 * - resources are paired by identity across the revisions and compared as written; the pairs that
 *   differ are the change;
 * - a change of anything but a host-keyed resource, or a difference in a revision-wide fact, and the
 *   answer is `all`: every cell is simulated, as without this module;
 * - otherwise the hosts the changed resources are looked up by are affected, and so, transitively,
 *   is every host whose resources name an affected one (a route to it, an alias of it): a request
 *   for such a host reads the changed resources on its way;
 * - a destination is in scope when its host can stand for an affected host (equal, wildcard, or a
 *   leading part of it: a short name, `name.namespace`). Every other cell reads nothing that differs, so its verdict is the same in both.
 *
 * When in doubt the answer is `all`: a wrong scope would be a wrong answer, a wide one only slower.
 * test/simulate/access-scope.test.ts holds the result equal to the full comparison.
 */
import equal from 'fast-deep-equal';
import { istioIndexOf, type Analysis } from '../analyze.js';
import {
  ASM_GROUP,
  GATEWAY_API_GROUP,
  KIND,
  NETWORKING_GROUP,
  SECURITY_GROUP,
} from '../model/kinds.js';
import { hostMatches, resolveHostName, serviceHostName, stringList } from '../model/istio.js';
import { get, identityKey, isObject, type Resource } from '../model/resource.js';
import { simulationContext } from './context.js';

/** `all`, or the hosts whose cells may differ (a destination is in scope when `covers` its host). */
export type AccessScope = 'all' | { covers(host: string): boolean };

/** Looked up by host in the simulation; their other content only matters to requests for those hosts. */
const HOST_KEYED = new Set<string>([KIND.serviceEntry, KIND.virtualService, KIND.destinationRule]);
const isHostKeyed = (r: Resource): boolean =>
  HOST_KEYED.has(r.kind) && r.group === NETWORKING_GROUP;
/** A Kubernetes Service is looked up by its host; an ExternalName one names the host it stands for. */
const isService = (r: Resource): boolean => r.kind === KIND.service && r.group === '';
/** What can name a host that requests for its own hosts then go on to. */
const namesHosts = (r: Resource): boolean => isHostKeyed(r) || isService(r);

/**
 * Read only for requests whose host they name (a Gateway server, an AuthorizationPolicy's `hosts`), or
 * only through what they render (a policy): naming an affected host brings nothing new into scope.
 */
const readForOwnHosts = (r: Resource): boolean =>
  (r.kind === KIND.gateway && r.group === NETWORKING_GROUP) ||
  (r.kind === KIND.authorizationPolicy && r.group === SECURITY_GROUP) ||
  (r.kind === KIND.egressPolicy && r.group === ASM_GROUP);

/**
 * The words (host-like runs of text) of every resource that neither names hosts the way routing does
 * nor is read only for its own: its whole body, a config blob such as the mesh config's included.
 */
const otherWordsCache = new WeakMap<Analysis, { exact: Set<string>; wild: string[] }>();

function otherWords(analysis: Analysis): { exact: Set<string>; wild: string[] } {
  let words = otherWordsCache.get(analysis);
  if (!words) {
    const others = [...entriesOf(analysis).values()]
      .map((e) => e.resource)
      .filter((r) => !namesHosts(r) && !readForOwnHosts(r));
    const text = JSON.stringify(others.map((r) => r.body)).toLowerCase();
    const exact = new Set(text.split(/[^a-z0-9.*_-]+/));
    // A bare `*` (a Sidecar importing every namespace) names no host a request could be sent to.
    const wild = [...exact].filter((w) => w.includes('*') && w !== '*');
    otherWordsCache.set(analysis, (words = { exact, wild }));
  }
  return words;
}

const usesGatewayApi = (a: Analysis): boolean =>
  a.configSet.resources.some((r) => r.group === GATEWAY_API_GROUP);

export function accessScope(base: Analysis, head: Analysis): AccessScope {
  // Istio derives routes and Gateways from Gateway API objects and the ServiceEntries they name; those
  // derived resources are not among the ones compared here.
  if ([base, head].some(usesGatewayApi)) return 'all';
  if (revisionFacts(base) !== revisionFacts(head)) return 'all';
  const changed = changedPairs(base, head);
  if (changed === 'all') return 'all';
  const domain = head.configSet.mesh.clusterDomain;
  const affected = new Set<string>();
  for (const [before, after] of changed) {
    const keys = changedKeys(before, after, domain);
    if (keys === 'all') return 'all';
    for (const k of keys) affected.add(k);
  }
  // Changes reach further along what names them: a route to a changed host, and so on. The base's
  // resources name what the head's unchanged ones do; the head's changed ones are added.
  const index = mentionIndex(base);
  const changedNamers = changed.flatMap(([, r]) =>
    r && namesHosts(r) ? [mentionsOf(r, domain)] : [],
  );
  const pending = [...affected];
  while (pending.length > 0) {
    const key = pending.pop()!;
    const namers = [
      ...(index.exact.get(key) ?? []),
      ...index.wild.filter(([name]) => hostMatches(name, key)).map(([, m]) => m),
      ...changedNamers.filter((m) => m.names.some((n) => refersTo(n, key))),
    ];
    for (const m of namers) {
      for (const k of m.keys) {
        if (affected.has(k)) continue;
        if (k.includes('*')) return 'all';
        affected.add(k);
        pending.push(k);
      }
    }
  }
  // Anything else that names an affected host (a Sidecar's egressProxy, the mesh config, a kind not
  // modelled here) may send any request there: then every cell. Searched as words, short names too.
  const shortNames = new Set([...affected].map((k) => k.split('.')[0]!));
  const others = otherWords(base);
  if ([...affected, ...shortNames].some((k) => others.exact.has(k))) return 'all';
  if (others.wild.some((w) => [...affected].some((k) => hostMatches(w, k)))) return 'all';
  // Destination hosts are never wildcards (access.ts). A short one resolves in the source's namespace,
  // and `name.namespace` or `name.namespace.svc` to a Service (request-host.ts): a leading part of an
  // affected host may stand for it.
  const leadingParts = new Set([...affected].flatMap(leadingPartsOf));
  return { covers: (host) => affected.has(host) || leadingParts.has(host) };
}

/** `a`, `a.b` and `a.b.c` of `a.b.c.d`. */
function leadingPartsOf(host: string): string[] {
  const labels = host.split('.');
  return labels.slice(1).map((_, i) => labels.slice(0, i + 1).join('.'));
}

/** Whether a name as written (short, `namespace/host`, a wildcard) can stand for `host`. */
function refersTo(name: string, host: string): boolean {
  return namesOf(name, '', '').some(
    (n) => hostMatches(n, host) || hostMatches(host, n) || host.startsWith(`${n}.`),
  );
}

/**
 * What the whole revision shares beyond single resources, as text: two revisions whose text differs
 * get `all`. Derived from the resources, so it differs only when a change reaches this far (a new
 * namespace, gateway or allocated port).
 */
const factsCache = new WeakMap<Analysis, string>();

function revisionFacts(analysis: Analysis): string {
  let facts = factsCache.get(analysis);
  if (facts === undefined) {
    const cs = analysis.configSet;
    const index = istioIndexOf(analysis);
    const ctx = simulationContext(analysis);
    facts = JSON.stringify({
      defaults: cs.defaults,
      root: cs.mesh.rootNamespace,
      domain: cs.mesh.clusterDomain,
      // The IstioGateway resource itself is compared as a resource (changedPairs), not by where it is.
      gateways: cs.gateways.map((g) => ({ ...g, resource: undefined })),
      policyGateways: cs.policies.map((p) => p.gateway),
      namespaces: index.knownNamespaces(),
      clients: [...index.clientNamespaces()].sort(),
      workloads: index.gatewayWorkloads().map((w) => ({
        ...w,
        declaration: undefined,
        gateways: w.gateways.map((g) => identityKey(g)),
      })),
      allocated: [...ctx.allocatedPorts].map(([g, ports]) => [g, [...ports].sort()]).sort(),
      gatewayApi: index.gatewayApiUnmodelled().length,
    });
    factsCache.set(analysis, facts);
  }
  return facts;
}

type Pair = [before: Resource | undefined, after: Resource | undefined];

interface Entry {
  resource: Resource;
  /** Istio refuses it (it fails validation, or is a rendered resource Istio would reject). */
  refused: boolean;
}

/** Every resource, loaded or rendered, by identity (a second copy gets `#2`). */
const entriesCache = new WeakMap<Analysis, Map<string, Entry>>();

function entriesOf(analysis: Analysis): Map<string, Entry> {
  let out = entriesCache.get(analysis);
  if (out) return out;
  out = new Map();
  const { configSet: cs, render } = analysis;
  const rejected = new Set(render.rejected);
  const all = [
    ...cs.resources.map((r) => ['written', r, cs.invalid.has(r)] as const),
    ...render.resources.map((r) => ['rendered', r, rejected.has(r)] as const),
  ];
  for (const [origin, resource, refused] of all) {
    const id = `${origin} ${identityKey(resource)}`;
    let key = id;
    for (let n = 2; out.has(key); n++) key = `${id}#${n}`;
    out.set(key, { resource, refused });
  }
  entriesCache.set(analysis, out);
  return out;
}

/**
 * The same resource as far as anything can read: its whole body as written (creation timestamps and
 * all; the order of mapping keys aside, which no Kubernetes reader gives meaning), where it lands,
 * and whether Istio takes it. Compared in place: no copy, no text (the head's resources are new
 * objects on every pull request).
 */
function sameEntry(a: Entry, b: Entry): boolean {
  const [x, y] = [a.resource, b.resource];
  return (
    x === y ||
    (a.refused === b.refused &&
      x.namespace === y.namespace &&
      x.namespaceDefaulted === y.namespaceDefaulted &&
      equal(x.body, y.body))
  );
}

/** The resources that differ, or `all` when the ones in both revisions are not in the same order. */
function changedPairs(base: Analysis, head: Analysis): Pair[] | 'all' {
  const before = entriesOf(base);
  const after = entriesOf(head);
  const out: Pair[] = [];
  const common: string[] = [];
  for (const [key, b] of before) {
    const h = after.get(key);
    if (!h) out.push([b.resource, undefined]);
    else {
      common.push(key);
      if (!sameEntry(b, h)) out.push([b.resource, h.resource]);
    }
  }
  let i = 0;
  for (const [key, h] of after) {
    if (!before.has(key)) out.push([undefined, h.resource]);
    else if (common[i++] !== key) return 'all';
  }
  return out;
}

/**
 * The hosts by which the simulation looks up a changed resource, or `all`. A policy object is read
 * only through what it renders (changed resources of their own) and the revision's facts.
 */
function changedKeys(
  before: Resource | undefined,
  after: Resource | undefined,
  domain: string,
): string[] | 'all' {
  const r = (after ?? before)!;
  if (r.kind === KIND.egressPolicy && r.group === ASM_GROUP) return [];
  if (r.kind === KIND.gateway && r.group === NETWORKING_GROUP) return gatewayKeys(before, after);
  if (!isHostKeyed(r)) return 'all';
  // A DestinationRule changed only in a subset counts for its whole host: a route reaches a subset
  // through the host it names (an ExternalName alias of it, a Sidecar's egressProxy) as well.
  const keys = [before, after].flatMap((x) => (x ? lookupKeys(x, domain) : []));
  return keys.some((k) => k.includes('*')) ? 'all' : keys;
}

/** The hosts a host-keyed resource is found by, as written and resolved in its namespace. */
function lookupKeys(r: Resource, domain: string): string[] {
  if (isService(r)) return [serviceHostName(r.name, r.namespace, domain)];
  const written =
    r.kind === KIND.destinationRule
      ? stringList([get(r.body, ['spec', 'host'])])
      : stringList(get(r.body, ['spec', 'hosts']));
  return [...new Set(written.flatMap((h) => namesOf(h, r.namespace, domain)))];
}

/** A name as written, lower-cased, without a `namespace/` part, and resolved in `namespace`. */
function namesOf(name: string, namespace: string, domain: string): string[] {
  const lower = name.toLowerCase();
  const host = lower.slice(lower.indexOf('/') + 1);
  const out = new Set([lower, host]);
  if (namespace) out.add(resolveHostName(host, namespace, domain));
  return [...out];
}

/**
 * A Gateway whose servers changed only in their hosts (same selector, ports, TLS, and still hosts on
 * every server) changes what those hosts find; anything else changes listeners, so `all`.
 */
function gatewayKeys(before: Resource | undefined, after: Resource | undefined): string[] | 'all' {
  if (!before || !after) return 'all';
  const servers = (r: Resource): unknown[] => {
    const list = get(r.body, ['spec', 'servers']);
    return Array.isArray(list) ? list : [];
  };
  const without = (r: Resource): string =>
    JSON.stringify([
      r.namespace,
      { ...r.body, spec: { ...(get(r.body, ['spec']) as object), servers: undefined } },
      servers(r).map((s) => (isObject(s) ? { ...s, hosts: undefined } : s)),
    ]);
  if (without(before) !== without(after)) return 'all';
  const hosts = (s: unknown): string[] => stringList(get(s, ['hosts']));
  const a = servers(before);
  const b = servers(after);
  const keys: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const was = hosts(a[i]);
    const now = hosts(b[i]);
    if (was.length === 0 || now.length === 0) return 'all';
    if (JSON.stringify(was) === JSON.stringify(now)) continue;
    // `namespace/host`: the host part is what a request is matched by.
    for (const h of [...was, ...now]) keys.push(h.slice(h.indexOf('/') + 1).toLowerCase());
  }
  return keys.some((k) => k.includes('*')) ? 'all' : keys;
}

/**
 * A host-keyed resource as the scope reads it: the hosts it is looked up by, and the names in it. A
 * DestinationRule's subsets are not told apart: a route reaches one through any name of its host.
 */
interface Mentions {
  /** The hosts it is looked up by. */
  keys: readonly string[];
  /** Every text in it but `exportTo` (namespaces): route destinations, SNI, aliases. */
  names: readonly string[];
}

const mentionsCache = new WeakMap<Resource, Mentions>();

function mentionsOf(r: Resource, domain: string): Mentions {
  let out = mentionsCache.get(r);
  if (out) return out;
  const names = new Set<string>();
  const walk = (x: unknown, key: string): void => {
    if (key === 'exportTo') return;
    if (typeof x === 'string') for (const n of namesOf(x, r.namespace, domain)) names.add(n);
    else if (Array.isArray(x)) x.forEach((y) => walk(y, key));
    else if (isObject(x)) for (const [k, y] of Object.entries(x)) walk(y, k);
  };
  walk(get(r.body, ['spec']), 'spec');
  out = { keys: lookupKeys(r, domain), names: [...names] };
  mentionsCache.set(r, out);
  return out;
}

interface MentionIndex {
  /** Host-keyed resources (and Services) by each name they mention. */
  exact: Map<string, Mentions[]>;
  /** Wildcard names, matched against each key. */
  wild: [string, Mentions][];
}

/** The host-keyed resources of a revision by what they name (kept per analysis: the base is shared). */
const mentionIndexCache = new WeakMap<Analysis, MentionIndex>();

function mentionIndex(analysis: Analysis): MentionIndex {
  let out = mentionIndexCache.get(analysis);
  if (!out) {
    out = { exact: new Map(), wild: [] };
    const domain = analysis.configSet.mesh.clusterDomain;
    for (const { resource: r } of entriesOf(analysis).values()) {
      if (!namesHosts(r)) continue;
      const m = mentionsOf(r, domain);
      for (const name of m.names) {
        if (name.includes('*')) out.wild.push([name, m]);
        const list = out.exact.get(name);
        if (list) list.push(m);
        else out.exact.set(name, [m]);
      }
    }
    mentionIndexCache.set(analysis, out);
  }
  return out;
}
