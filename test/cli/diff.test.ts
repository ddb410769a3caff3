/**
 * `egress-lint diff`: folder pairs, `--base` against a temporary git repository made here, formats,
 * and exit codes (0 clean, 1 findings in the head, 2 usage or I/O error, never a stack trace).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import type { DiffJson } from '../../src/report/diff-json.js';
import { STICKY_COMMENT_MARKER } from '../../src/report/markdown.js';
import { captureIO, REPO_ROOT } from '../helpers/revisions.js';

const REVISIONS = join(REPO_ROOT, 'fixtures/revisions');

async function cli(args: string[], cwd = REPO_ROOT, env: Record<string, string> = {}) {
  const io = captureIO(cwd, env);
  const code = await run(args, io);
  return { code, out: io.out, err: io.err };
}

const json = (out: string): DiffJson => JSON.parse(out) as DiffJson;
const names = (d: DiffJson): string[] =>
  d.changes.map((c) => `${c.change} ${c.kind} ${c.namespace}/${c.name}`);

describe('egress-lint diff <old> <new>', () => {
  it('prints the changes as text, markdown and JSON, with the same result and exit code', async () => {
    const args = [join(REVISIONS, 'port-changed/base'), join(REVISIONS, 'port-changed/head')];
    const text = await cli(['diff', ...args]);
    expect(text.code).toBe(0);
    expect(text.err).toBe('');
    expect(text.out).toContain('Resource changes: 0 added, 0 removed, 4 changed (2 unchanged)');
    expect(text.out).toContain(
      '~ changed Gateway istio-system/egress-by-egressgateway  rendered from policy istio-egress/egress-by-egressgateway, egress-by-egressgateway.yaml:25',
    );
    expect(text.out).toContain('    -      number: 444\n');
    expect(text.out).not.toContain('\u001b['); // not a terminal: no colour
    expect(text.out.trimEnd().split('\n').pop()).toBe('passes: 0 errors, 0 warnings');

    const out = await cli(['diff', ...args, '--format', 'json']);
    expect(out.code).toBe(0);
    const d = json(out.out);
    expect(d.verdict).toBe('passes');
    expect(d.summary).toEqual({
      added: 0,
      removed: 0,
      changed: 4,
      unchanged: 2,
      errors: 0,
      warnings: 0,
      infos: 0,
      suppressed: 0,
    });
    expect(d.changes[1]).toMatchObject({
      change: 'changed',
      origin: 'rendered',
      apiVersion: 'networking.istio.io/v1',
      group: 'networking.istio.io',
      kind: 'Gateway',
      namespace: 'istio-system',
      name: 'egress-by-egressgateway',
      policy: { namespace: 'istio-egress', name: 'egress-by-egressgateway' },
      location: { file: 'egress-by-egressgateway.yaml', line: 25, column: 9 },
      baseLocation: { file: 'egress-by-egressgateway.yaml', line: 8, column: 3 },
      additions: 2,
      deletions: 2,
    });

    const md = await cli(['diff', ...args, '--format', 'markdown']);
    expect(md.code).toBe(0);
    expect(md.out.startsWith(`${STICKY_COMMENT_MARKER}\n### ✅ egress-lint: passes`)).toBe(true);
    expect(md.out).toContain('<code>egress\\-lint diff ');
  });

  it('colours text on a terminal (or with FORCE_COLOR), and not with NO_COLOR', async () => {
    const args = ['diff', join(REVISIONS, 'host-added/base'), join(REVISIONS, 'host-added/head')];
    expect((await cli(args, REPO_ROOT, { FORCE_COLOR: '1' })).out).toContain(
      '\u001b[32m    +  - httpbin.org\u001b[0m',
    );
    const io = captureIO(REPO_ROOT, { NO_COLOR: '1' }, true);
    await run(args, io);
    expect(io.out).not.toContain('\u001b[');
  });

  it('exits 1 when the new side has findings at or above failOn', async () => {
    const r = await cli([
      'diff',
      join(REVISIONS, 'reformatted-istio/base'),
      join(REVISIONS, 'reformatted-istio/head'),
      '--format',
      'json',
    ]);
    expect(r.code).toBe(1);
    const d = json(r.out);
    expect(d.verdict).toBe('blocked');
    expect(d.changes).toEqual([]);
    // The seed's subset name is not a DNS label: Istio rejects the DestinationRule (schema), so the
    // VirtualService routes to a subset nobody defines (dr-subset-missing).
    expect(d.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual([
      'egress-aliyun.yaml:12 dr-subset-missing',
      'egress-aliyun.yaml:49 schema',
    ]);
  });

  it('exits 2 with a message for usage and I/O errors', async () => {
    const one = await cli(['diff', join(REVISIONS, 'port-changed/base')]);
    expect(one.code).toBe(2);
    expect(one.err).toBe(
      'egress-lint: diff needs two paths (<old> <new>), or --base <git-ref> (run with --help for usage)\n',
    );
    const missing = await cli(['diff', join(REVISIONS, 'port-changed/base'), 'no/such/dir']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^egress-lint: path not found: .*no\/such\/dir\n$/);
    const format = await cli(['diff', 'a', 'b', '--format', 'sarif']);
    expect(format.code).toBe(2);
    expect(format.err).toContain("argument 'sarif' is invalid");
  });
});

describe('egress-lint diff --base <git-ref>', () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      [
        '-c',
        'user.name=Test',
        '-c',
        'user.email=test@example.com',
        '-c',
        'commit.gpgsign=false',
        ...args,
      ],
      { cwd: repo, encoding: 'utf8' },
    );
  const write = (path: string, text: string) => {
    mkdirSync(join(repo, path, '..'), { recursive: true });
    writeFileSync(join(repo, path), text);
  };

  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), 'egress-lint-diff-'));
    cpSync(join(REVISIONS, 'https-upgrade-on/base'), join(repo, 'mesh'), { recursive: true });
    cpSync(join(REVISIONS, 'https-upgrade-on/base/.github'), join(repo, '.github'), {
      recursive: true,
    });
    write('README.md', 'not YAML\n');
    write('mesh/.github/workflow.yaml', 'name: ci\n'); // skipped like in the directory walk
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  it('compares the working tree with the ref, reading the old files with git', async () => {
    cpSync(
      join(REVISIONS, 'https-upgrade-on/head/egress-by-egressgateway.yaml'),
      join(repo, 'mesh/egress-by-egressgateway.yaml'),
    );
    const folders = json(
      (
        await cli([
          'diff',
          join(REVISIONS, 'https-upgrade-on/base'),
          join(REVISIONS, 'https-upgrade-on/head'),
          '-f',
          'json',
        ])
      ).out,
    );

    const r = await cli(['diff', '--base', 'main', '--format', 'json'], repo);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const d = json(r.out);
    expect(names(d)).toEqual(names(folders));
    // Paths as the user sees them from the working directory, on both sides.
    expect(d.changes[0]!.location).toEqual({
      file: 'mesh/egress-by-egressgateway.yaml',
      line: 26,
      column: 7,
    });
    expect(d.changes[0]!.baseLocation?.file).toBe('mesh/egress-by-egressgateway.yaml');
    expect(d.summary.unchanged).toBe(2);

    // From a subfolder, with a path argument and a commit id.
    const sha = git('rev-parse', 'HEAD').trim();
    const sub = await cli(['diff', '--base', sha, '.', '-f', 'json'], join(repo, 'mesh'));
    expect(sub.code).toBe(0);
    expect(names(json(sub.out))).toEqual(names(folders));
  });

  it('new, deleted and untouched files: added, removed, nothing', async () => {
    rmSync(join(repo, 'mesh/egress-gateway.yaml'));
    write(
      'mesh/extra/serviceentry.yaml',
      'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: api, namespace: mytest}\nspec: {hosts: [api.example.com], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}\n',
    );
    const d = json((await cli(['diff', '--base', 'HEAD', '-f', 'json'], repo)).out);
    expect(names(d)).toEqual([
      'removed IstioGateway istio-system/egressgateway',
      'added ServiceEntry mytest/api',
    ]);
    expect(d.changes[1]!.location).toEqual({
      file: 'mesh/extra/serviceentry.yaml',
      line: 1,
      column: 1,
    });
  });

  it("uses the base's config for both sides, so a change cannot switch its own checks off", async () => {
    write('.github/egress-lint.yml', 'rules:\n  schema: "off"\n');
    write(
      'mesh/broken.yaml',
      'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: broken, namespace: mytest}\nspec: {hosts: [], location: SOMEWHERE}\n',
    );
    const r = await cli(['diff', '--base', 'main', '-f', 'json'], repo);
    expect(r.code).toBe(1);
    const d = json(r.out);
    expect(d.findings.filter((f) => f.ruleId === 'schema').length).toBeGreaterThan(0);
    expect(d.notes).toEqual([
      ".github/egress-lint.yml changes in the head; checks use the base's config (as the GitHub App does) until the change is merged. Pass --config to try the new one.",
    ]);
    // An explicit --config is the user's choice, for both sides.
    const explicit = await cli(
      ['diff', '--base', 'main', '--config', '.github/egress-lint.yml', '-f', 'json'],
      repo,
    );
    expect(explicit.code).toBe(0);
    expect(json(explicit.out).notes).toEqual([]);
  });

  it('exits 2 for an unknown ref, a ref that looks like an option, and outside a git repository', async () => {
    const unknown = await cli(['diff', '--base', 'no-such-branch'], repo);
    expect(unknown).toMatchObject({
      code: 2,
      out: '',
      err: 'egress-lint: unknown git ref: no-such-branch\n',
    });
    const option = await cli(['diff', '--base=--output=/tmp/x'], repo);
    expect(option.code).toBe(2);
    expect(option.err).toBe('egress-lint: invalid git ref: "--output=/tmp/x"\n');
    const outside = mkdtempSync(join(tmpdir(), 'egress-lint-nogit-'));
    try {
      const r = await cli(['diff', '--base', 'main'], outside);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^egress-lint: not a git repository: /);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('the installed binary: exit code and message, no stack trace', () => {
    const bin = join(REPO_ROOT, 'dist/src/cli/main.js');
    const r = spawnSync(process.execPath, [bin, 'diff', '--base', 'v9.9.9'], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('egress-lint: unknown git ref: v9.9.9\n');
    const ok = spawnSync(process.execPath, [bin, 'diff', '--base', 'main'], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('Resource changes: 0 added, 0 removed, 0 changed (6 unchanged)');
    expect(readFileSync(join(repo, 'README.md'), 'utf8')).toBe('not YAML\n'); // nothing checked out or written
  });
});

describe('access changes in egress-lint diff (the simulator, base against head)', () => {
  const cases: [string, string[]][] = [
    [
      'host-added',
      ['mytest/app=sleep-a -> http://httpbin.org:80: blocked-unregistered -> allowed-via-gateway'],
    ],
    [
      'https-upgrade-on',
      [
        'mytest/app=sleep-a -> https://httpbin.org:443: blocked-unregistered -> allowed-direct',
        'mytest/app=sleep-a -> https://www.httpbin.org:443: blocked-unregistered -> allowed-direct',
      ],
    ],
    [
      'rule-removed',
      [
        'mytest/app=sleep-a -> tcp://www.alibabacloud.com:443: allowed-via-gateway -> blocked-unregistered',
      ],
    ],
    // Seed 003's origination DestinationRule now applies on 443, to sidecars too: their own HTTPS is
    // wrapped in a second TLS layer.
    [
      'istio-003-upstream-port',
      [
        'default/* -> https://test.com:443: allowed-direct -> broken',
        '(unlisted namespace)/* -> https://test.com:443: allowed-direct -> broken',
      ],
    ],
    ['port-changed', []],
    ['reformatted-policy', []],
  ];
  for (const [pair, expected] of cases) {
    it(`${pair}: ${expected.length} access change(s), the same in JSON and text`, async () => {
      const args = ['diff', join(REVISIONS, pair, 'base'), join(REVISIONS, pair, 'head')];
      const d = json((await cli([...args, '--format', 'json'])).out);
      expect(
        (d.access?.rows ?? []).map(
          (r) => `${r.source} -> ${r.destination}: ${r.before} -> ${r.after}`,
        ),
      ).toEqual(expected);
      const text = (await cli(args, REPO_ROOT, { NO_COLOR: '1' })).out;
      for (const line of expected) expect(text).toContain(line);
      if (expected.length === 0) expect(text).not.toContain('Access changes');
    });
  }
});

describe('ServiceEntry hosts of any shape (issue 11: diff and the App died with "internal error")', () => {
  it('hosts Istio rejects are schema findings, an address-matched proxy is a destination, nothing crashes', async () => {
    const pair = join(REVISIONS, 'serviceentry-host-shapes');
    const args = ['diff', join(pair, 'base'), join(pair, 'head')];
    const text = await cli(args, REPO_ROOT, { NO_COLOR: '1' });
    expect(text.err).toBe('');
    expect(text.code).toBe(1);
    expect(text.out).toContain(
      'Istio rejects this ServiceEntry: host "10.1.0.0/16", a CIDR block (addresses go under spec.addresses)',
    );
    const d = json((await cli([...args, '--format', 'json'])).out);
    expect(
      (d.access?.rows ?? []).map(
        (r) => `${r.source} -> ${r.destination}: ${r.before} -> ${r.after}`,
      ),
    ).toEqual([
      'mytest/* -> tcp://proxy.example.com:3128: blocked-unregistered -> allowed-direct',
      // The IP the head adds to the policy gets its rendered ServiceEntry rejected whole.
      'mytest/app=sleep-a -> https://httpbin.org:443: allowed-via-gateway -> blocked-unregistered',
      'mytest/app=sleep-a -> tcp://proxy.example.com:3128: blocked-unregistered -> allowed-direct',
      'mytest/app=sleep-a -> https://www.httpbin.org:443: allowed-via-gateway -> blocked-unregistered',
      '(unlisted namespace)/* -> tcp://proxy.example.com:3128: blocked-unregistered -> allowed-direct',
    ]);
  });
});
