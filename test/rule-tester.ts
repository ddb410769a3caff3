/**
 * RuleTester, after ESLint's: a rule's valid cases must give no finding of that rule, its invalid
 * cases exactly the findings listed (line, column, and optionally message and severity).
 */
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../src/analyze.js';
import {
  DEFAULT_CONFIG,
  parseProjectConfig,
  type ProjectConfig,
} from '../src/config/project-config.js';
import { lint } from '../src/lint/engine.js';
import type { Rule } from '../src/lint/rule.js';
import type { Finding, Severity } from '../src/model/finding.js';

export interface RuleCase {
  name: string;
  /** One YAML file, or several by path. */
  yaml: string | Record<string, string>;
  /** Project config as YAML text (mesh defaults, overrides...). */
  config?: string;
}

export interface ExpectedFinding {
  line: number;
  column: number;
  file?: string;
  message?: string | RegExp;
  severity?: Severity;
}

export interface InvalidCase extends RuleCase {
  findings: ExpectedFinding[];
}

export function runRule(rule: Rule, c: RuleCase): Finding[] {
  const files = typeof c.yaml === 'string' ? { 'test.yaml': c.yaml } : c.yaml;
  const config: ProjectConfig = c.config
    ? parseProjectConfig(c.config, 'egress-lint.yml')
    : DEFAULT_CONFIG;
  const analysis = analyzeSources(
    Object.entries(files).map(([path, content]) => ({ path, content })),
    config,
  );
  const result = lint(analysis, config, [rule]);
  // Test input must itself be readable and schema-valid unless the rule under test is about that.
  const stageProblems = result.findings.filter(
    (f) =>
      f.ruleId !== rule.meta.id &&
      f.severity === 'error' &&
      ['yaml-syntax', 'schema', 'render'].includes(f.ruleId),
  );
  expect(stageProblems, 'test input has syntax/schema errors').toEqual([]);
  return result.findings.filter((f) => f.ruleId === rule.meta.id);
}

export function testRule(rule: Rule, cases: { valid: RuleCase[]; invalid: InvalidCase[] }): void {
  describe(`rule ${rule.meta.id}`, () => {
    it('has cases of both kinds', () => {
      expect(cases.valid.length).toBeGreaterThan(0);
      expect(cases.invalid.length).toBeGreaterThan(0);
    });
    for (const c of cases.valid) {
      it(`valid: ${c.name}`, () => {
        expect(runRule(rule, c).map((f) => `${f.line}:${f.column} ${f.message}`)).toEqual([]);
      });
    }
    for (const c of cases.invalid) {
      it(`invalid: ${c.name}`, () => {
        const got = runRule(rule, c);
        expect(got.map((f) => `${f.file}:${f.line}:${f.column}`)).toEqual(
          c.findings.map(
            (e) =>
              `${e.file ?? (typeof c.yaml === 'string' ? 'test.yaml' : Object.keys(c.yaml)[0])}:${e.line}:${e.column}`,
          ),
        );
        c.findings.forEach((e, i) => {
          const f = got[i]!;
          if (typeof e.message === 'string') expect(f.message).toBe(e.message);
          else if (e.message) expect(f.message).toMatch(e.message);
          if (e.severity) expect(f.severity).toBe(e.severity);
          expect(f.docs).toMatch(new RegExp(`/${rule.meta.id}\\.md$`));
        });
      });
    }
  });
}
