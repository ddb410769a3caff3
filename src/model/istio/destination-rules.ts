/**
 * DestinationRules: how Istio merges them, which one a client uses, and the TLS a client sends
 * (DestinationRule or auto mTLS).
 */
import type { FieldPath } from '../field-path.js';
import { KIND } from '../kinds.js';
import { matchesSelector } from '../mesh.js';
import { get, isObject, type JsonObject, type Resource } from '../resource.js';
import { isWild, stringList } from './hosts.js';
import type { IstioIndex } from './index.js';
import { resolveHostOf } from './names.js';
import { PerObjectMemo } from './memo.js';
import { labelsKey, workloadSelectorOf } from './workloads.js';

/** The host a DestinationRule is for, resolved as Istio resolves it (setDestinationRules). */
export function destinationRuleHost(dr: Resource): string {
  return resolveHostOf(dr, String(get(dr.body, ['spec', 'host']) ?? ''));
}

export interface DestinationRuleLookup {
  /**
   * The rules Istio merges into the one the client uses, oldest first: the first top-level
   * trafficPolicy wins, a subset comes from the first rule that defines it (mergeDestinationRule).
   */
  rules: readonly Resource[];
  /** Where the lookup stopped: the client's namespace, the service's, or the root namespace. */
  step: 'client' | 'service' | 'root';
}

export type DestinationRuleLookupFn = (
  host: string,
  clientNamespace: string,
  serviceNamespace: string | undefined,
  workloadLabels?: Readonly<Record<string, string>>,
) => DestinationRuleLookup | undefined;

/** Rules Istio merged into one (ConsolidatedDestRule): the first one's exportTo and selector stand for all. */
interface MergedRules {
  rules: Resource[];
  exportTo: ReadonlySet<string>;
  selector?: Readonly<Record<string, string>>;
  /**
   * The answers that name these rules, one per step, shared: the index remembers an answer per host
   * and client namespace, thousands of them, most alike.
   */
  found?: Partial<Record<DestinationRuleLookup['step'], DestinationRuleLookup>>;
}

/** Merged rules by host, exact hosts and wildcards apart (consolidatedDestRules). */
interface RulePool {
  specific: Map<string, MergedRules[]>;
  wildcard: Map<string, MergedRules[]>;
}

/**
 * Istio's DestinationRule index and lookup (pilot/pkg/model/push_context.go setDestinationRules and
 * destinationRule; destination_rule.go mergeDestinationRule; sidecar.go SidecarScope.DestinationRule),
 * with the default exportTo `*`. Rules are taken selector-first, then in our stable order (standing in
 * for creation time). Per namespace Istio keeps the rules its own clients may use (exportTo empty, `*`,
 * `.` or naming it) and the rules it exports elsewhere; rules for one host merge when their exportTo
 * is the same (or covers an earlier one's) and their workload selectors agree.
 *
 * A lookup takes the most specific host among the client namespace's own rules (for a client in the
 * root namespace: its private rules), else among the service namespace's exported rules, else the root
 * namespace's, keeping only rules exported to the client; the first step with a match decides, even
 * when nothing it found applies. Of what it found, a rule of the client's namespace whose
 * workloadSelector picks the client wins, else the last rule without a selector.
 */
