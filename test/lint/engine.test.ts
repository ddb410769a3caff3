import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../rules/index.js';
import { analyzeSources, istioIndexOf } from '../../src/analyze.js';
import { exitCodeFor } from '../../src/cli/workspace.js';
import { run } from '../../src/cli/program.js';
import {
  ConfigError,
  DEFAULT_CONFIG,
  parseProjectConfig,
  type ProjectConfig,
} from '../../src/config/project-config.js';
import { INTERNAL_ERROR_RULE, lint } from '../../src/lint/engine.js';
import { defineRule } from '../../src/lint/rule.js';
import { captureIO } from '../helpers/revisions.js';
import { policyTo } from '../rule-fixtures.js';

/** A policy that breaks policy-name (warning) and gateway-not-found (info: no gateway declared). */
const policy = (annotations = ''): string =>
  policyTo(
    '    - hosts: [httpbin.org]\n      port: {number: 80, protocol: HTTP}\n',
    'egressgateway',
  ).replace(
    '  name: egress-by-egressgateway\n  namespace: istio-egress\n',
    `  name: httpbin-egress\n  namespace: istio-egress\n${annotations ? `  annotations:\n    egress-lint.io/ignore: "${annotations}"\n` : ''}`,
  );

const REGISTRY_ONLY = 'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n';

function lintText(yaml: string, configText = REGISTRY_ONLY, rules = RULES) {
  const config = parseProjectConfig(configText, 'egress-lint.yml');
  const result = lint(
    analyzeSources([{ path: 'policy.yaml', content: yaml }], config),
    config,
    rules,
  );
  return {
    ...result,
    config,
    brief: result.findings.map(
      (f) => `${f.ruleId}@${f.line}:${f.severity}${f.suppressed ? ':suppressed' : ''}`,
    ),
  };
}

describe('lint engine', () => {
  it('reports each rule with its default severity', () => {
    expect(lintText(policy()).brief).toEqual(['policy-name@4:warning', 'gateway-not-found@8:info']);
  });

  it('lets go of the route uses its rules shared when they are done, and finds the same again', () => {
    const config = parseProjectConfig(REGISTRY_ONLY, 'egress-lint.yml');
    const analysis = analyzeSources([{ path: 'policy.yaml', content: policy() }], config);
    const index = istioIndexOf(analysis);
    const before = index.routeUses();
    expect(before.length).toBeGreaterThan(0);
    expect(index.routeUses()).toBe(before);
    lint(analysis, config, RULES);
    const after = index.routeUses();
    expect(after).not.toBe(before);
    expect(after).toEqual(before);
  });

  it('applies severity overrides from the config', () => {
    const r = lintText(
      policy(),
      `${REGISTRY_ONLY}rules:\n  policy-name: error\n  gateway-not-found: warning\n`,
    );
    expect(r.brief).toEqual(['policy-name@4:error', 'gateway-not-found@8:warning']);
    expect(r.summary).toMatchObject({
      errors: 1,
      warnings: 1,
      infos: 0,
      suppressed: 0,
      files: 1,
      resources: 1,
    });
  });

  it('drops rules turned off, stage rules included', () => {
    expect(lintText(policy(), `${REGISTRY_ONLY}rules:\n  policy-name: off\n`).brief).toEqual([
      'gateway-not-found@8:info',
    ]);
    const broken = policy().replace('number: 80', 'number: 99999');
    expect(lintText(broken).brief).toContain('schema@14:error');
    expect(lintText(broken, `${REGISTRY_ONLY}rules:\n  schema: off\n`).brief).not.toContain(
      'schema@14:error',
    );
  });

  it('counts suppressed findings instead of dropping them', () => {
    const r = lintText(policy('policy-name, gateway-not-found'));
    expect(r.brief).toEqual([
      'policy-name@4:warning:suppressed',
      'gateway-not-found@10:info:suppressed',
    ]);
    expect(r.summary).toMatchObject({ errors: 0, warnings: 0, infos: 0, suppressed: 2 });
  });

  it('suppresses stage findings (schema) by the annotation of their resource', () => {
    const broken = policy('schema').replace('number: 80', 'number: 99999');
    expect(lintText(broken).brief).toContain('schema@16:error:suppressed');
    expect(lintText(broken.replace('"schema"', '"policy-name"')).brief).toContain(
      'schema@16:error',
    );
  });

  it('suppresses every rule with "all", and only the listed rules otherwise', () => {
    expect(lintText(policy('all')).brief.every((b) => b.endsWith(':suppressed'))).toBe(true);
    expect(lintText(policy('policy-name')).brief).toEqual([
      'policy-name@4:warning:suppressed',
      'gateway-not-found@10:info',
    ]);
  });

  it("places findings on rendered resources at the policy line, suppressed by the policy's annotation", () => {
    const onServiceEntry = defineRule({
      meta: {
        id: 'test-rendered',
        severity: 'error',
        description: 'reports every rendered ServiceEntry',
        kinds: ['ServiceEntry'],
      },
      check({ rendered, report }) {
        for (const r of rendered)
          if (r.kind === 'ServiceEntry')
            report({ resource: r, path: ['spec', 'hosts'], message: 'rendered' });
      },
    });
    const plain = lintText(policy(), REGISTRY_ONLY, [onServiceEntry]);
    expect(plain.findings).toMatchObject([
      {
        ruleId: 'test-rendered',
        file: 'policy.yaml',
        line: 13,
        column: 7,
        resource: { kind: 'ServiceEntry' },
      },
    ]);
    expect(exitCodeFor(plain.findings, plain.config)).toBe(1);
    const quiet = lintText(policy('test-rendered'), REGISTRY_ONLY, [onServiceEntry]);
    expect(quiet.brief).toEqual(['test-rendered@15:error:suppressed']);
    expect(quiet.summary.errors).toBe(0);
    expect(exitCodeFor(quiet.findings, quiet.config)).toBe(0);
  });

  it('keeps the other rules when one throws, and says which failed', () => {
    const broken = defineRule({
      meta: { id: 'test-broken', severity: 'warning', description: 'always throws', kinds: ['*'] },
      check() {
        throw new Error('boom');
      },
    });
    const r = lintText(policy(), REGISTRY_ONLY, [broken, ...RULES]);
    expect(r.findings.find((f) => f.ruleId === INTERNAL_ERROR_RULE)?.message).toBe(
      'rule test-broken failed: boom',
    );
    expect(r.brief).toContain('policy-name@4:warning');
  });

  it('reports a finding once, in a stable order', () => {
    const twice = defineRule({
      meta: {
        id: 'test-twice',
        severity: 'info',
        description: 'reports the same thing twice',
        kinds: ['*'],
      },
      check({ configSet, report }) {
        for (const p of [...configSet.policies].reverse()) {
          report({ resource: p.resource, path: ['spec'], message: `twice ${p.resource.name}` });
          report({ resource: p.resource, path: ['spec'], message: `twice ${p.resource.name}` });
        }
      },
    });
    const config = DEFAULT_CONFIG;
    const files = ['b', 'a'].map((n) => ({
      path: `${n}.yaml`,
      content: policy().replace('httpbin-egress', n),
    }));
    const r = lint(analyzeSources(files, config), config, [twice]);
    expect(r.findings.map((f) => `${f.file} ${f.message}`)).toEqual([
      'a.yaml twice a',
      'b.yaml twice b',
    ]);
  });
});

