/**
 * The Octokit class the app runs with: Probot's (retry + throttling plugins, app authentication), with
 * three changes a busy installation needs:
 * - rate-limit pacing per installation (Probot's event clients otherwise share one queue for all
 *   installations, so one busy organisation would slow every other down);
 * - secondary rate limits retried after GitHub's Retry-After (Probot only logs them), twice at most;
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

/** A limiter group that schedules immediately (the shape plugin-throttling calls). */
const unpaced = {
  key: () => ({
    schedule: <A extends unknown[], R>(_options: unknown, job: (...args: A) => R, ...args: A): R =>
      job(...args),
  }),
};

export function appOctokit(tuning: OctokitTuning = {}): typeof ProbotOctokit {
  const unit = tuning.waitUnitMs;
  return ProbotOctokit.defaults((options: InstanceOptions) => {
    if (options.throttle?.enabled === false) return options;
    const installation = options.auth?.installationId;
    const throttle: ThrottleOptions = {
      ...options.throttle,
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
    return {
      ...options,
      throttle,
      ...(unit !== undefined ? { retry: { ...options.retry, retryAfterBaseValue: unit } } : {}),
    };
  }) as unknown as typeof ProbotOctokit;
}