export function destinationRuleLookup(
  destinationRules: readonly Resource[],
  rootNamespace: string,
): DestinationRuleLookupFn {
  const selectorOf = (dr: Resource): Record<string, string> | undefined => {
    const labels = get(dr.body, ['spec', 'workloadSelector', 'matchLabels']);
    return isObject(labels) ? (labels as Record<string, string>) : undefined;
  };
  const sameLabels = (
    a: Readonly<Record<string, string>>,
    b: Readonly<Record<string, string>>,
  ): boolean => labelsKey(a) === labelsKey(b);
  const newPool = (): RulePool => ({ specific: new Map(), wildcard: new Map() });
  const merge = (pool: RulePool, dr: Resource, exportTo: ReadonlySet<string>): void => {
    const host = destinationRuleHost(dr);
    const byHost = isWild(host) ? pool.wildcard : pool.specific;
    const selector = selectorOf(dr);
    const entry: MergedRules = { rules: [dr], exportTo, ...(selector ? { selector } : {}) };
    const list = byHost.get(host);
    if (!list) {
      byHost.set(host, [entry]);
      return;
    }
    let separate = true;
    for (const merged of list) {
      if (sameSet(exportTo, merged.exportTo)) separate = false;
      else if (merged.exportTo.size > 0 && [...merged.exportTo].every((e) => exportTo.has(e)))
        separate = true;
      else {
        separate = true;
        continue;
      }
      if (selector && merged.selector && !sameLabels(selector, merged.selector)) {
        separate = true;
        continue;
      }
      if (!selector === !merged.selector) separate = false;
      merged.rules.push(dr);
    }
    if (separate) list.push(entry);
  };

  const ownRules = new Map<string, RulePool>();
  const exportedRules = new Map<string, RulePool>();
  const rootPrivateRules = newPool();
  const poolIn = (pools: Map<string, RulePool>, ns: string): RulePool => {
    let pool = pools.get(ns);
    if (!pool) pools.set(ns, (pool = newPool()));
    return pool;
  };
  const ordered = [...destinationRules].sort(
    (a, b) => Number(!selectorOf(a)) - Number(!selectorOf(b)),
  );
  // One Set per exportTo list: a gateway's rendered rules share their list, so merging them
  // compares the sets by identity instead of element by element.
  const exportSets = new Map<unknown, ReadonlySet<string>>();
  const exportToOf = (dr: Resource): ReadonlySet<string> => {
    const written = get(dr.body, ['spec', 'exportTo']);
    let set = exportSets.get(written);
    if (!set) exportSets.set(written, (set = new Set(stringList(written))));
    return set;
  };
  const privateRule: ReadonlySet<string> = new Set(['.']);
  for (const dr of ordered) {
    // A rule with a workloadSelector is never exported (exportTo `.`).
    const exportTo = selectorOf(dr) ? privateRule : exportToOf(dr);
    if (exportTo.size === 0 || exportTo.has('*') || exportTo.has('.') || exportTo.has(dr.namespace))
      merge(poolIn(ownRules, dr.namespace), dr, exportTo);
    const privateOnly = exportTo.size === 1 && (exportTo.has('.') || exportTo.has(dr.namespace));
    if (!privateOnly) merge(poolIn(exportedRules, dr.namespace), dr, exportTo);
    else if (dr.namespace === rootNamespace) merge(rootPrivateRules, dr, exportTo);
  }

  return (host, clientNamespace, serviceNamespace, workloadLabels) => {
    const use = (
      found: readonly MergedRules[],
      step: DestinationRuleLookup['step'],
    ): DestinationRuleLookup | undefined => {
      let catchAll: MergedRules | undefined;
      for (const merged of found) {
        if (!merged.selector) catchAll = merged;
        else if (
          workloadLabels &&
          merged.rules[0]!.namespace === clientNamespace &&
          matchesSelector(merged.selector, workloadLabels)
        )
          return answer(merged, step);
      }
      return catchAll ? answer(catchAll, step) : undefined;
    };
    const exportedFrom = (ns: string): MergedRules[] =>
      (mostSpecificHostMatch(host, exportedRules.get(ns)) ?? []).filter(
        (m) => m.exportTo.size === 0 || m.exportTo.has('*') || m.exportTo.has(clientNamespace),
      );
    const own = mostSpecificHostMatch(
      host,
      clientNamespace === rootNamespace ? rootPrivateRules : ownRules.get(clientNamespace),
    );
    if (own) return use(own, clientNamespace === rootNamespace ? 'root' : 'client');
    const service = serviceNamespace !== undefined ? exportedFrom(serviceNamespace) : [];
    if (service.length > 0) return use(service, 'service');
    const root = exportedFrom(rootNamespace);
    return root.length > 0 ? use(root, 'root') : undefined;
  };
}

/** Istio's MostSpecificHostMatch: the pool's entry for the exact host, else for the longest wildcard covering it. */
function answer(merged: MergedRules, step: DestinationRuleLookup['step']): DestinationRuleLookup {
  return ((merged.found ??= {})[step] ??= { rules: merged.rules, step });
}

function mostSpecificHostMatch(
  host: string,
  pool: RulePool | undefined,
): MergedRules[] | undefined {
  if (!pool) return undefined;
  const exact = (isWild(host) ? pool.wildcard : pool.specific).get(host);
  if (exact) return exact;
  const needle = isWild(host) ? host.slice(1) : host;
  let best: string | undefined;
  for (const h of pool.wildcard.keys()) {
    if (needle.endsWith(h.slice(1)) && (best === undefined || h.length > best.length)) best = h;
  }
  return best === undefined ? undefined : pool.wildcard.get(best);
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a === b || (a.size === b.size && [...a].every((x) => b.has(x)));
}

