/**
 * Who can reach what: the verdict for every source named in the config set and every destination it
 * registers, and the cells that change between two revisions (the "Access changes" of a pull request).
 *
 * Sources: each `from` entry of a policy (namespace + selector); the other workloads of each such
 * namespace; every namespace hand-written client-side resources name (VirtualService sourceNamespace
 * and sourceLabels, AuthorizationPolicy source namespaces, namespaces holding VirtualServices,
 * DestinationRules, ServiceEntries or Sidecars); and a workload in a namespace nobody lists.
 * Destinations: every host x port of every ServiceEntry (rendered or hand-written) and policy
 * destination, with the scheme its protocol implies (HTTP-class -> http, HTTPS/TLS -> https, else tcp).
 */
import type { AccessChanges } from '../report/diff-report.js';
import { istioIndexOf, type Analysis } from '../analyze.js';
import { KIND } from '../model/kinds.js';
import {
  egressProxyOf,
  exportedTo,
  interceptsAll,
  routesOf,
  serviceEntryHostProblem,
  servicePortProtocol,
  stringList,
} from '../model/istio.js';
import { protocolClass } from '../model/protocol.js';
import { get, type Resource } from '../model/resource.js';
import { isRendered } from '../render/render.js';
import { accessScope } from './access-scope.js';
import { simulationContext } from './context.js';
import { explainRequest } from './explain.js';
import { parseRequestUrl } from './request.js';
import { seesHost, unregisteredVerdict } from './sidecar.js';
import { hundredths, shareListText } from './splits.js';
import {
  describeSource,
  type AppScheme,
  type Explanation,
  type GatewayUse,
  type Share,
  type SourceWorkload,
  type Verdict,
} from './types.js';

export interface AccessSource {
  /**
   * How people read it, and the key across revisions: `mytest/app=sleep-a`, or `mytest/*` for a
   * workload of the namespace that carries none of the labels any selector names.
   */
  label: string;
  workload: SourceWorkload;
}

export interface AccessDestination {
  /** `https://httpbin.org:443`: scheme, host and port, always with the port. */
  url: string;
  scheme: AppScheme;
  host: string;
  port: number;
}

export interface AccessCell {
  source: string;
  destination: string;
  verdict: Verdict;
  /** `namespace/name` of the egress gateway, for allowed-via-gateway. */
  gateway?: string;
  /** Where a traffic split's shares are answered differently: each share (sharesText). */
  shares?: string;
}

export interface AccessUniverse {
  sources: AccessSource[];
  destinations: AccessDestination[];
}

/**
 * The verdict of every source for every destination. Stored sparsely: `cells` holds the pairs where
 * the source's sidecar sees the destination host at all (a ServiceEntry or VirtualService for it);
 * for every other pair its outbound policy alone decides (`unseen`, by source). `verdict` answers for
 * any pair, `explain` gives the full explanation of one.
 */
export interface AccessMatrix extends AccessUniverse {
  cells: AccessCell[];
  unseen: Record<string, Verdict>;
  verdict(source: string, destination: string): AccessCell;
  /** `locate: false` leaves out file:line of the deciding resources (enough for the verdict and reason). */
  explain(source: string, destination: string, locate?: boolean): Explanation;
}

export interface AccessChange {
  source: string;
  destination: string;
  before: Verdict;
  after: Verdict;
  beforeGateway?: string;
  afterGateway?: string;
  /** The shares of a traffic split answered differently (AccessCell.shares), before and after. */
  beforeShares?: string;
  afterShares?: string;
  /** Why the head revision gives its verdict. */
  reason: string;
}

/** Stands for any workload in a namespace that no policy or resource names. */
export const UNLISTED_NAMESPACE = 'egress-lint-unlisted';
export const UNLISTED_LABEL = '(unlisted namespace)/*';

const byText =
  <T>(key: (x: T) => string) =>
  (a: T, b: T): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
const cellKey = (source: string, destination: string): string => `${source}\u0000${destination}`;
const gatewayText = (g: GatewayUse): string => `${g.namespace}/${g.name}`;

/**
 * A traffic split's shares as a cell compares them: `90% allowed-via-gateway (istio-system/egressgateway),
 * 10% allowed-direct`. A share that changes its verdict or gateway changes the cell. Shares with the
 * same answer are summed and the answers ordered by weight, then text: which destination is written
 * first, or which route the traffic takes to the same answer, is no access change. Past a few
 * answers the rest are counted (shareListText): the text goes into chart labels.
 */
