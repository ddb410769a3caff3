/**
 * app.yml asks for exactly what the app uses: the events it listens to, and for each REST operation it
 * calls, the permission GitHub requires (from GitHub's "permissions required for GitHub Apps" tables).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Probot } from 'probot';
import { createEgressLintApp } from '../../src/app/index.js';
import { GitHubOpenApi } from '../support/github-openapi.js';
import { testReporter } from '../support/test-reporter.js';

const manifest = parse(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8')) as {
  default_events: string[];
  default_permissions: Record<string, 'read' | 'write'>;
};

/** Operation -> the permissions it is given for an installation. */
const NEEDS: Record<string, [string, 'read' | 'write'][]> = {
  'checks/create': [['checks', 'write']],
  'checks/update': [['checks', 'write']],
  // Looking for our own run before creating one (a lost reply), and the sweep of abandoned runs.
  'checks/list-for-ref': [['checks', 'read']],
  // Counting a run's annotations before a retried update adds them again.
  'checks/get': [['checks', 'read']],
  // The sweep lists the repositories of each installation: no permission beyond the installation.
  'apps/list-repos-accessible-to-installation': [],
  'repos/get-content': [['contents', 'read']],
  'git/get-tree': [['contents', 'read']],
  'git/get-blob': [['contents', 'read']],
  // The sweep finds merge groups by their merge queue branches.
  'git/list-matching-refs': [['contents', 'read']],
  'pulls/get': [['pull_requests', 'read']],
  'pulls/list': [['pull_requests', 'read']],
  'pulls/list-files': [['pull_requests', 'read']],
  'repos/list-pull-requests-associated-with-commit': [['pull_requests', 'read']],
  // On a pull request, GitHub's documentation and practice disagree on whether "Issues" or "Pull
  // requests" allows issue comments and their reactions; the app asks for both, so commenting works
  // whichever one a GitHub (or GitHub Enterprise) version checks.
  'issues/list-comments': [
    ['issues', 'read'],
    ['pull_requests', 'read'],
  ],
  'issues/create-comment': [
    ['issues', 'write'],
    ['pull_requests', 'write'],
  ],
  'issues/update-comment': [
    ['issues', 'write'],
    ['pull_requests', 'write'],
  ],
  'reactions/create-for-issue-comment': [
    ['issues', 'write'],
    ['pull_requests', 'write'],
  ],
  'repos/get-collaborator-permission-level': [['metadata', 'read']],
};
/** Events can only be subscribed to with a permission behind them. */
const EVENT_NEEDS: Record<string, string> = {
  pull_request: 'pull_requests',
  check_run: 'checks',
  check_suite: 'checks',
  issue_comment: 'issues',
  merge_group: 'merge_queues',
};

describe('app.yml', () => {
  it('subscribes to exactly the events the app handles', () => {
    const handled = new Set<string>();
    const fakeProbot = {
      on: (names: string | string[]) =>
        [names].flat().forEach((n) => handled.add(n.split('.')[0]!)),
    };
    void createEgressLintApp({ reporter: testReporter })(fakeProbot as unknown as Probot, {
      cwd: '.',
      addHandler: () => undefined,
    });
    expect([...manifest.default_events].sort()).toEqual([...handled].sort());
  });

  it('grants every permission the app needs, and nothing more', () => {
    const operations = new GitHubOpenApi().operationIds.filter(
      // Called as the app itself (JWT), not as an installation: no installation permission applies.
      (id) => id !== 'apps/create-installation-access-token' && id !== 'apps/list-installations',
    );
    const needed: Record<string, 'read' | 'write'> = {};
    for (const op of operations) {
      expect(NEEDS[op], `permission for ${op}`).toBeDefined();
      for (const [permission, level] of NEEDS[op]!)
        if (needed[permission] !== 'write') needed[permission] = level;
    }
    for (const event of manifest.default_events) needed[EVENT_NEEDS[event]!] ??= 'read';
    expect(manifest.default_permissions).toEqual(needed);
  });
});