export interface ClientTls {
  /** DISABLE, SIMPLE, MUTUAL or ISTIO_MUTUAL. */
  mode: string;
  sni?: string;
  /** The Secret with the client certificate, for MUTUAL/SIMPLE origination. */
  credentialName?: string;
  /** Where it was set: the DestinationRule and the path of its `tls` object. */
  resource: Resource;
  readonly path: FieldPath;
}

export interface SubsetRef {
  resource: Resource;
  index: number;
  subset: JsonObject;
}

/**
 * What the memos of a merged rules list are keyed by: the rule itself for a list of one. Most lookups
 * find one rule, each client namespace in a list of its own, so they share one answer per rule rather
 * than keep one per list (thousands of lists, many Maps each).
 */
function rulesKey(rules: readonly Resource[]): object {
  return rules.length === 1 ? rules[0]! : rules;
}

const subsetCache = new WeakMap<object, Map<string, SubsetRef>>();

/**
 * The subsets one DestinationRule defines, read once per rule: asked per request, and a gateway's
 * rendered rule defines a subset per destination (a read per request grew with destinations squared).
 */
export function subsetsOfRule(rule: Resource): Map<string, SubsetRef> {
  let subsets = subsetCache.get(rule);
  if (!subsets) subsetCache.set(rule, (subsets = readSubsets([rule])));
  return subsets;
}

/** The subsets the merged DestinationRules define (the first definition of a name wins, as in Istio). */
export function subsetsOf(rules: readonly Resource[]): Map<string, SubsetRef> {
  const key = rulesKey(rules);
  let subsets = subsetCache.get(key);
  if (!subsets) subsetCache.set(key, (subsets = readSubsets(rules)));
  return subsets;
}

function readSubsets(rules: readonly Resource[]): Map<string, SubsetRef> {
  const out = new Map<string, SubsetRef>();
  for (const resource of rules) {
    const subsets = get(resource.body, ['spec', 'subsets']);
    if (!Array.isArray(subsets)) continue;
    subsets.forEach((subset, index) => {
      if (isObject(subset) && typeof subset.name === 'string' && !out.has(subset.name))
        out.set(subset.name, { resource, index, subset });
    });
  }
  return out;
}

/**
 * The TLS settings a client uses toward a host port (and subset), merged the way Istio does
 * (pilot/pkg/networking/util MergeSubsetTrafficPolicy): a port-level setting replaces the level above it
 * wholesale, a subset's policy overrides the rule's. Undefined when nothing sets TLS: auto mTLS decides.
 */
export function clientTlsFor(
  rules: readonly Resource[],
  port: number | undefined,
  subset?: string,
): ClientTls | undefined {
  interface Level {
    tls?: unknown;
    resource: Resource;
    /** The subset whose trafficPolicy it is (-1: the rule's), and the port-level setting (-1: none). */
    subsetIndex: number;
    portIndex: number;
  }
  const select = (resource: Resource, subsetIndex: number): Level | undefined => {
    const policy = get(resource.body, policyPath(subsetIndex));
    if (!isObject(policy)) return undefined;
    const settings = Array.isArray(policy.portLevelSettings) ? policy.portLevelSettings : [];
    const i =
      port === undefined ? -1 : settings.findIndex((s) => get(s, ['port', 'number']) === port);
    if (i >= 0) return { tls: get(settings[i], ['tls']), resource, subsetIndex, portIndex: i };
    return { tls: policy.tls, resource, subsetIndex, portIndex: -1 };
  };
  const top = topLevelPolicyRule(rules);
  const base = top ? select(top, -1) : undefined;
  const defined = subset === undefined ? undefined : subsetsOf(rules).get(subset);
  const own = defined ? select(defined.resource, defined.index) : undefined;
  const chosen = own && (own.tls !== undefined || own.portIndex >= 0 || !base) ? own : base;
  if (!chosen || !isObject(chosen.tls)) return undefined;
  const { mode, sni, credentialName } = chosen.tls;
  return new ClientTlsAt(
    // The mode's zero value is DISABLE: a tls block without one turns TLS (and auto mTLS) off.
    typeof mode === 'string' ? mode : 'DISABLE',
    typeof sni === 'string' && sni ? sni : undefined,
    typeof credentialName === 'string' && credentialName ? credentialName : undefined,
    chosen.resource,
    chosen.subsetIndex,
    chosen.portIndex,
  );
}