function sharesText(shares: readonly Share[]): string {
  const byAnswer = new Map<string, number>();
  for (const s of shares) {
    const answer = `${s.verdict}${s.verdict === 'allowed-via-gateway' && s.gateway ? ` (${gatewayText(s.gateway)})` : ''}`;
    byAnswer.set(answer, (byAnswer.get(answer) ?? 0) + s.weight);
  }
  return shareListText(
    [...byAnswer]
      .map(([answer, weight]) => ({ answer, weight: hundredths(weight) }))
      .sort((a, b) => b.weight - a.weight || byText<{ answer: string }>((x) => x.answer)(a, b))
      .map(({ answer, weight }) => `${weight}% ${answer}`),
  );
}

function sourcesOf(analysis: Analysis): AccessSource[] {
  const cs = analysis.configSet;
  const selected = new Map<string, AccessSource>();
  const wholeNamespace = new Set<string>();
  const mentioned = new Set<string>();
  const addSelected = (namespace: string, labels: Record<string, string>): void => {
    const workload = { namespace, labels };
    selected.set(describeSource(workload), { label: describeSource(workload), workload });
  };

  for (const policy of cs.policies) {
    for (const rule of policy.rules) {
      for (const f of rule.from) {
        if (f.workloadSelector) addSelected(f.namespace, { ...f.workloadSelector });
        else wholeNamespace.add(f.namespace);
      }
    }
  }
  const handWritten = (kind: string): readonly Resource[] =>
    cs.ofKind(kind).filter((r) => !isRendered(r));
  const infrastructure = new Set([
    cs.mesh.rootNamespace,
    cs.defaults.gatewayNamespace,
    ...cs.gateways.map((g) => g.namespace),
  ]);
  for (const kind of [KIND.virtualService, KIND.destinationRule, KIND.serviceEntry, KIND.sidecar]) {
    for (const r of handWritten(kind))
      if (!infrastructure.has(r.namespace)) mentioned.add(r.namespace);
  }
  for (const vs of handWritten(KIND.virtualService)) {
    for (const route of routesOf(vs)) {
      for (const { conditions: c } of route.matches) {
        if (c.sourceLabels) addSelected(c.sourceNamespace ?? vs.namespace, { ...c.sourceLabels });
        else if (c.sourceNamespace) mentioned.add(c.sourceNamespace);
      }
    }
  }
  for (const ap of handWritten(KIND.authorizationPolicy)) {
    const rules = get(ap.body, ['spec', 'rules']);
    for (const rule of Array.isArray(rules) ? rules : []) {
      const from = get(rule, ['from']);
      for (const f of Array.isArray(from) ? from : []) {
        for (const ns of stringList(get(f, ['source', 'namespaces'])))
          if (!ns.includes('*')) mentioned.add(ns);
      }
    }
  }

  const out = [...selected.values()];
  for (const namespace of new Set([
    ...out.map((s) => s.workload.namespace),
    ...wholeNamespace,
    ...mentioned,
  ])) {
    const workload = { namespace, labels: {} };
    out.push({ label: describeSource(workload), workload });
  }
  out.push({ label: UNLISTED_LABEL, workload: { namespace: UNLISTED_NAMESPACE, labels: {} } });
  return out;
}

function schemeFor(protocol: string | undefined): AppScheme {
  if (!protocol) return 'http';
  const cls = protocolClass(protocol);
  return cls === 'http' ? 'http' : cls === 'tls' ? 'https' : 'tcp';
}

function destinationsOf(analysis: Analysis): AccessDestination[] {
  const out = new Map<string, AccessDestination>();
  const add = (host: string, port: number, scheme: AppScheme): void => {
    // A wildcard names no host one can request; a host Istio rejects (an IP, a CIDR block,
    // `host:port`, empty) registers nothing, nor does a port no connection can use.
    if (host.includes('*') || serviceEntryHostProblem(host)) return;
    if (!Number.isInteger(port) || port < 1 || port > 65535) return;
    const url = `${scheme}://${host.toLowerCase()}:${port}`;
    out.set(url, { url, scheme, host: host.toLowerCase(), port });
  };
  // Hand-written, then rendered: the index holds both.
  for (const se of istioIndexOf(analysis).ofKind(KIND.serviceEntry)) {
    const ports = get(se.body, ['spec', 'ports']);
    for (const host of stringList(get(se.body, ['spec', 'hosts']))) {
      for (const p of Array.isArray(ports) ? ports : []) {
        const number = get(p, ['number']);
        if (typeof number === 'number') add(host, number, schemeFor(servicePortProtocol(p)));
      }
    }
  }
  // ExternalName Services are egress too: their in-cluster name stands for an external host.
  for (const service of istioIndexOf(analysis).kubernetesServices()) {
    if (service.externalName === undefined) continue;
    for (const p of service.ports) add(service.host, p.number, schemeFor(p.protocol));
  }
  for (const policy of analysis.configSet.policies) {
    for (const d of policy.destinations) {
      for (const host of d.hosts) {
        add(host, d.port.number, schemeFor(d.port.protocol));
        if (d.upgradePort !== undefined) add(host, d.upgradePort, 'https');
      }
    }
  }
  return [...out.values()];
}

