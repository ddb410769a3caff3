import { describe, expect, it } from 'vitest';
import { elements, parseHtml, renderGfm, textOf, visibleText } from '../helpers/html.js';
import type { LintResult } from '../../src/lint/engine.js';
import type { Finding } from '../../src/model/finding.js';
import { ConfigError } from '../../src/config/project-config.js';
import {
  batchAnnotations,
  buildCheckRunReport,
  checkConclusion,
  findingAnnotation,
  invalidConfigOutput,
  MAX_SUMMARY_CHARS,
  type CheckRunContext,
} from '../../src/report/check-run.js';

const finding = (over: Partial<Finding> = {}): Finding => ({
  ruleId: 'gateway-port-mismatch',
  severity: 'error',
  message: 'port 8080 is not a port of egress gateway egressgateway',
  file: 'mesh/policy.yaml',
  line: 24,
  column: 15,
  docs: 'https://example.test/rules/gateway-port-mismatch.md',
  ...over,
});

const lintOf = (findings: Finding[]): LintResult => {
  const count = (s: string): number =>
    findings.filter((f) => !f.suppressed && f.severity === s).length;
  return {
    findings,
    summary: {
      errors: count('error'),
      warnings: count('warning'),
      infos: count('info'),
      suppressed: findings.filter((f) => f.suppressed).length,
      files: 2,
      resources: 5,
    },
    index: undefined as never,
  };
};

const ctx: CheckRunContext = {
  repoUrl: 'https://github.com/o/r',
  headSha: 'a'.repeat(40),
  failOn: 'error',
  configNote: 'defaults',
  changedFiles: 1,
};

describe('annotations', () => {
  it('maps severities to failure / warning / notice', () => {
    expect(
      ['error', 'warning', 'info'].map(
        (severity) =>
          findingAnnotation(finding({ severity: severity as Finding['severity'] }))!
            .annotation_level,
      ),
    ).toEqual(['failure', 'warning', 'notice']);
  });

  it('points at the exact line and column, with the end column when the finding has one', () => {
    expect(findingAnnotation(finding({ endLine: 24, endColumn: 19 }))).toMatchObject({
      path: 'mesh/policy.yaml',
      start_line: 24,
      end_line: 24,
      start_column: 15,
      end_column: 19,
      title: 'gateway-port-mismatch',
    });
  });

  it('leaves columns out of multi-line annotations (GitHub rejects them there)', () => {
    const a = findingAnnotation(finding({ endLine: 30, endColumn: 2 }))!;
    expect(a).toMatchObject({ start_line: 24, end_line: 30 });
    expect(a).not.toHaveProperty('start_column');
    expect(a).not.toHaveProperty('end_column');
  });

  it('skips suppressed findings and findings with no place in a file', () => {
    expect(findingAnnotation(finding({ suppressed: true }))).toBeUndefined();
    expect(findingAnnotation(finding({ file: '' }))).toBeUndefined();
  });

  it('batches 50 per request', () => {
    expect(batchAnnotations(Array.from({ length: 101 }, (_, i) => i)).map((b) => b.length)).toEqual(
      [50, 50, 1],
    );
    expect(batchAnnotations([])).toEqual([]);
  });
});

describe('conclusion', () => {
  it('fails at or above the threshold, ignoring suppressed findings', () => {
    expect(checkConclusion([finding({ severity: 'warning' })], 'error')).toBe('success');
    expect(checkConclusion([finding({ severity: 'warning' })], 'warning')).toBe('failure');
    expect(checkConclusion([finding({ suppressed: true })], 'error')).toBe('success');
    expect(checkConclusion([finding()], 'never')).toBe('success');
  });
});

describe('summary', () => {
  it('lists findings with links to the head commit, escaped', () => {
    const report = buildCheckRunReport(
      lintOf([finding({ message: 'host `*.evil` <b>@ops</b>' })]),
      ctx,
    );
    expect(report.output.title).toBe('1 error: merge blocked');
    const html = parseHtml(renderGfm(report.output.summary));
    const link = elements(html, 'a').find((a) => textOf(a) === 'mesh/policy.yaml:24:15');
    expect(link?.attrs.href).toBe(
      `https://github.com/o/r/blob/${'a'.repeat(40)}/mesh/policy.yaml#L24`,
    );
    // Shown as written, but as text: no <b> element, and the @ no longer mentions anyone.
    expect(textOf(html)).toContain('host `*.evil` <b>@\u200dops</b>');
    expect(elements(html, 'b')).toEqual([]);
  });

  it('links a file whose name has parentheses and spaces to that file', () => {
    const report = buildCheckRunReport(lintOf([finding({ file: 'teams/a (b).yaml' })]), ctx);
    const html = parseHtml(renderGfm(report.output.summary));
    const link = elements(html, 'a').find((a) => textOf(a) === 'teams/a (b).yaml:24:15');
    expect(link?.attrs.href).toBe(
      `https://github.com/o/r/blob/${'a'.repeat(40)}/teams/a%20%28b%29.yaml#L24`,
    );
  });

  it("stays within GitHub's 65,535 characters and says how many findings it left out", () => {
    const many = Array.from({ length: 5000 }, (_, i) =>
      finding({ line: i + 1, message: `problem ${i} `.repeat(10) }),
    );
    const { output, annotations } = buildCheckRunReport(lintOf(many), ctx);
    expect(output.summary.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
    expect(output.summary).toMatch(
      /_\d+ more findings not listed here; every finding is annotated/,
    );
    expect(annotations).toHaveLength(5000);
  });

  it('says where an invalid config is, and that it comes from the base branch', () => {
    const out = invalidConfigOutput(
      new ConfigError(
        '.github/egress-lint.yml',
        3,
        1,
        'failOn must be one of error, warning, info, never',
      ),
      'b'.repeat(40),
    );
    expect(out.title).toBe('Invalid .github/egress-lint.yml');
    expect(visibleText(out.summary)).toContain(
      '.github/egress-lint.yml:3:1: failOn must be one of error, warning, info, never',
    );
    expect(out.summary).toContain('`bbbbbbb`');
  });
});
