/**
 * The Octokit class the app runs with: Probot's (retry + throttling plugins, app authentication), with
 * four changes a busy installation needs:
 * - rate-limit pacing per installation (Probot's event clients otherwise share one queue for all
 *   installations, so one busy organisation would slow every other down);
 * - secondary rate limits retried after GitHub's Retry-After (Probot only logs them), twice at most;
 * - a 429 the throttling plugin does not recognise (no "secondary rate limit" text) waits for its
 *   Retry-After too, instead of the retry plugin's blind one second;
 * - pacing stays in each process even with REDIS_URL: Probot would move it to Redis (Bottleneck's
 *   cluster mode), whose clients expire when a busy process misses a heartbeat and then fail every
 *   request with `ERR UNKNOWN_CLIENT` (seen in test/app/replicas.test.ts). REDIS_URL is the queue's.
 * - for tests and benchmarks only: shorter waits, and optionally no pacing of writes.
 */
import { ProbotOctokit } from 'probot';

export interface OctokitTuning {
  /** Milliseconds per unit of wait (retry backoff, Retry-After seconds). GitHub's unit is 1000. */
  waitUnitMs?: number;
  /** GitHub asks integrators to space content-creating requests; true (the default) keeps that pacing. */
  pacedWrites?: boolean;
}

interface ThrottleOptions {
  id?: string;
  retryAfterBaseValue?: number;
  onSecondaryRateLimit?: (
    retryAfter: number,
    options: { method: string; url: string },
    octokit: unknown,
    retryCount: number,
  ) => boolean;
  [key: string]: unknown;
}

interface InstanceOptions {
  auth?: { installationId?: number | string };
  throttle?: ThrottleOptions;
  retry?: Record<string, unknown>;
  log?: { warn(message: string): void };
  [key: string]: unknown;
}

const MAX_SECONDARY_RETRIES = 2;
const MAX_SECONDARY_WAIT_SECONDS = 120;
/** Without a Retry-After, GitHub asks to wait at least a minute after a secondary rate limit. */
const DEFAULT_429_WAIT_SECONDS = 60;
/** The retry plugin's defaults, with 429 left to `retryAfter429` below. */
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451];

/** A limiter group that schedules immediately (the shape plugin-throttling calls). */
const unpaced = {
  key: () => ({
    schedule: <A extends unknown[], R>(_options: unknown, job: (...args: A) => R, ...args: A): R =>
      job(...args),
  }),
};

type Request = (options: unknown) => Promise<unknown>;
interface Hookable {
  hook: {
    wrap(name: 'request', wrap: (request: Request, options: unknown) => Promise<unknown>): void;
  };
}

/** Retries a 429 after its Retry-After (when the throttling plugin did not already handle it). */
function retryAfter429(unitMs: number): (octokit: Hookable) => void {
  return (octokit) =>
    octokit.hook.wrap('request', async (request, options) => {
      for (let retries = 0; ; retries++) {
        try {
          return await request(options);
        } catch (e) {
          const wait = waitFor429(e);
          if (wait === undefined || retries >= MAX_SECONDARY_RETRIES) throw e;
          await new Promise((resolve) => setTimeout(resolve, wait * unitMs));
        }
      }
    });
}

/** Seconds to wait before retrying a 429; undefined when it is not ours to retry. */
function waitFor429(e: unknown): number | undefined {
  const error = e as {
    status?: number;
    message?: string;
    response?: { headers?: Record<string, unknown> };
  };
  if (error.status !== 429 || /\bsecondary rate\b/i.test(error.message ?? '')) return undefined;
  const headers = error.response?.headers ?? {};
  if (headers['x-ratelimit-remaining'] === '0') return undefined; // primary: the throttling plugin's
  const retryAfter = Number(headers['retry-after'] ?? DEFAULT_429_WAIT_SECONDS);
  return Number.isFinite(retryAfter) && retryAfter <= MAX_SECONDARY_WAIT_SECONDS
    ? Math.max(0, retryAfter)
    : undefined;
}

export function appOctokit(tuning: OctokitTuning = {}): typeof ProbotOctokit {
  const unit = tuning.waitUnitMs;
  const Octokit = ProbotOctokit.plugin(
    retryAfter429(unit ?? 1000) as unknown as Parameters<typeof ProbotOctokit.plugin>[0],
  );
  return Octokit.defaults((options: InstanceOptions) => {
    if (options.throttle?.enabled === false) return options;
    const installation = options.auth?.installationId;
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- dropped: see the header
    const { Bottleneck, connection, ...ownThrottle } = options.throttle ?? {};
    const throttle: ThrottleOptions = {
      ...ownThrottle,
      ...(installation !== undefined ? { id: `installation-${installation}` } : {}),
      onSecondaryRateLimit: (retryAfter, request, _octokit, retryCount) => {
        const retry =
          retryCount < MAX_SECONDARY_RETRIES && retryAfter <= MAX_SECONDARY_WAIT_SECONDS;
        options.log?.warn(
          `Secondary rate limit on ${request.method} ${request.url}; ${retry ? `retrying in ${retryAfter} s` : 'giving up'}`,
        );
        return retry;
      },
      ...(unit !== undefined ? { retryAfterBaseValue: unit } : {}),
      ...(tuning.pacedWrites === false ? { write: unpaced, notifications: unpaced } : {}),
    };
    const retry = {
      ...options.retry,
      doNotRetry: DO_NOT_RETRY,
      ...(unit !== undefined ? { retryAfterBaseValue: unit } : {}),
    };
    return { ...options, throttle, retry };
  }) as unknown as typeof ProbotOctokit;
}
