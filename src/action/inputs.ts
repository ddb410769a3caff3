/**
 * What a workflow run hands the Action: the environment GitHub sets (GITHUB_EVENT_NAME,
 * GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_WORKSPACE...) and the inputs
 * (`INPUT_<NAME>`, as action.yml passes them). Checked up front, so a wrong input is one clear error
 * before anything is written to GitHub.
 */
import { readFileSync } from 'node:fs';
import type { CommentMode, ProjectConfig } from '../config/project-config.js';
import type { Severity } from '../model/finding.js';

export class ActionInputError extends Error {
  override name = 'ActionInputError';
}

/** A pull request's head against its base, or a merge group's commit against its base. */
export interface ActionTarget {
  kind: 'pull_request' | 'merge_group';
  number?: number;
  headSha: string;
  baseSha: string;
}

export interface ActionContext {
  owner: string;
  repo: string;
  repoUrl: string;
  apiUrl: string;
  workspace: string;
  runId: string;
  token: string;
  /** Undefined: the event is not one the Action checks (a closed pull request); nothing to do. */
  target: ActionTarget | undefined;
  configFile: string | undefined;
  overrides: { paths?: string[]; failOn?: Severity | 'never'; comment?: CommentMode };
}

const FAIL_ON = ['error', 'warning', 'info', 'never'] as const;
const COMMENT = ['always', 'on-change', 'off'] as const;
const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target'];

export function readActionContext(env: NodeJS.ProcessEnv): ActionContext {
  const input = (name: string): string => (env[`INPUT_${name}`] ?? '').trim();
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new ActionInputError(`${name} is not set: run this inside a GitHub workflow`);
    return value;
  };
  const [owner, repo] = required('GITHUB_REPOSITORY').split('/');
  if (!owner || !repo) throw new ActionInputError('GITHUB_REPOSITORY must be owner/name');
  const token = input('TOKEN');
  if (!token)
    throw new ActionInputError('the `token` input is empty (the default is `${{ github.token }}`)');
  const event = readEvent(required('GITHUB_EVENT_PATH'));
  const paths = input('PATHS')
    .split(/[\n,]/)
    .map((p) => p.trim())
    .filter(Boolean);
  return {
    owner,
    repo,
    repoUrl: `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${owner}/${repo}`,
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    runId: env.GITHUB_RUN_ID ?? '',
    token,
    target: targetOf(required('GITHUB_EVENT_NAME'), event),
    configFile: input('CONFIG') || undefined,
    overrides: {
      ...(paths.length ? { paths } : {}),
      ...optionalChoice('fail-on', input('FAIL_ON'), FAIL_ON, 'failOn'),
      ...optionalChoice('comment', input('COMMENT'), COMMENT, 'comment'),
    },
  };
}

/** The project config with the workflow's inputs applied on top. */
export function applyOverrides(
  config: ProjectConfig,
  overrides: ActionContext['overrides'],
): ProjectConfig {
  return { ...config, ...overrides };
}

function optionalChoice<T extends string, K extends string>(
  name: string,
  value: string,
  choices: readonly T[],
  key: K,
): Partial<Record<K, T>> {
  if (!value) return {};
  if (!choices.includes(value as T))
    throw new ActionInputError(
      `input \`${name}\` must be one of ${choices.join(', ')} (got ${JSON.stringify(value)})`,
    );
  return { [key]: value } as Partial<Record<K, T>>;
}

interface EventPayload {
  action?: string;
  pull_request?: { number: number; state: string; head: { sha: string }; base: { sha: string } };
  merge_group?: { head_sha: string; base_sha: string };
}

function readEvent(path: string): EventPayload {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as EventPayload;
  } catch (e) {
    throw new ActionInputError(
      `cannot read the event payload GITHUB_EVENT_PATH=${path}: ${(e as Error).message}`,
    );
  }
}

function targetOf(name: string, event: EventPayload): ActionTarget | undefined {
  if (PULL_REQUEST_EVENTS.includes(name) && event.pull_request) {
    const pr = event.pull_request;
    if (pr.state !== 'open') return undefined;
    return { kind: 'pull_request', number: pr.number, headSha: pr.head.sha, baseSha: pr.base.sha };
  }
  if (name === 'merge_group' && event.merge_group) {
    const group = event.merge_group;
    return { kind: 'merge_group', headSha: group.head_sha, baseSha: group.base_sha };
  }
  throw new ActionInputError(
    `the egress-lint Action checks pull_request and merge_group events, not ${name}; ` +
      'for other events run the CLI (`npx egress-lint lint`)',
  );
}