/** The sources and destinations of one or more revisions together, so their matrices line up. */
export function accessUniverse(...analyses: Analysis[]): AccessUniverse {
  const sources = new Map<string, AccessSource>();
  const destinations = new Map<string, AccessDestination>();
  for (const a of analyses) {
    for (const s of sourcesOf(a)) if (!sources.has(s.label)) sources.set(s.label, s);
    for (const d of destinationsOf(a)) destinations.set(d.url, d);
  }
  const unlisted = sources.get(UNLISTED_LABEL)!;
  sources.delete(UNLISTED_LABEL);
  return {
    sources: [...[...sources.values()].sort(byText((s) => s.label)), unlisted],
    destinations: [...destinations.values()].sort(
      byText((d) => `${d.host} ${String(d.port).padStart(5, '0')} ${d.scheme}`),
    ),
  };
}

/**
 * Cells already worked out per analysis, by source and destination (null: the source does not see
 * the host), so that the app, comparing many pull requests with one cached base analysis, simulates
 * each base cell once. By source, then destination: a key text per cell was a tenth of a matrix's
 * memory at thousands of gateways.
 */
const cellsByAnalysis = new WeakMap<Analysis, Map<string, Map<string, AccessCell | null>>>();

export function accessMatrix(
  analysis: Analysis,
  universe: AccessUniverse = accessUniverse(analysis),
): AccessMatrix {
  const ctx = simulationContext(analysis);
  const sources = new Map(universe.sources.map((s) => [s.label, s]));
  const destinations = new Map(
    universe.destinations.map((d) => [d.url, { d, request: parseRequestUrl(d.url) }]),
  );
  const explain = (source: string, destination: string, locate = true): Explanation => {
    const s = sources.get(source);
    const d = destinations.get(destination);
    if (!s || !d) throw new Error(`not in this access matrix: ${source} -> ${destination}`);
    return explainRequest(ctx, s.workload, d.request, { locate });
  };
  const toCell = (
    source: string,
    destination: string,
    e: Pick<Explanation, 'verdict' | 'gateway' | 'shares'>,
  ): AccessCell => ({
    source,
    destination,
    verdict: e.verdict,
    ...(e.verdict === 'allowed-via-gateway' && e.gateway
      ? { gateway: gatewayText(e.gateway) }
      : {}),
    ...(e.shares ? { shares: sharesText(e.shares) } : {}),
  });

  const cells: AccessCell[] = [];
  // A cell depends only on the analysis, its source and its destination, not on the universe; so does
  // whether a pair is simulated at all (below), so the cells known are those this matrix sees.
  let known = cellsByAnalysis.get(analysis);
  if (!known) cellsByAnalysis.set(analysis, (known = new Map()));
  const knownFor = (source: string): Map<string, AccessCell | null> => {
    let bySource = known.get(source);
    if (!bySource) known.set(source, (bySource = new Map()));
    return bySource;
  };
  const unseen: Record<string, Verdict> = {};
  const inNamespace = new Map<string, AccessSource[]>();
  for (const s of universe.sources) {
    unseen[s.label] = unregisteredVerdict(
      ctx.cs.mesh.outboundFor(s.workload.namespace, s.workload.labels).mode,
    );
    const peers = inNamespace.get(s.workload.namespace);
    if (peers) peers.push(s);
    else inNamespace.set(s.workload.namespace, [s]);
  }
  // Sources for which the outbound policy alone does not decide: traffic that may skip the sidecar,
  // a Sidecar egressProxy, or Sidecars of which creation order picks one.
  const bypassing = new Set(
    universe.sources.filter((s) => {
      const { namespace, labels } = s.workload;
      const sidecars = ctx.cs.mesh.sidecarsFor(namespace, labels);
      return (
        !interceptsAll(ctx.interception(s.workload)) ||
        sidecars.length > 1 ||
        egressProxyOf(sidecars[0]) !== undefined
      );
    }),
  );
  for (const d of universe.destinations) {
    // Only the namespaces some ServiceEntry or VirtualService for the host is exported to can see it.
    const audience = new Set<string>();
    let everyone = ctx.index.isUnshownClusterHost(d.host);
    for (const r of [
      ...ctx.index.serviceEntriesForHost(d.host),
      ...ctx.index.virtualServicesForHost(d.host),
      ...[ctx.index.kubernetesServiceFor(d.host)?.resource ?? []].flat(),
    ]) {
      const scope = exportedTo(r);
      if (scope.everywhere) everyone = true;
      else scope.namespaces.forEach((ns) => audience.add(ns));
    }
    const candidates = everyone
      ? universe.sources
      : [...new Set([...[...audience].flatMap((ns) => inNamespace.get(ns) ?? []), ...bypassing])];
    for (const s of candidates) {
      const bySource = knownFor(s.label);
      let cell = bySource.get(d.url);
      if (cell === undefined) {
        cell =
          bypassing.has(s) || seesHost(ctx, s.workload.namespace, d.host)
            ? toCell(s.label, d.url, explain(s.label, d.url, false))
            : null;
        bySource.set(d.url, cell);
      }
      if (cell !== null) cells.push(cell);
    }
  }
  return { ...universe, cells, unseen, verdict: verdictOf(known, unseen), explain };
}

