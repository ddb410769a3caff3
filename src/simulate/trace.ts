/**
 * The record of one simulation: every decision with the resource field that took it, the hops, and
 * the notes on what the model assumed or cannot know. Stages append to it as they go, so the
 * explanation is the evaluation itself rather than a story told afterwards.
 */
import type { FieldPath } from '../model/field-path.js';
import { findingLocation, identityKey, refOf, type Resource } from '../model/resource.js';
import type {
  AppRequest,
  Decision,
  DecisionSource,
  GatewayUse,
  Hop,
  Stage,
  Upstream,
  Verdict,
} from './types.js';

export interface Outcome {
  verdict: Verdict;
  reason: string;
  expected: string;
  /** For `undetermined`: what the repository does not show. */
  missing?: string;
}

/**
 * Resources of which Istio uses the oldest, or merges oldest first: the repository cannot show
 * creation order, so a run assumes one of them oldest and other runs try the others.
 */
export interface OrderGroup {
  /** The resources' identities, sorted: the same group whichever run meets it. */
  key: string;
  /** In the stand-in order (what Istio's order would be with equal timestamps: the index's order). */
  candidates: readonly Resource[];
  at: Stage;
  /** What they compete for, for the reader: `the routes of httpbin.org:80 for the sidecar of app/*`. */
  what: string;
}

/** A route that splits traffic over weighted destinations (weight > 0 each), as a run met it. */
export interface SplitGroup {
  /** The route's identity: the same split whichever run meets it. */
  key: string;
  /** The route, for the reader: `VirtualService ns/name http[0]`. */
  route: string;
  weights: readonly number[];
  /** Each share's destination, for the reader. */
  destinations: readonly string[];
}

/** A traffic split as a run met it, with the share (index into its weights) the run follows. */
export interface TakenSplit extends SplitGroup {
  share: number;
}

/**
 * The heaviest share of a split; of equal weights, the destination first in text order. Envoy's
 * weighted clusters are an unordered set (route.go translateRoute), so the written order must not
 * decide which share stands for the request.
 */
function heaviestShare({ weights, destinations }: SplitGroup): number {
  let best = 0;
  for (let i = 1; i < weights.length; i++) {
    const heavier = weights[i]! - weights[best]!;
    if (heavier > 0 || (heavier === 0 && destinations[i]! < destinations[best]!)) best = i;
  }
  return best;
}

export class Trace {
  readonly decisions: Decision[] = [];
  readonly hops: Hop[] = [];
  readonly notes: string[] = [];
  gateway?: GatewayUse;
  upstream?: Upstream;
  /** Fields cited by decideOnce, per resource; made on first use (few runs cite any). */
  private cited?: Map<Resource, Set<string>>;
  /** The creation-order groups this run met, and the one it took as oldest in each. */
  readonly orderGroups: OrderGroup[] = [];
  readonly oldestTaken = new Map<string, Resource>();
  /** The traffic splits this run met, in the order met, each with the share it follows. */
  readonly splits: TakenSplit[] = [];

  /**
   * @param locate whether decisions carry file:line (an access matrix only needs the verdicts).
   * @param assumedOldest per creation-order group (OrderGroup.key), the resource this run takes as
   *   the oldest; groups not listed take their first candidate.
   * @param assumedShares per traffic split (SplitGroup.key), the share this run follows; splits not
   *   listed take their heaviest.
   */
  constructor(
    private readonly locate = true,
    readonly assumedOldest: ReadonlyMap<string, Resource> = new Map(),
    readonly assumedShares: ReadonlyMap<string, number> = new Map(),
  ) {}

  /**
   * The share of a traffic split this run follows (an index into its weights): the assumed one, else
   * the heaviest. The split is recorded so that other runs try the other shares.
   */
  share(split: SplitGroup): number {
    // A request meets a split or two: a list is cheaper than a map per simulated request.
    const met = this.splits.find((s) => s.key === split.key);
    if (met) return met.share;
    const heaviest = heaviestShare(split);
    const assumed = this.assumedShares.get(split.key);
    const share = assumed !== undefined && assumed < split.weights.length ? assumed : heaviest;
    this.splits.push({ ...split, share });
    return share;
  }

  /**
   * Records the creation-order groups `other` met, a run of another share of the same request under
   * the same assumptions: every group any share meets is one whose other candidates must be tried.
   */
  adoptOrderGroups(other: Trace): void {
    for (const g of other.orderGroups) {
      if (this.oldestTaken.has(g.key)) continue;
      this.orderGroups.push(g);
      this.oldestTaken.set(g.key, other.oldestTaken.get(g.key)!);
    }
  }