const RULE_POLICY: FieldPath = ['spec', 'trafficPolicy'];

/** The path of the rule's trafficPolicy (subset -1), or of a subset's. */
function policyPath(subsetIndex: number): FieldPath {
  return subsetIndex < 0 ? RULE_POLICY : ['spec', 'subsets', subsetIndex, 'trafficPolicy'];
}

/**
 * A ClientTls with its path built when a finding or trace asks: one per gateway client and simulated
 * request, their paths seldom read.
 */
class ClientTlsAt implements ClientTls {
  constructor(
    readonly mode: string,
    readonly sni: string | undefined,
    readonly credentialName: string | undefined,
    readonly resource: Resource,
    private readonly subsetIndex: number,
    private readonly portIndex: number,
  ) {}

  get path(): FieldPath {
    const policy = policyPath(this.subsetIndex);
    return this.portIndex < 0
      ? policy.concat('tls')
      : policy.concat('portLevelSettings', this.portIndex, 'tls');
  }
}

/** The first of the merged rules with a top-level trafficPolicy: Istio keeps that one's (the oldest). */
const topLevelPolicies = new WeakMap<object, Resource | null>();

function topLevelPolicyRule(rules: readonly Resource[]): Resource | undefined {
  const key = rulesKey(rules);
  let top = topLevelPolicies.get(key);
  if (top === undefined)
    topLevelPolicies.set(
      key,
      (top = rules.find((r) => isObject(get(r.body, ['spec', 'trafficPolicy']))) ?? null),
    );
  return top ?? undefined;
}

/** The SNI Istio sends with ISTIO_MUTUAL when no `sni` is set (model.BuildDNSSrvSubsetKey). */
export function istioMtlsSni(host: string, port: number, subset?: string): string {
  return `outbound_.${port}_.${subset ?? ''}_.${host}`;
}

/**
 * What a client proxy sends toward a host port (and subset): the TLS its DestinationRule sets, else
 * auto mTLS (pilot/pkg/networking/core/cluster_tls.go buildUpstreamTLSSettings).
 */
export interface OutboundTls {
  /** The DestinationRules the client merges for the host, if it finds any. */
  lookup?: DestinationRuleLookup;
  /** False when a subset is asked for and those rules do not define it: the route fails before any TLS. */
  subsetResolved: boolean;
  /** The TLS a DestinationRule sets, when one does. */
  setting?: ClientTls;
  /**
   * DISABLE, SIMPLE, MUTUAL or ISTIO_MUTUAL; `unknown` when no rule sets TLS and nobody knows whether
   * the server pods carry the tlsMode label that turns auto mTLS on.
   */
  mode: string;
  /** ISTIO_MUTUAL: the `sni` set, else the one Istio derives (istioMtlsSni); SIMPLE/MUTUAL: the `sni` set. */
  sni?: string;
  /** No rule set TLS, so auto mTLS (or its absence) decided. */
  auto: boolean;
  /** The PeerAuthentication whose mode DISABLE turns auto mTLS off for the server's namespace. */
  mtlsDisabledBy?: Resource;
}

export interface OutboundTlsQuery {
  host: string;
  port: number;
  subset?: string;
  clientNamespace: string;
  /** The client's pod labels, when known (for DestinationRules with a workloadSelector). */
  clientLabels?: Readonly<Record<string, string>>;
  /**
   * Whether the server's pods carry `security.istio.io/tlsMode: istio` (auto mTLS then applies unless
   * PeerAuthentication disables it); undefined when unknown; false for hosts outside the mesh.
   */
  serverLabelled: boolean | undefined;
  /** The namespace of the server's pods, whose PeerAuthentication mode counts. */
  serverNamespace?: string;
  /**
   * The merged rules in the order Istio merged them (oldest first), when the caller knows better
   * than the stand-in order (see rulesMergedByAge); the same list when nothing changes.
   */
  inCreationOrder?: (rules: readonly Resource[]) => readonly Resource[];
}

