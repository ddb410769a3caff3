/** Inputs that used to crash every command, and how an internal error reads if one still happens. */
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { captureIO } from '../helpers/revisions.js';
import { egressGateway, policyTo } from '../rule-fixtures.js';
import { CLEAN_REPO, makeRepo } from './repos.js';
import { cli } from './run-cli.js';

async function runIn(cwd: string, args: string[], stdin = '') {
  const io = captureIO(cwd, {}, false, stdin);
  const code = await run(args, io);
  return { code, out: io.out, err: io.err };
}

const CYCLIC = policyTo(
  '    - hosts: [httpbin.org]\n      port: &A {number: *A, protocol: HTTP}\n',
);

const EVERY_COMMAND = [
  ['lint'],
  ['render'],
  ['explain', '--from', 'mytest', '--url', 'http://httpbin.org/'],
];

describe('inputs that crashed every command', () => {
  it('an alias into its own anchor is a yaml-syntax error at the alias', async () => {
    const dir = makeRepo({ ...CLEAN_REPO, 'mesh/policy.yaml': CYCLIC });
    for (const args of [...EVERY_COMMAND.map((a) => [...a, 'mesh']), ['diff', 'mesh', 'mesh']]) {
      const r = await runIn(dir, args);
      expect(r.err + r.out).not.toMatch(/internal error/);
      expect([0, 1]).toContain(r.code);
    }
    const lint = await runIn(dir, ['lint', '--format', 'json']);
    expect(lint.code).toBe(1);
    const found = JSON.parse(lint.out).findings.filter((f: { message: string }) =>
      /alias \*A/.test(f.message),
    );
    const lines = CYCLIC.split('\n');
    const line = lines.findIndex((l) => l.includes('*A')) + 1;
    expect(found).toMatchObject([
      {
        ruleId: 'yaml-syntax',
        file: 'mesh/policy.yaml',
        line,
        column: lines[line - 1]!.indexOf('*A') + 1,
      },
    ]);
  });

  it('~2,200 nested sequences in the config file are a config error with file and line', async () => {
    const deep = `paths: ${'['.repeat(2200)}${']'.repeat(2200)}\n`;
    const dir = makeRepo({ ...CLEAN_REPO, '.github/egress-lint.yml': deep });
    for (const args of EVERY_COMMAND) {
      const r = await runIn(dir, args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(
        /^egress-lint: \.github\/egress-lint\.yml:1:\d+: nesting deeper than 128/,
      );
    }
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'kind: %s under an ASM apiVersion is an unknown kind, not a crash',
    async (kind) => {
      const doc = `apiVersion: istio.alibabacloud.com/v1\nkind: ${kind}\nmetadata: {name: x, namespace: istio-egress}\nspec: {}\n`;
      const dir = makeRepo({ ...CLEAN_REPO, 'mesh/odd.yaml': doc });
      for (const args of EVERY_COMMAND) {
        const r = await runIn(dir, args);
        expect(r.err).not.toMatch(/internal error/);
        expect(r.code).toBe(0);
      }
    },
  );

  it('ServiceEntry hosts that are IPs, CIDRs or host:port crash no command', async () => {
    const se = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: odd-hosts, namespace: mytest}
spec:
  hosts: [10.0.0.1, 10.0.0.0/8, "example.com:443", "[::1]", "www.aliyun[.com"]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
`;
    const base = makeRepo(CLEAN_REPO);
    const head = makeRepo({ ...CLEAN_REPO, 'mesh/se.yaml': se });
    for (const args of [...EVERY_COMMAND.map((a) => [...a, head]), ['diff', base, head]]) {
      const r = await runIn(head, args);
      expect(r.err).not.toMatch(/internal error/);
      expect([0, 1]).toContain(r.code);
    }
  });
});

describe('mapping keys the yaml library only warns about', () => {
  // A process warning goes to the real stderr, not through CliIO: only the binary shows it.
  const LIBRARY_NOISE = /\(node:\d+\)|Warning:|mapAsMap/;
  const KEYS = `apiVersion: v1
kind: ConfigMap
metadata: {name: odd-keys, namespace: mytest}
data:
  [a, b]: x
  2024-01-01: day
`;

  // The mesh config inside istio's ConfigMap is YAML too, read by the library on its own.
  const MESH = `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: "{[a]: 1}: x"
`;

  it('a collection as a key is a yaml-syntax error at the key, and the library prints nothing', () => {
    const dir = makeRepo({ ...CLEAN_REPO, 'mesh/keys.yaml': KEYS, 'mesh/istio.yaml': MESH });
    const lint = cli(['lint', '--format', 'json'], { cwd: dir });
    expect(lint.stderr).toBe('');
    expect(lint.code).toBe(1);
    const { findings } = JSON.parse(lint.stdout) as { findings: { ruleId: string }[] };
    expect(findings.filter((f) => f.ruleId === 'yaml-syntax')).toMatchObject([
      {
        ruleId: 'yaml-syntax',
        severity: 'error',
        file: 'mesh/keys.yaml',
        line: 5,
        column: 3,
        message: expect.stringContaining('this one is a sequence; kubectl rejects the document'),
      },
    ]);
    for (const args of [
      ['render'],
      ['explain', '--from', 'mytest', '--url', 'http://httpbin.org/'],
      ['diff', 'mesh', 'mesh'],
    ]) {
      const r = cli(args, { cwd: dir });
      expect(r.stderr).not.toMatch(LIBRARY_NOISE);
      expect(r.stderr).not.toMatch(/internal error/);
    }
  });

  it('in the config file it is a config error with file and line, with nothing from the library', () => {
    const dir = makeRepo({
      ...CLEAN_REPO,
      '.github/egress-lint.yml': 'failOn: error\n{a: 1}: x\n',
    });
    const r = cli(['lint'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^egress-lint: \.github\/egress-lint\.yml:2:1: a mapping key must be a string, number or boolean, and this one is a mapping/,
    );
    expect(r.stderr).not.toMatch(LIBRARY_NOISE);
  });
});

describe('an internal error', () => {
  it('exits 3, apart from usage errors (2), and says how to report it', async () => {
    const dir = makeRepo(CLEAN_REPO);
    const io = captureIO(dir);
    io.stdout = () => {
      throw new Error('stdout went away');
    };
    const code = await run(['lint'], io);
    expect(code).toBe(3);
    expect(io.err).toMatch(/^egress-lint: internal error: stdout went away\n/);
    expect(io.err).toContain('This is a bug in egress-lint');
    expect(io.err).toContain('https://github.com/egress-lint/egress-lint/issues');
    expect(io.err).toContain('EGRESS_LINT_DEBUG=1');
    expect((await runIn(dir, ['lint', 'no/such/path'])).code).toBe(2);
  });
});

describe('standard input', () => {
  const stream = `${egressGateway()}---\n${policyTo('    - hosts: [httpbin.org]\n      port: {name: http, number: 80, protocol: HTTPX}\n')}`;

  it('lint - reads a multi-document stream and names it <stdin> with line numbers', async () => {
    const dir = makeRepo({ '.github/egress-lint.yml': 'failOn: error\n' });
    const r = await runIn(dir, ['lint', '-', '--format', 'json'], stream);
    expect(r.code).toBe(1);
    const { findings, summary } = JSON.parse(r.out);
    expect(summary.files).toBe(1);
    expect(findings.find((f: { ruleId: string }) => f.ruleId === 'schema')).toMatchObject({
      file: '<stdin>',
      line: expect.any(Number),
    });
    const schemaLine = findings.find((f: { ruleId: string }) => f.ruleId === 'schema').line;
    expect(stream.split('\n')[schemaLine - 1]).toContain('HTTPX');
  });

  it('render - and explain - read it too; diff takes - as either side', async () => {
    const clean = `${egressGateway()}---\n${policyTo('    - hosts: [httpbin.org]\n      port: {name: http, number: 80, protocol: HTTP}\n      byEgressGateway: {port: 80}\n')}`;
    const dir = makeRepo({ ...CLEAN_REPO });
    const render = await runIn(dir, ['render', '-'], clean);
    expect(render.code).toBe(0);
    expect(render.out).toContain('kind: ServiceEntry');
    const explain = await runIn(
      dir,
      ['explain', '-', '--from', 'mytest', '--url', 'http://httpbin.org/', '--format', 'json'],
      clean,
    );
    expect(JSON.parse(explain.out).verdict).toBe('allowed-via-gateway');
    const diff = await runIn(
      dir,
      ['diff', 'mesh', '-', '--format', 'json'],
      clean.replace('httpbin.org', 'example.org'),
    );
    expect(diff.code).toBe(0);
    expect(diff.out).toContain('example.org');
    expect((await runIn(dir, ['diff', '-', '-'], clean)).code).toBe(2);
    expect((await runIn(dir, ['diff', '--base', 'HEAD', '-'], clean)).err).toContain(
      'standard input',
    );
  });

  it('a Go template is named once per file, with the command that renders it, not parser noise', async () => {
    const chart = `apiVersion: istio.alibabacloud.com/v1
kind: ASMEgressTrafficPolicy
metadata:
  name: {{ .Release.Name }}
{{- if .Values.egress }}
spec:
  egressRules: {{ toYaml .Values.rules | nindent 4 }}
{{- end }}
`;
    const dir = makeRepo({});
    const r = await runIn(dir, ['lint', '-', '--format', 'json'], chart);
    const { findings } = JSON.parse(r.out);
    expect(findings).toMatchObject([
      {
        ruleId: 'yaml-syntax',
        severity: 'warning',
        file: '<stdin>',
        line: 4,
        column: 9,
        message: expect.stringContaining('render it first (helm template'),
      },
    ]);
  });

  it('leaves YAML with Argo-style {{placeholders}} and commented templates alone', async () => {
    const dir = makeRepo({});
    const text = `# name: {{ .Release.Name }}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: "{{workflow.name}}"}\n`;
    const r = await runIn(dir, ['lint', '-', '--format', 'json'], text);
    expect(JSON.parse(r.out).findings).toEqual([]);
  });
});