  /**
   * Of `candidates` that Istio orders by creation time, the one this run takes as the oldest; with
   * more than one, the group is recorded so that other runs try the others.
   */
  oldest(at: Stage, what: string, candidates: readonly Resource[]): Resource {
    return this.inCreationOrder(at, what, candidates)[0]!;
  }

  /** `candidates` with the one this run takes as the oldest first, the others as given. */
  inCreationOrder(at: Stage, what: string, candidates: readonly Resource[]): readonly Resource[] {
    if (candidates.length < 2) return candidates;
    const key = candidates.map(identityKey).sort().join('&');
    let first = this.oldestTaken.get(key);
    if (!first) {
      const assumed = this.assumedOldest.get(key);
      first = assumed && candidates.includes(assumed) ? assumed : candidates[0]!;
      this.oldestTaken.set(key, first);
      this.orderGroups.push({ key, candidates, at, what });
    }
    return [first, ...candidates.filter((c) => c !== first)];
  }

  decide(at: Stage, text: string, resource?: Resource, path: FieldPath = []): void {
    this.decisions.push({
      at,
      text,
      ...(resource && this.locate ? { source: sourceOf(resource, path) } : {}),
    });
  }

  /**
   * A decision the trace may already hold: one resource field decides one thing per stage, so when the
   * same field was cited at this stage before (the sidecar's registry lookup, then its route straight
   * out), the repetition is left out.
   */
  decideOnce(at: Stage, text: string, resource: Resource, path: FieldPath): void {
    const key = `${at}|${JSON.stringify(path)}`;
    this.cited ??= new Map();
    let keys = this.cited.get(resource);
    if (!keys) this.cited.set(resource, (keys = new Set()));
    if (keys.has(key)) return;
    keys.add(key);
    this.decide(at, text, resource, path);
  }

  hop(from: string, to: string, transport: string): void {
    this.hops.push({ from, to, transport });
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }
}

export function sourceOf(r: Resource, path: FieldPath = []): DecisionSource {
  const at = findingLocation(r, path);
  return {
    ...refOf(r),
    ...(at.file ? { file: at.file, line: at.line, column: at.column } : {}),
    ...(at.field ? { field: at.field } : {}),
    ...(r.rendered
      ? { renderedFrom: `${r.rendered.policy.namespace}/${r.rendered.policy.name}` }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// What the client sees. One wording per failure, so every verdict reads the same way.

const isHttp = (req: AppRequest): boolean => req.scheme === 'http';

export const expect = {
  blackHole: (req: AppRequest): string =>
    isHttp(req)
      ? 'HTTP 502 Bad Gateway from the sidecar (BlackHoleCluster)'
      : 'connection refused: the sidecar drops the connection (UH, BlackHoleCluster)',
  refusedAtGateway: (req: AppRequest): string =>
    isHttp(req)
      ? 'HTTP 503 Service Unavailable (the egress gateway refuses the connection)'
      : 'connection refused: the egress gateway drops the handshake',
  directResponse: (status: number): string =>
    `HTTP ${status} returned by the proxy (direct response)`,
  noCluster: (req: AppRequest): string =>
    isHttp(req)
      ? 'HTTP 503 Service Unavailable (no cluster for the route: NC)'
      : 'connection reset (no cluster for the route)',
  connectFailure: (req: AppRequest): string =>
    isHttp(req)
      ? 'HTTP 503 Service Unavailable (upstream connect error or disconnect/reset before headers)'
      : 'connection reset',
  noRoute: (): string => 'HTTP 404 Not Found (no route: NR)',
  rbac: (http: boolean): string =>
    http
      ? 'HTTP 403 Forbidden, body "RBAC: access denied"'
      : 'the egress gateway closes the connection (RBAC); the application sees it reset',
  allowed: (req: AppRequest): string =>
    isHttp(req)
      ? `an HTTP response from ${req.host} (e.g. 200); the response itself depends on the external server`
      : req.scheme === 'https'
        ? `the application's TLS session with ${req.host} is established (e.g. 200 inside it); the response itself depends on the external server`
        : `a TCP connection to ${req.host}:${req.port}; what it answers depends on the external server`,
};

export function outcome(verdict: Verdict, reason: string, expected: string): Outcome {
  return { verdict, reason, expected };
}

/**
 * The repository cannot tell: the answer depends on `missing` (named for the reader, e.g. `the
 * Service reviews.default.svc.cluster.local`). Never a failure by itself.
 */
export function undetermined(missing: string, reason: string): Outcome {
  return {
    verdict: 'undetermined',
    reason,
    expected: `depends on ${missing}, which the repository does not show`,
    missing,
  };
}
