import { chmodSync, mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { cli } from './run-cli.js';

const POLICY = `apiVersion: istio.alibabacloud.com/v1
kind: ASMEgressTrafficPolicy
metadata: {name: egress-by-egressgateway, namespace: istio-egress}
spec:
  byEgressGateway: {name: egressgateway}
  egressRules:
  - from: [{namespace: mytest, workloadSelector: {app: sleep-a}}]
    to:
    - hosts: [httpbin.org]
      port: {name: http, number: 80, protocol: HTTP}
      byEgressGateway: {port: 80}
`;

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'egress-lint-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

describe('egress-lint render', () => {
  it('prints multi-document YAML that kubectl can read, and exits 0', () => {
    const r = cli(['render', 'fixtures/seeds/asm-http']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string });
    expect(docs.map((d) => d.kind)).toEqual([
      'ServiceEntry',
      'Gateway',
      'DestinationRule',
      'VirtualService',
    ]);
  });

  it('prints a JSON array with --format json', () => {
    const r = cli(['render', '--format', 'json', 'fixtures/seeds/asm-tcp']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { kind: string }[]).map((x) => x.kind)).toEqual([
      'ServiceEntry',
      'Gateway',
      'DestinationRule',
      'VirtualService',
    ]);
  });

  it('reports broken input on stderr with file:line, renders the rest, and exits 1', () => {
    const dir = repo({
      'good.yaml': POLICY,
      'bad.yaml': POLICY.replace('egress-by-egressgateway', 'other').replace(
        'protocol: HTTP',
        'protocol: HTTPX',
      ),
    });
    const r = cli(['render', dir], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^bad\.yaml:10:38: error: spec\.egressRules\[0\]\.to\[0\]\.port\.protocol must be one of .* \[schema\]\n$/,
    );
    expect(r.stdout).toContain('name: egress-by-egressgateway-httpbin-org-80');
  });

  it('reads the project config under the scanned root (mesh defaults, failOn)', () => {
    const dir = repo({
      'p.yaml': POLICY.replace('protocol: HTTP', 'protocol: HTTPX'),
      '.github/egress-lint.yml': 'failOn: never\nmesh:\n  gatewayNamespace: egress-gateways\n',
      'q.yaml': POLICY.replace('egress-by-egressgateway', 'egress-by-other').replace(
        'egressgateway}',
        'other}',
      ),
    });
    const r = cli(['render', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('namespace: egress-gateways');
  });

  it('takes the config paths as globs and leaves out what ignore names', () => {
    const bad = POLICY.replace('protocol: HTTP', 'protocol: HTTPX');
    const dir = repo({
      '.github/egress-lint.yml': 'paths: ["teams/*/egress"]\nignore: ["teams/old/**"]\n',
      'teams/a/egress/p.yaml': POLICY,
      'teams/a/notes/ignored.yaml': bad,
      'teams/old/egress/stale.yaml': bad,
      'elsewhere.yaml': bad,
    });
    const r = cli(['render'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('egress-by-egressgateway-httpbin-org-80');
  });

  it('exits 2 with a clear message for usage and I/O errors, never a stack trace', () => {
    const missing = cli(['render', 'no/such/dir']);
    expect([missing.code, missing.stderr]).toEqual([
      2,
      'egress-lint: path not found: no/such/dir\n',
    ]);
    const badFormat = cli(['render', '--format', 'xml']);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toMatch(/argument 'xml' is invalid. Allowed choices are yaml, json/);
    const dir = repo({ '.github/egress-lint.yml': 'failOn: sometimes\n', 'p.yaml': POLICY });
    const badConfig = cli(['render', dir], { cwd: dir });
    expect([badConfig.code, badConfig.stderr]).toEqual([
      2,
      'egress-lint: .github/egress-lint.yml:1:1: failOn must be one of error, warning, info, never\n',
    ]);
    const unknown = cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    for (const r of [missing, badFormat, badConfig, unknown])
      expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('has --help for the program and the command', () => {
    const top = cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/render .*print the Istio resources/);
    const sub = cli(['render', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/--format <format>/);
  });

  // Root reads every file whatever its mode, so this can only be shown as an ordinary user.
  it.skipIf(process.getuid?.() === 0)(
    'treats an unreadable file as a finding and still renders the others',
    () => {
      const dir = repo({ 'good.yaml': POLICY, 'locked.yaml': POLICY });
      chmodSync(join(dir, 'locked.yaml'), 0);
      const r = cli(['render', dir], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('locked.yaml:1:1: error: cannot read file (EACCES)');
    },
  );
});

describe('every command', () => {
  it.each(['lint', 'render', 'diff', 'explain', 'rules'])(
    '%s has --help, exit 0, lines that fit 80 columns',
    (command) => {
      const r = cli([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: egress-lint ${command} `));
      for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    },
  );
});