describe('failure threshold (failOn) and exit code', () => {
  const cases: [string, ProjectConfig['failOn'], 0 | 1][] = [
    ['', 'error', 0],
    ['rules:\n  policy-name: error\n', 'error', 1],
    ['failOn: warning\n', 'warning', 1],
    ['failOn: info\nrules:\n  policy-name: off\n', 'info', 1],
    ['failOn: warning\nrules:\n  policy-name: off\n', 'warning', 0],
    ['failOn: never\nrules:\n  policy-name: error\n', 'never', 0],
  ];
  for (const [extra, failOn, code] of cases) {
    it(`failOn ${failOn}${extra.includes('rules') ? ` (${extra.split('\n').slice(-2, -1)[0]!.trim()})` : ''} -> exit ${code}`, () => {
      const r = lintText(policy(), `${REGISTRY_ONLY}${extra}`);
      expect(r.config.failOn).toBe(failOn);
      expect(exitCodeFor(r.findings, r.config)).toBe(code);
    });
  }

  it('suppressed findings never fail the run', () => {
    const r = lintText(policy('all'), `${REGISTRY_ONLY}failOn: info\n`);
    expect(exitCodeFor(r.findings, r.config)).toBe(0);
  });
});

describe('invalid project config', () => {
  it('is an error with file, line and column', () => {
    expect(() =>
      parseProjectConfig(
        'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\nrules:\n  policy-name: loud\n',
        'cfg.yml',
      ),
    ).toThrow(
      new ConfigError(
        'cfg.yml',
        4,
        3,
        'rules.policy-name must be one of off, info, warning, error',
      ),
    );
    expect(() => parseProjectConfig('failOn: [error\n', 'cfg.yml')).toThrow(
      /^cfg\.yml:\d+:\d+: invalid YAML/,
    );
    expect(() => parseProjectConfig('mesh:\n  outbound: ALLOW_ANY\n', 'cfg.yml')).toThrow(
      'cfg.yml:2:3: mesh.outbound is not a known setting',
    );
  });

  it('makes the CLI exit 2 with the message on stderr, whatever the format', async () => {
    const root = mkdtempSync(join(tmpdir(), 'egress-lint-config-'));
    mkdirSync(join(root, '.github'));
    writeFileSync(join(root, '.github', 'egress-lint.yml'), '# comment\nfailOn: sometimes\n');
    writeFileSync(join(root, 'policy.yaml'), policy());
    for (const format of ['text', 'json', 'sarif', 'github']) {
      const io = captureIO(root);
      expect(await run(['lint', '--format', format], io)).toBe(2);
      expect(io.out).toBe('');
      expect(io.err).toBe(
        'egress-lint: .github/egress-lint.yml:2:1: failOn must be one of error, warning, info, never\n',
      );
    }
  });
});
