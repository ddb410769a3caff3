import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { artifactLocation, toSarif } from '../../src/report/sarif.js';
import { SAMPLE_OPTIONS, sampleResult } from './sample.js';

/**
 * The official SARIF 2.1.0 schema declares JSON Schema draft-04, which ajv 8 does not load as such:
 * draft-04 names the schema id `id` (later drafts `$id`). The schema uses no other draft-04-only
 * keyword (no boolean exclusiveMinimum/Maximum), so renaming that one key validates by the same rules.
 * Its `language` pattern (`...{2}]?$`) is only valid without the `u` flag, as draft-04 validators
 * compiled patterns; hence unicodeRegExp: false.
 */
function sarifValidator() {
  const require = createRequire(import.meta.url);
  const path = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  const schema = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
  expect(JSON.stringify(schema)).not.toMatch(/"exclusive(Minimum|Maximum)":\s*(true|false)/);
  const { $schema: _draft, id, ...rest } = schema;
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv.compile({ $id: id as string, ...rest });
}

interface SarifLog {
  runs: {
    tool: {
      driver: {
        rules: {
          id: string;
          helpUri: string;
          shortDescription: { text: string };
          defaultConfiguration: { level: string; enabled?: boolean };
        }[];
      };
    };
    invocations: {
      executionSuccessful: boolean;
      toolExecutionNotifications?: {
        level: string;
        message: { text: string };
        associatedRule: { id: string; index: number };
      }[];
    }[];
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations?: {
        physicalLocation: { artifactLocation: { uri: string }; region: Record<string, number> };
      }[];
      suppressions?: { kind: string }[];
    }[];
  }[];
}

describe('SARIF report', () => {
  const result = sampleResult();
  const log = toSarif(result, SAMPLE_OPTIONS) as SarifLog;
  const run = log.runs[0]!;

  it('validates against the SARIF 2.1.0 schema', () => {
    const validate = sarifValidator();
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('rejects what the schema forbids (the validator is not a no-op)', () => {
    const validate = sarifValidator();
    const bad = JSON.parse(JSON.stringify(log)) as SarifLog;
    (bad.runs[0]!.results[0] as unknown as Record<string, unknown>).level = 'fatal';
    expect(validate(bad)).toBe(false);
  });

  it('lists every catalog rule with id, description, docs link and the configured default level', () => {
    const rules = run.tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual(SAMPLE_OPTIONS.rules.map((m) => m.id));
    for (const r of rules) {
      expect(r.helpUri).toBe(
        `https://github.com/egress-lint/egress-lint/blob/main/rules/${r.id}.md`,
      );
      expect(r.shortDescription.text.length).toBeGreaterThan(10);
    }
    const byId = new Map(rules.map((r) => [r.id, r]));
    expect(byId.get('gateway-mtls-label')!.defaultConfiguration).toEqual({ level: 'error' });
    expect(byId.get('policy-name')!.defaultConfiguration).toEqual({ level: 'warning' });
    expect(byId.get('hosts-resolve-same')!.defaultConfiguration).toEqual({ level: 'note' });
    expect(byId.get('duplicate-source')!.defaultConfiguration).toEqual({
      enabled: false,
      level: 'none',
    });
  });

  it('has one result per finding, pointing at its rule, with a precise region and a relative URI', () => {
    expect(run.results).toHaveLength(result.findings.length);
    run.results.forEach((res, i) => {
      const f = result.findings[i]!;
      expect(run.tool.driver.rules[res.ruleIndex]!.id).toBe(res.ruleId);
      expect(res.ruleId).toBe(f.ruleId);
      expect(res.level).toBe({ error: 'error', warning: 'warning', info: 'note' }[f.severity]);
      expect(res.message.text).toBe(f.message);
      const loc = res.locations![0]!.physicalLocation;
      expect(loc.artifactLocation.uri).not.toMatch(/^\/|\\|^\.\//);
      expect(loc.region).toEqual({
        startLine: f.line,
        startColumn: f.column,
        endLine: f.endLine,
        endColumn: f.endColumn,
      });
    });
    const mismatch = run.results.find((r) => r.ruleId === 'gateway-mtls-label')!;
    expect(mismatch.locations![0]!.physicalLocation.artifactLocation.uri).toBe(
      'gateways/egress%20gateway.yaml',
    );
  });

  it('keeps suppressed findings as results with an in-source suppression', () => {
    const suppressed = run.results.filter((r) => r.suppressions);
    expect(suppressed.map((r) => r.ruleId)).toEqual(['registry-only-missing']);
    expect(suppressed[0]!.suppressions).toEqual([
      {
        kind: 'inSource',
        justification:
          'egress-lint.io/ignore annotation on ASMEgressTrafficPolicy istio-egress/egress-by-egressgateway-a',
      },
    ]);
    expect(result.findings.filter((f) => f.suppressed)).toHaveLength(1);
  });

  it('reports a clean run as successful, with no notifications', () => {
    expect(run.invocations).toEqual([{ executionSuccessful: true }]);
  });

  it('puts findings without a file (a crashed rule) in the run notifications, never a result without location', () => {
    const extra = toSarif(
      {
        findings: [
          ...result.findings,
          {
            ruleId: 'internal-error',
            severity: 'error',
            message: 'rule x failed',
            file: '',
            line: 1,
            column: 1,
            docs: '',
          },
        ],
      },
      SAMPLE_OPTIONS,
    ) as SarifLog;
    const r = extra.runs[0]!;
    // GitHub code scanning rejects the whole upload when a result has no location.
    expect(r.results).toHaveLength(result.findings.length);
    for (const res of r.results) expect(res.locations).toHaveLength(1);
    expect(r.invocations).toEqual([
      {
        executionSuccessful: false,
        toolExecutionNotifications: [
          {
            level: 'error',
            message: { text: 'rule x failed' },
            associatedRule: { id: 'internal-error', index: expect.any(Number) as number },
          },
        ],
      },
    ]);
    const index = r.invocations[0]!.toolExecutionNotifications![0]!.associatedRule.index;
    expect(r.tool.driver.rules[index]!.id).toBe('internal-error');
    expect(sarifValidator()(extra)).toBe(true);
  });
});

describe('artifactLocation', () => {
  it.each([
    ['policies/a.yaml', { uri: 'policies/a.yaml', uriBaseId: '%SRCROOT%' }],
    ['./a.yaml', { uri: 'a.yaml', uriBaseId: '%SRCROOT%' }],
    ['dir\\sub dir\\a#1.yaml', { uri: 'dir/sub%20dir/a%231.yaml', uriBaseId: '%SRCROOT%' }],
    ['/tmp/repo/a.yaml', { uri: 'file:///tmp/repo/a.yaml' }],
    ['C:\\repo\\a.yaml', { uri: 'file:///C:/repo/a.yaml' }],
  ])('%s', (file, expected) => expect(artifactLocation(file)).toEqual(expected));
});
