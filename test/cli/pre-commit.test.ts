/**
 * The pre-commit hook in .pre-commit-hooks.yaml, run by Debian's `pre-commit` in a throwaway git
 * repository. Offline: the hook definition is used as published except `language: node` (which would
 * install the package from the network) becomes `repo: local` + `language: system` running the built
 * binary.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ROOT } from '../support.js';
import { egressGateway, policyTo } from '../rule-fixtures.js';
import { makeRepo } from './repos.js';
import { BIN } from './run-cli.js';

const HTTP_TO =
  '    - hosts: [httpbin.org]\n      port: {name: http, number: 80, protocol: HTTP}\n      byEgressGateway: {port: 80}\n';

function sh(cwd: string, cmd: string, args: string[], env: Record<string, string>) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('pre-commit hook', () => {
  it('blocks a commit that changes one file when the error shows in the whole config set', () => {
    const [hook] = parse(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Record<
      string,
      unknown
    >[];
    expect(hook).toMatchObject({
      id: 'egress-lint',
      entry: 'egress-lint lint',
      pass_filenames: false,
    });
    const local = { ...hook, language: 'system', entry: `${process.execPath} ${BIN} lint` };
    const dir = makeRepo({
      '.github/egress-lint.yml': 'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n',
      'mesh/gateway.yaml': egressGateway(),
      'mesh/policy.yaml': policyTo(HTTP_TO),
      '.pre-commit-config.yaml': stringify({ repos: [{ repo: 'local', hooks: [local] }] }),
    });
    const env = {
      PRE_COMMIT_HOME: mkdtempSync(join(tmpdir(), 'pre-commit-home-')),
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
      NO_COLOR: '1',
    };
    const git = (...args: string[]) => sh(dir, 'git', args, env);
    git('init', '-q', '-b', 'main');
    expect(sh(dir, 'pre-commit', ['install'], env).code).toBe(0);
    git('add', '-A');
    const first = git('commit', '-qm', 'clean policy');
    expect(first.out).toMatch(/egress-lint\.+Passed/);
    expect(first.code).toBe(0);

    // Only the policy changes; the error needs the gateway file, which the commit does not touch.
    writeFileSync(join(dir, 'mesh/policy.yaml'), policyTo(HTTP_TO, 'egressgateway-b'));
    git('add', 'mesh/policy.yaml');
    const blocked = git('commit', '-qm', 'typo in the gateway name');
    expect(blocked.code).not.toBe(0);
    expect(blocked.out).toMatch(/egress-lint\.+Failed/);
    expect(blocked.out).toContain('did you mean "egressgateway-a"?');
    expect(blocked.out).toContain('gateway-not-found');

    // A change to no YAML file does not run the hook.
    git('reset', '-q', '--hard');
    writeFileSync(join(dir, 'README.md'), 'docs\n');
    git('add', 'README.md');
    const docs = git('commit', '-qm', 'docs');
    expect(docs.code).toBe(0);
    expect(docs.out).toMatch(/egress-lint\.+\(no files to check\)Skipped/);
  }, 300_000);
});
