/** What the simulator answers: the verdict for one request, the path it takes and what decided it. */
import type { ResourceRef } from '../model/finding.js';

export const VERDICTS = [
  'allowed-via-gateway',
  'allowed-direct',
  'blocked-unregistered',
  'denied-by-authz',
  'broken',
  'undetermined',
] as const;

/** DESIGN §4. */
export type Verdict = (typeof VERDICTS)[number];

/** The client: a workload in a namespace with pod labels, optionally with its service account. */
export interface SourceWorkload {
  namespace: string;
  labels: Readonly<Record<string, string>>;
  /** Unknown when not given: then rules on principals cannot be decided and say so. */
  serviceAccount?: string;
}

/**
 * What the application sends. `http`: plaintext HTTP, visible to the sidecar as requests; `https`: the
 * application originates TLS itself, so only the SNI is visible; `tcp`: opaque bytes, no SNI.
 */
export type AppScheme = 'http' | 'https' | 'tcp';

export interface AppRequest {
  scheme: AppScheme;
  /** Lower-case host name, as sent in the Host header or SNI; for an IP destination, the IP. */
  host: string;
  /** Set when the application connects to an IP address rather than a name: the address. */
  ip?: string;
  port: number;
  /** Path (without query) for HTTP; '/' otherwise. */
  path: string;
  /** HTTP method; only meaningful for `http`. */
  method: string;
  /** The request as a URL, normalized. */
  url: string;
}

/** Where a decision is taken. */
export type Stage = 'application' | 'sidecar' | 'egress-gateway' | 'upstream';

/** A resource that decided something, with where its deciding field was written. */
export interface DecisionSource extends ResourceRef {
  file?: string;
  line?: number;
  column?: number;
  /** The field as written (for rendered resources: the policy field that produced it). */
  field?: string;
  /** For rendered resources: `namespace/name` of the ASMEgressTrafficPolicy it came from. */
  renderedFrom?: string;
}

export interface Decision {
  at: Stage;
  text: string;
  source?: DecisionSource;
}

export interface Hop {
  from: string;
  to: string;
  /** How the bytes travel on this hop, e.g. `mTLS (ISTIO_MUTUAL, SNI www.httpbin.org)`. */
  transport: string;
}

export interface GatewayUse {
  name: string;
  namespace: string;
  serviceHost: string;
  port: number;
  /** False when the repository does not declare the gateway and the simulator assumed it. */
  declared: boolean;
}

export type UpstreamTls = 'none' | 'app' | 'SIMPLE' | 'MUTUAL';

/** The connection that leaves the mesh. */
export interface Upstream {
  host: string;
  port: number;
  /** `app`: the application's own TLS passes through; SIMPLE/MUTUAL: TLS originated by the mesh. */
  tls: UpstreamTls;
  sni?: string;
  credentialName?: string;
  /** Who opens it. */
  by: Stage;
  /** For HTTP requests: the URL the external server sees. */
  seenByServer?: string;
}

/**
 * One share of the traffic where a route splits it over weighted destinations, simulated on its own:
 * set on an explanation only when the shares' answers differ.
 */
export interface Share {
  /** Percent of the request's traffic (the product of the weights along nested splits). */
  weight: number;
  /** The destination it takes at each split on its way. */
  destinations: string[];
  verdict: Verdict;
  reason: string;
  missing?: string;
  gateway?: GatewayUse;
  upstream?: Upstream;
  hops: Hop[];
}

export interface Explanation {
  source: SourceWorkload;
  request: AppRequest;
  verdict: Verdict;
  /** One sentence: why. */
  reason: string;
  /**
   * For `undetermined`: what the repository does not show that the answer depends on (a Service, a
   * hop beyond the egress gateway, which of two resources Istio created first).
   */
  missing?: string;
  /** What the client sees (status code, connection refused...). */
  expected: string;
  gateway?: GatewayUse;
  upstream?: Upstream;
  hops: Hop[];
  decisions: Decision[];
  /** Assumptions and what the model cannot know (DNS, the external server, resources not in the repository). */
  notes: string[];
  /**
   * Where a route splits the traffic and the shares' answers differ: every share, heaviest first.
   * The verdict is the one most of the traffic gets (shares of one verdict summed); the rest of the
   * explanation is the heaviest share's with that verdict.
   */
  shares?: Share[];
}

/** `mytest/app=sleep-a`, `mytest/*` for any workload of the namespace. */
export function describeSource(s: Pick<SourceWorkload, 'namespace' | 'labels'>): string {
  const labels = Object.entries(s.labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  return `${s.namespace}/${labels.length ? labels.join(',') : '*'}`;
}