/**
 * A matrix's verdict for any pair, from its cells and outbound policies alone: made here rather than in
 * accessMatrix so that it holds no simulation (a closure there shares its scope, analysis included).
 */
function verdictOf(
  known: ReadonlyMap<string, ReadonlyMap<string, AccessCell | null>>,
  unseen: Readonly<Record<string, Verdict>>,
): AccessMatrix['verdict'] {
  return (source, destination) =>
    known.get(source)?.get(destination) ?? { source, destination, verdict: unseen[source]! };
}

/**
 * What diffAccess reads of the base's matrix: its verdicts, without `explain` and the analysis behind
 * it, so that the base can be collected before the head's matrix is simulated.
 */
export type AccessVerdicts = Omit<AccessMatrix, 'explain'>;

/**
 * The pairs whose verdict differs, in the head's source and destination order. Both matrices should
 * cover the same sources and destinations (see compareAccess); pairs only one covers are skipped.
 */
export function diffAccess(base: AccessVerdicts, head: AccessMatrix): AccessChange[] {
  const sourceOrder = new Map(head.sources.map((s, i) => [s.label, i]));
  const destinationOrder = new Map(head.destinations.map((d, i) => [d.url, i]));
  const baseDestinations = new Set(base.destinations.map((d) => d.url));
  const covered = (s: string, d: string): boolean =>
    s in base.unseen && sourceOrder.has(s) && baseDestinations.has(d) && destinationOrder.has(d);
  // Pairs that can differ: those either side sees explicitly, and every pair of a source whose
  // outbound policy changed. A pair may come up twice; only a changed one is keyed, to be kept once
  // (a key per pair was a string and a map entry for each of hundreds of thousands of cells).
  const changed = new Map<string, AccessChange>();
  const consider = (s: string, d: string): void => {
    if (!covered(s, d)) return;
    const was = base.verdict(s, d);
    const now = head.verdict(s, d);
    if (was.verdict === now.verdict && was.shares === now.shares) return;
    const key = cellKey(s, d);
    if (changed.has(key)) return;
    changed.set(key, {
      source: s,
      destination: d,
      before: was.verdict,
      after: now.verdict,
      ...(was.gateway ? { beforeGateway: was.gateway } : {}),
      ...(now.gateway ? { afterGateway: now.gateway } : {}),
      ...(was.shares ? { beforeShares: was.shares } : {}),
      ...(now.shares ? { afterShares: now.shares } : {}),
      reason: head.explain(s, d, false).reason,
    });
  };
  for (const c of base.cells) consider(c.source, c.destination);
  for (const c of head.cells) consider(c.source, c.destination);
  for (const s of head.sources) {
    if (s.label in base.unseen && base.unseen[s.label] !== head.unseen[s.label]) {
      for (const d of head.destinations) consider(s.label, d.url);
    }
  }
  const changes = [...changed.values()];
  return changes.sort(
    (a, b) =>
      sourceOrder.get(a.source)! - sourceOrder.get(b.source)! ||
      destinationOrder.get(a.destination)! - destinationOrder.get(b.destination)!,
  );
}

/**
 * Base and head over the same sources and destinations, then their differences. Only the destinations
 * the change can touch are simulated (see accessWithin). `scoped: false` simulates them all (the
 * differential tests compare the two).
 */
