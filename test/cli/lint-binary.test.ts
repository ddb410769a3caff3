/**
 * The real `egress-lint` binary (dist/, built by the global setup): every format, the exit codes, and
 * that each format reports the same findings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/report/json.js';
import { CLEAN_REPO, ERROR_REPO, makeRepo, WARNING_REPO } from './repos.js';
import { cli as runBinary } from './run-cli.js';

/** The shared binary runner, colour variables cleared unless a test sets them. */
function cli(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): { status: number; stdout: string; stderr: string } {
  const r = runBinary(args, { cwd, env: { NO_COLOR: '', FORCE_COLOR: '', ...env } });
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** `ruleId file:line` of every finding a report shows (suppressed ones left out). */
function shown(format: string, out: string): string[] {
  switch (format) {
    case 'json':
      return (JSON.parse(out) as JsonReport).findings
        .filter((f) => !f.suppressed)
        .map((f) => `${f.ruleId} ${f.file}:${f.line}`);
    case 'sarif': {
      const run = (
        JSON.parse(out) as {
          runs: {
            results: {
              ruleId: string;
              suppressions?: unknown;
              locations: {
                physicalLocation: {
                  artifactLocation: { uri: string };
                  region: { startLine: number };
                };
              }[];
            }[];
          }[];
        }
      ).runs[0]!;
      return run.results
        .filter((r) => !r.suppressions)
        .map(
          (r) =>
            `${r.ruleId} ${r.locations[0]!.physicalLocation.artifactLocation.uri}:${r.locations[0]!.physicalLocation.region.startLine}`,
        );
    }
    case 'github':
      return out
        .split('\n')
        .filter((l) => l.startsWith('::'))
        .map((l) => {
          const m = /file=([^,]*),line=(\d+),.*title=egress-lint ([a-z-]+)::/.exec(l)!;
          return `${m[3]} ${m[1]}:${m[2]}`;
        });
    default: {
      const out2: string[] = [];
      let file = '';
      for (const l of out.split('\n')) {
        const m = /^ {2}(\d+):\d+ +\S+ .* {2}([a-z-]+)$/.exec(l);
        if (m) out2.push(`${m[2]} ${file}:${m[1]}`);
        else if (l && !l.startsWith(' ')) file = l;
      }
      return out2;
    }
  }
}

describe('egress-lint lint (binary)', () => {
  let clean: string, warning: string, errors: string;
  beforeAll(() => {
    clean = makeRepo(CLEAN_REPO);
    warning = makeRepo(WARNING_REPO);
    errors = makeRepo(ERROR_REPO);
  });

  it('exits 0 on a clean repository, and says so', () => {
    const r = cli(['lint'], clean);
    expect(r).toEqual({
      status: 0,
      stdout: '0 errors, 0 warnings, 0 infos in 2 files (2 resources)\n',
      stderr: '',
    });
  });

  it('exits 0 with warnings below the failOn threshold, 1 when failOn is warning', () => {
    expect(cli(['lint'], warning).status).toBe(0);
    expect(cli(['lint', '--config', '.github/egress-lint.yml', '.'], warning).status).toBe(0);
    const strict = makeRepo({
      ...WARNING_REPO,
      '.github/egress-lint.yml': `${WARNING_REPO['.github/egress-lint.yml']}failOn: warning\n`,
    });
    expect(cli(['lint'], strict).status).toBe(1);
  });

  for (const format of ['text', 'json', 'sarif', 'github']) {
    it(`--format ${format}: exit 1 on errors, the same findings as every other format`, () => {
      const r = cli(['lint', '--format', format], errors);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('');
      const expected = shown('json', cli(['lint', '--format', 'json'], errors).stdout);
      expect(expected).toEqual([
        'gateway-not-found mesh/other.yaml:10',
        'hosts-resolve-same mesh/policy.yaml:13',
        'gateway-port-mismatch mesh/policy.yaml:15',
      ]);
      expect(shown(format, r.stdout)).toEqual(expected);
    });
  }

  it('counts the suppressed finding in every format', () => {
    expect(cli(['lint'], errors).stdout).toMatch(
      /\n2 errors, 0 warnings, 1 info, 1 suppressed in 3 files \(3 resources\)\n$/,
    );
    expect(
      (JSON.parse(cli(['lint', '-f', 'json'], errors).stdout) as JsonReport).summary.suppressed,
    ).toBe(1);
    expect(cli(['lint', '-f', 'sarif'], errors).stdout).toContain('"kind": "inSource"');
    expect(cli(['lint', '-f', 'github'], errors).stdout).toMatch(/1 suppressed/);
  });

  it('writes the report to --output and keeps the exit code', () => {
    const r = cli(['lint', '--format', 'sarif', '--output', 'results.sarif'], errors);
    expect(r).toMatchObject({ status: 1, stdout: '', stderr: '' });
    expect(
      (JSON.parse(readFileSync(join(errors, 'results.sarif'), 'utf8')) as { version: string })
        .version,
    ).toBe('2.1.0');
  });

  it('colours text only on request: FORCE_COLOR, unless NO_COLOR', () => {
    expect(cli(['lint'], errors).stdout).not.toContain('\u001b[');
    expect(cli(['lint'], errors, { FORCE_COLOR: '1' }).stdout).toContain('\u001b[31m');
    expect(cli(['lint'], errors, { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toContain(
      '\u001b[',
    );
    expect(cli(['lint', '-f', 'json'], errors, { FORCE_COLOR: '1' }).stdout).not.toContain(
      '\u001b[',
    );
  });

  const usageErrors: [string, string[], RegExp][] = [
    [
      'an unknown format',
      ['lint', '--format', 'xml'],
      /argument 'xml' is invalid. Allowed choices are text, json, sarif, github/,
    ],
    ['a path that does not exist', ['lint', 'nowhere'], /^egress-lint: path not found: nowhere\n$/],
    [
      'a config file that does not exist',
      ['lint', '--config', 'missing.yml'],
      /^egress-lint: cannot read config missing.yml: ENOENT\n$/,
    ],
    ['an unknown option', ['lint', '--colour'], /unknown option '--colour'/],
    [
      'an unwritable output',
      ['lint', '--output', 'no/such/dir/out.txt'],
      /^egress-lint: cannot write no\/such\/dir\/out.txt: ENOENT\n$/,
    ],
  ];
  for (const [what, args, message] of usageErrors) {
    it(`exits 2 on ${what}, with a message and no stack trace`, () => {
      const r = cli(args, clean);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('exits 2 on an invalid config with file:line in every format', () => {
    const bad = makeRepo({
      ...CLEAN_REPO,
      '.github/egress-lint.yml': 'rules:\n  policy-name: loud\n',
    });
    for (const format of ['text', 'json', 'sarif', 'github']) {
      const r = cli(['lint', '-f', format], bad);
      expect(r).toEqual({
        status: 2,
        stdout: '',
        stderr:
          'egress-lint: .github/egress-lint.yml:2:3: rules.policy-name must be one of off, info, warning, error\n',
      });
    }
  });

  it('answers --help for every command with exit 0', () => {
    for (const args of [
      ['--help'],
      ['lint', '--help'],
      ['rules', '--help'],
      ['render', '--help'],
    ]) {
      const r = cli(args, clean);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: egress-lint/);
    }
  });
});

describe('egress-lint rules (binary)', () => {
  it('lists every rule as text and as JSON', () => {
    const root = makeRepo({});
    const text = cli(['rules'], root);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(
      /\ngateway-port-mismatch +error\n {2}to\[\]\.byEgressGateway\.port is not a port of the egress gateway/,
    );
    const json = cli(['rules', '--format', 'json'], root);
    const ids = (JSON.parse(json.stdout) as { rules: { id: string }[] }).rules.map((r) => r.id);
    expect(ids).toContain('registry-only-missing');
    expect(text.stdout).toContain(`\n${ids.length} rules\n`);
  });
});
