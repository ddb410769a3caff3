/**
 * What went wrong, in words fit for a check run: the real cause (a missing permission, a file too
 * large, which rate limit, an outage, a deadline), never a stack trace or text from the repository.
 */
import { statusOf } from './github.js';
import { GaveUpError, rateLimitOf } from './retry.js';

/** A failure whose message is already fit for the check run (it names no repository content). */
export class ReportableError extends Error {
  override name = 'ReportableError';
}

/** The permission each kind of call needs (app.yml grants them; an installation may not have accepted them). */
const PERMISSION_BY_ROUTE: [RegExp, string][] = [
  [/\/check-runs\b/, 'Checks: write'],
  [/\/(contents|git)\//, 'Contents: read'],
  [/\/issues\/(\d+|comments)\b|\/reactions\b/, 'Pull requests: write (and Issues: write)'],
  [/\/pulls\b|\/commits\/[^/]+\/pulls\b/, 'Pull requests: read'],
  [/\/collaborators\//, 'Metadata: read'],
];

export function describeFailure(e: unknown, deadline?: AbortSignal): string {
  if (deadline?.aborted) return 'the check took too long (GitHub did not answer in time)';
  if (e instanceof ReportableError) return e.message;
  if (e instanceof GaveUpError)
    return `${describeFailure(e.cause)}; retried until ${e.message.replace(/^GitHub did not accept the request /, '')}`;
  const status = statusOf(e);
  const limit = rateLimitOf(e);
  if (limit === 'primary')
    return `GitHub's API rate limit for this installation is used up (HTTP ${status}); it resets within the hour`;
  if (limit === 'secondary')
    return `GitHub's secondary rate limit (too many requests at once, HTTP ${status}) outlasted the retries`;
  if (status === 403 && isTooLarge(e))
    return 'a file is too large for GitHub to return through its API (HTTP 403, too_large)';
  if (status === 403) return missingPermission(e);
  if (status !== undefined && status >= 500)
    return `the GitHub API kept failing (HTTP ${status}) after retries`;
  if (status !== undefined) return `a GitHub API request failed (HTTP ${status})`;
  return 'an internal error in egress-lint (details are in the app log)';
}

function missingPermission(e: unknown): string {
  const request = (e as { request?: { method?: string; url?: string } }).request;
  const path = new URL(request?.url ?? '/', 'http://api.invalid').pathname;
  const permission = PERMISSION_BY_ROUTE.find(([route]) => route.test(path))?.[1];
  const what = permission ? `; the app needs ${permission}` : '';
  return `GitHub denied the app access (HTTP 403 on ${request?.method ?? 'a request'} ${routeName(path)})${what}: the installation may not have accepted the app's permissions`;
}

/** The route without owner, repository or ids: `.../check-runs`, `.../git/trees`. */
function routeName(path: string): string {
  const m = /^(?:\/api\/v3)?\/repos\/[^/]+\/[^/]+(\/[^/]+(?:\/[^/]+)?)/.exec(path);
  const tail = (m?.[1] ?? '').replace(/\/[0-9a-f]{40}$|\/\d+$/, '');
  return tail ? `…${tail}` : 'an API call';
}

function isTooLarge(e: unknown): boolean {
  const data = (e as { response?: { data?: { errors?: { code?: string }[]; message?: string } } })
    .response?.data;
  return (
    (data?.errors ?? []).some((x) => x.code === 'too_large') ||
    /too large/i.test(data?.message ?? '')
  );
}