export function compareAccess(
  base: Analysis,
  head: Analysis,
  options: { scoped?: boolean } = {},
): AccessChange[] {
  const within = accessWithin(base, head, options);
  return diffAccess(accessMatrix(base, within), accessMatrix(head, within));
}

/**
 * The sources and destinations both matrices cover: those of either revision, the destinations the
 * change can touch only (access-scope.ts), since every other cell is the same in both.
 */
export function accessWithin(
  base: Analysis,
  head: Analysis,
  options: { scoped?: boolean } = {},
): AccessUniverse {
  const universe = accessUniverse(base, head);
  const scope = options.scoped === false ? 'all' : accessScope(base, head);
  return scope === 'all'
    ? universe
    : { ...universe, destinations: universe.destinations.filter((d) => scope.covers(d.host)) };
}

/** `mytest/app=sleep-a -> https://httpbin.org:443: blocked-unregistered -> allowed-via-gateway` */
export function formatAccessChange(c: AccessChange): string {
  return `${c.source} -> ${c.destination}: ${beforeText(c)} -> ${afterText(c)}`;
}

/** A side of a change: the verdict, and where a split's shares differ, each share. */
const sideText = (verdict: Verdict, shares: string | undefined): string =>
  shares ? `${verdict} (split: ${shares})` : verdict;
const beforeText = (c: AccessChange): string => sideText(c.before, c.beforeShares);
const afterText = (c: AccessChange): string => sideText(c.after, c.afterShares);

export interface MermaidLimits {
  /** At most this many changed paths are drawn; the rest are counted in a note node. */
  maxEdges: number;
}

export const DEFAULT_MERMAID_LIMITS: MermaidLimits = { maxEdges: 15 };

/** Text inside a quoted Mermaid label: no quotes, angle brackets, backticks or line breaks can escape it. */
function mermaidText(s: string): string {
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/`/g, '#96;')
    .replace(/@/g, '#64;');
}

const isOpen = (v: Verdict): boolean => v === 'allowed-via-gateway' || v === 'allowed-direct';

/**
 * A flowchart of the changed paths, source -> destination, each edge labelled `before → after` (and
 * the gateway); solid when the head allows, crossed when it blocks or denies, dotted when broken or
 * undetermined.
 * Kept small: beyond `maxEdges` changes, a note says how many are not drawn.
 */
export function accessChangesMermaid(
  changes: readonly AccessChange[],
  limits: MermaidLimits = DEFAULT_MERMAID_LIMITS,
): string {
  const shown = changes.slice(0, Math.max(0, limits.maxEdges));
  const ids = new Map<string, string>();
  const lines = ['flowchart LR'];
  const node = (kind: 's' | 'd', label: string): string => {
    const key = `${kind}:${label}`;
    let id = ids.get(key);
    if (!id) {
      id = `${kind}${[...ids.keys()].filter((k) => k.startsWith(`${kind}:`)).length}`;
      ids.set(key, id);
      lines.push(
        kind === 's' ? `  ${id}["${mermaidText(label)}"]` : `  ${id}(["${mermaidText(label)}"])`,
      );
    }
    return id;
  };
  for (const c of shown) {
    const from = node('s', c.source);
    const to = node('d', c.destination);
    const via = c.afterGateway ?? (c.after === 'allowed-via-gateway' ? undefined : c.beforeGateway);
    const label = mermaidText(`${beforeText(c)} → ${afterText(c)}${via ? ` (via ${via})` : ''}`);
    const arrow = isOpen(c.after)
      ? '-->'
      : c.after === 'broken' || c.after === 'undetermined'
        ? '-.->'
        : '--x';
    lines.push(`  ${from} ${arrow}|"${label}"| ${to}`);
  }
  const hidden = changes.length - shown.length;
  if (hidden > 0)
    lines.push(`  more["… and ${hidden} more change${hidden === 1 ? '' : 's'} not drawn"]`);
  return `${lines.join('\n')}\n`;
}

/**
 * Access changes as the diff report carries them (rows plus flowchart), for `egress-lint diff` in every
 * format and the pull-request comment; undefined when nothing changes.
 */
export function accessChangesReport(
  changes: readonly AccessChange[],
  limits: MermaidLimits = DEFAULT_MERMAID_LIMITS,
): AccessChanges | undefined {
  if (changes.length === 0) return undefined;
  return {
    rows: changes.map((c) => ({
      source: c.source,
      destination: c.destination,
      before: beforeText(c),
      after: afterText(c),
    })),
    mermaid: accessChangesMermaid(changes, limits),
  };
}
