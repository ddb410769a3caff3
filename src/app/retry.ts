/**
 * Retrying the writes a check cannot do without (creating and completing its check run, posting the
 * sticky comment) for minutes rather than seconds, with backoff, honouring what GitHub says about when
 * to come back. The Octokit plugins' own retries are seconds long and blind to lost replies; these
 * calls turn them off and come here instead (see writes.ts for why a retry must look before it posts).
 */
import { statusOf, WorkTakenAwayError } from './github.js';

export interface RetryPolicy {
  /** The first wait after a failure; each later wait doubles, up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** No attempt starts after this long: GitHub is then considered unreachable. */
  giveUpAfterMs: number;
  /** Each attempt's own time limit, so a connection that never answers counts as a failed attempt. */
  attemptTimeoutMs: number;
  /** Milliseconds per second of a `Retry-After` or rate-limit reset (1000; tests shrink it). */
  retryAfterUnitMs: number;
}

/** Ten minutes of retries: the give-up time docs/app.md states. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialDelayMs: 2_000,
  maxDelayMs: 60_000,
  giveUpAfterMs: 10 * 60_000,
  attemptTimeoutMs: 30_000,
  retryAfterUnitMs: 1_000,
};

/** Thrown when the give-up time passed; `cause` is the last failure. */
export class GaveUpError extends Error {
  override name = 'GaveUpError';
}

export interface AttemptContext {
  /** 0 for the first attempt. */
  attempt: number;
  /** Aborts this attempt's requests at the attempt's time limit. */
  signal: AbortSignal;
}

/**
 * Runs `attempt` until it succeeds, a failure is not worth retrying (a 4xx other than a rate limit),
 * or the give-up time has passed.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: (ctx: AttemptContext) => Promise<T>,
): Promise<T> {
  const started = Date.now();
  for (let n = 0; ; n++) {
    try {
      return await attempt({ attempt: n, signal: AbortSignal.timeout(policy.attemptTimeoutMs) });
    } catch (e) {
      if (!isTransient(e)) throw e;
      const wait = retryDelayMs(e, n, policy);
      if (Date.now() + wait - started > policy.giveUpAfterMs)
        throw new GaveUpError(
          `GitHub did not accept the request within ${Math.round(policy.giveUpAfterMs / 1000)} s of retries`,
          { cause: e },
        );
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** Worth another try: no answer at all, a server error, or a rate limit; never work taken away. */
export function isTransient(e: unknown): boolean {
  if (e instanceof WorkTakenAwayError) return false;
  const status = statusOf(e);
  if (status === undefined || status >= 500 || status === 429) return true;
  return status === 403 && rateLimitOf(e) !== undefined;
}

/** Which rate limit a 403/429 is, from GitHub's documented signals; undefined when it is none. */
export function rateLimitOf(e: unknown): 'primary' | 'secondary' | undefined {
  const status = statusOf(e);
  if (status !== 403 && status !== 429) return undefined;
  const headers = headersOf(e);
  if (headers['x-ratelimit-remaining'] === '0') return 'primary';
  if (/secondary rate limit/i.test(messageOf(e)) || headers['retry-after'] !== undefined)
    return 'secondary';
  // GitHub documents 429 for secondary limits even without a message that says so.
  return status === 429 ? 'secondary' : undefined;
}

/** How long to wait before attempt `n + 1`: what GitHub asked for, else exponential backoff. */
export function retryDelayMs(e: unknown, n: number, policy: RetryPolicy): number {
  const headers = headersOf(e);
  const retryAfter = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter))
    return Math.max(0, retryAfter) * policy.retryAfterUnitMs;
  if (headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset']) * 1000;
    if (Number.isFinite(reset)) {
      const seconds = Math.max(0, Math.ceil((reset - Date.now()) / 1000)) + 1;
      return seconds * policy.retryAfterUnitMs;
    }
  }
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** n);
}

function headersOf(e: unknown): Record<string, string | undefined> {
  const response = (e as { response?: { headers?: Record<string, unknown> } } | null)?.response;
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(response?.headers ?? {}))
    out[k.toLowerCase()] = v === undefined ? undefined : String(v);
  return out;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : '';
}