/**
 * Of rules Istio merged for one host, those whose creation order changes the result for `subset`:
 * several with a top-level trafficPolicy (the oldest one's is kept), or several defining the subset
 * (the oldest definition is kept); destination_rule.go mergeDestinationRule.
 */
export function rulesMergedByAge(rules: readonly Resource[], subset?: string): readonly Resource[] {
  // One rule has no rival: most lookups, and nothing to remember for them.
  if (rules.length < 2) return NO_RULES;
  return rulesByAge.get(rules, subset, () => rulesMergedByAgeOf(rules, subset));
}

const NO_RULES: readonly Resource[] = Object.freeze([]);

/** Remembered per rule list (the index's lookups share them) and subset: asked for every request. */
const rulesByAge = new PerObjectMemo<
  readonly Resource[],
  string | undefined,
  readonly Resource[]
>();

function rulesMergedByAgeOf(rules: readonly Resource[], subset?: string): Resource[] {
  const top = rules.filter((r) => isObject(get(r.body, ['spec', 'trafficPolicy'])));
  const defining = subset === undefined ? [] : rules.filter((r) => subsetsOfRule(r).has(subset));
  return rules.filter(
    (r) => (top.length > 1 && top.includes(r)) || (defining.length > 1 && defining.includes(r)),
  );
}

export function outboundTls(index: IstioIndex, q: OutboundTlsQuery): OutboundTls {
  const lookup = index.destinationRulesFor(q.host, q.clientNamespace, q.clientLabels);
  const subsetResolved =
    q.subset === undefined || (lookup !== undefined && subsetsOf(lookup.rules).has(q.subset));
  const rules = lookup && q.inCreationOrder ? q.inCreationOrder(lookup.rules) : lookup?.rules;
  // Read again on each call rather than remembered per rules list, port and subset: a few property
  // reads of the rule (its subsets and top-level policy are remembered), where a memo kept an answer
  // and a key text per gateway port and subset of every rule asked about (26 MB at 10,000 gateways).
  const setting = rules ? clientTlsFor(rules, q.port, q.subset) : undefined;
  // Every field set at once, absent ones undefined: one object shape, its fields in the object itself
  // (fields added later spill into a second array). One per gateway client, thousands of them.
  const out: OutboundTls = {
    lookup,
    subsetResolved,
    setting: undefined,
    mode: '',
    sni: undefined,
    auto: false,
    mtlsDisabledBy: undefined,
  };
  if (setting) {
    const sni =
      setting.sni ??
      (setting.mode === 'ISTIO_MUTUAL' ? istioMtlsSni(q.host, q.port, q.subset) : undefined);
    out.setting = setting;
    out.mode = setting.mode;
    if (sni) out.sni = sni;
    return out;
  }
  out.auto = true;
  const mtls =
    q.serverLabelled !== false && q.serverNamespace !== undefined
      ? peerAuthenticationMode(index, q.serverNamespace)
      : undefined;
  if (mtls?.mode === 'DISABLE') {
    out.mode = 'DISABLE';
    out.mtlsDisabledBy = mtls.resource;
  } else if (q.serverLabelled === undefined) {
    out.mode = 'unknown';
    out.sni = istioMtlsSni(q.host, q.port, q.subset);
  } else if (q.serverLabelled) {
    out.mode = 'ISTIO_MUTUAL';
    out.sni = istioMtlsSni(q.host, q.port, q.subset);
  } else out.mode = 'DISABLE';
  return out;
}

/**
 * The mTLS mode PeerAuthentication sets for a namespace: a namespace-wide one (no selector), else the
 * mesh-wide one in the root namespace; what Istio reads to decide auto mTLS for a service
 * (PushContext.BestEffortInferServiceMTLSMode, GetNamespaceMutualTLSMode). UNSET inherits.
 */
export function peerAuthenticationMode(
  index: IstioIndex,
  namespace: string,
): { mode: string; resource: Resource } | undefined {
  const wide = (ns: string): { mode: string; resource: Resource } | undefined => {
    for (const pa of index.ofKind(KIND.peerAuthentication)) {
      if (pa.namespace !== ns || workloadSelectorOf(pa) !== undefined) continue;
      const mode = get(pa.body, ['spec', 'mtls', 'mode']);
      if (typeof mode === 'string' && mode !== 'UNSET') return { mode, resource: pa };
    }
    return undefined;
  };
  return wide(namespace) ?? wide(index.rootNamespace);
}
