/** What the CLI does with the project config and the files it selects: nothing may pass unchecked. */
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { createFileSelector } from '../../src/io/selection.js';
import { captureIO } from '../helpers/revisions.js';
import { egressGateway, policyTo } from '../rule-fixtures.js';
import { CLEAN_REPO, ERROR_REPO, makeRepo, WARNING_REPO } from './repos.js';

async function runIn(cwd: string, args: string[]) {
  const io = captureIO(cwd);
  const code = await run(args, io);
  return { code, out: io.out, err: io.err };
}

describe('an empty selection', () => {
  it('is a usage error (exit 2) naming the paths, unless --allow-empty', async () => {
    const dir = makeRepo({
      '.github/egress-lint.yml': 'paths: [polcies]\n',
      'policies/a.yaml': egressGateway(),
    });
    for (const command of [
      ['lint'],
      ['render'],
      ['explain', '--from', 'a', '--url', 'http://a.org/'],
    ]) {
      const r = await runIn(dir, command);
      expect(r.code).toBe(2);
      expect(r.err).toContain('no YAML files to check under . with paths ["polcies"]');
      expect((await runIn(dir, [...command, '--allow-empty'])).code).toBe(0);
    }
    const empty = makeRepo({ 'README.md': '# nothing\n' });
    expect((await runIn(empty, ['lint'])).code).toBe(2);
    expect((await runIn(empty, ['diff', '.', '.'])).code).toBe(2);
    expect((await runIn(empty, ['diff', '.', '.', '--allow-empty'])).code).toBe(0);
  });
});

describe('config file names', () => {
  it('warns about near-miss names, which are not read (the App reads only .github/egress-lint.yml)', async () => {
    const { ['.github/egress-lint.yml']: _, ...withoutConfig } = CLEAN_REPO;
    const dir = makeRepo({
      ...withoutConfig,
      '.github/egress-lint.yaml': 'failOn: warning\n',
      '.egress-lint.yml': 'failOn: warning\n',
    });
    const r = await runIn(dir, ['lint']);
    expect(r.err).toContain(
      'egress-lint: warning: .egress-lint.yml is not read; the config file is .github/egress-lint.yml',
    );
    expect(r.err).toContain('warning: .github/egress-lint.yaml is not read');
    expect((await runIn(makeRepo(CLEAN_REPO), ['lint'])).err).toBe('');
  });
});

describe('config errors', () => {
  it('are all reported at once, unknown rule ids and keys with "did you mean"', async () => {
    const dir = makeRepo({
      ...CLEAN_REPO,
      '.github/egress-lint.yml':
        'failOn: sometimes\nrules:\n  gateway-not-fund: error\nmesh:\n  rootNamespce: istio-system\n',
    });
    const r = await runIn(dir, ['lint']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      [
        'egress-lint: .github/egress-lint.yml:1:1: failOn must be one of error, warning, info, never',
        '.github/egress-lint.yml:3:3: rules.gateway-not-fund is not a rule egress-lint knows; did you mean gateway-not-found?',
        '.github/egress-lint.yml:5:3: mesh.rootNamespce is not a known setting (did you mean rootNamespace?)',
        '',
      ].join('\n'),
    );
  });
});

describe('--fail-on', () => {
  it('overrides failOn of the config for lint, render and diff', async () => {
    const warn = makeRepo(WARNING_REPO);
    expect((await runIn(warn, ['lint'])).code).toBe(0);
    expect((await runIn(warn, ['lint', '--fail-on', 'warning'])).code).toBe(1);
    expect((await runIn(warn, ['diff', 'mesh', 'mesh', '--fail-on', 'warning'])).code).toBe(1);
    const errors = makeRepo(ERROR_REPO);
    expect((await runIn(errors, ['lint', '--fail-on', 'never'])).code).toBe(0);
    expect((await runIn(errors, ['render', '--fail-on', 'never'])).code).toBe(0);
    expect((await runIn(errors, ['lint', '--fail-on', 'fatal'])).code).toBe(2);
  });
});

describe('linting only some files', () => {
  const REPO = {
    '.github/egress-lint.yml': 'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n',
    'mesh/gateway.yaml': egressGateway(),
    'mesh/policy.yaml': policyTo(
      '    - hosts: [httpbin.org]\n      port: {name: http, number: 80, protocol: HTTP}\n      byEgressGateway: {port: 80}\n',
      'egressgateway-b',
    ),
  };

  it('keeps cross-file errors: the rest of the project is read as context', async () => {
    const dir = makeRepo(REPO);
    const whole = await runIn(dir, ['lint', '--format', 'json']);
    const one = await runIn(dir, ['lint', 'mesh/policy.yaml', '--format', 'json']);
    const ruleOf = (out: string) =>
      JSON.parse(out).findings.map((f: { ruleId: string; severity: string; file: string }) => [
        f.ruleId,
        f.severity,
        f.file,
      ]);
    expect(ruleOf(whole.out)).toContainEqual(['gateway-not-found', 'error', 'mesh/policy.yaml']);
    expect(ruleOf(one.out)).toEqual(
      ruleOf(whole.out).filter(([, , file]: string[]) => file === 'mesh/policy.yaml'),
    );
    expect(one.code).toBe(1);
    // --isolated is the old behaviour: alone, the gateway is unknown, and that is only an info.
    const isolated = await runIn(dir, [
      'lint',
      'mesh/policy.yaml',
      '--isolated',
      '--format',
      'json',
    ]);
    expect(ruleOf(isolated.out)).toContainEqual(['gateway-not-found', 'info', 'mesh/policy.yaml']);
  });
});

describe('paths and ignore globs (picomatch, .gitignore-like)', () => {
  it('understands braces, classes and negation', () => {
    const s = createFileSelector({
      paths: ['teams/{payments,search}/**', 'clusters/[a-c]*', '!teams/search/draft'],
      ignore: [],
    });
    expect(s.includes('teams/payments/egress.yaml')).toBe(true);
    expect(s.includes('teams/search/egress.yaml')).toBe(true);
    expect(s.includes('teams/search/draft/p.yaml')).toBe(false);
    expect(s.includes('teams/other/egress.yaml')).toBe(false);
    expect(s.includes('clusters/beta/p.yaml')).toBe(true);
    expect(s.includes('clusters/prod/p.yaml')).toBe(false);
    expect(s.mayContain('docs')).toBe(false);
    expect(s.mayContain('teams/search')).toBe(true);
  });

  it('in ignore, a pattern without a slash matches at any depth, and ! takes a file back', () => {
    const s = createFileSelector({
      paths: [],
      ignore: ['*.tmpl.yaml', 'generated', '!generated/keep.yaml', '/top.yaml'],
    });
    expect(s.includes('a/b/x.tmpl.yaml')).toBe(false);
    expect(s.includes('a/generated/y.yaml')).toBe(false);
    expect(s.includes('generated/keep.yaml')).toBe(true);
    expect(s.includes('top.yaml')).toBe(false);
    expect(s.includes('sub/top.yaml')).toBe(true);
    expect(s.includes('.hidden/p.yaml')).toBe(true);
  });
});
