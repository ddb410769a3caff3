import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import { formatFindingLine, formatLintText } from '../../src/report/text.js';
import { sampleResult } from './sample.js';

describe('text report', () => {
  const result = sampleResult();

  it('groups findings by file, hides suppressed ones and ends with the summary', () => {
    const text = formatLintText(result.findings, result.summary, { color: false });
    expect(text).not.toContain('\u001b[');
    const lines = text.trimEnd().split('\n');
    expect(lines.filter((l) => !l.startsWith(' ') && l !== '').slice(0, -1)).toEqual([
      'broken.yaml',
      'gateways/egress gateway.yaml',
      'policies/team-a.yaml',
    ]);
    expect(lines.at(-1)).toBe(
      '3 errors, 2 warnings, 1 info, 1 suppressed in 4 files (3 resources)',
    );
    expect(lines).toContain(
      '  8:5      error   no egress gateway named "egressgateway" in the config set; did you mean "egressgateway-a"?  gateway-not-found',
    );
    expect(text).not.toContain('team-b');
  });

  it('lists suppressed findings, marked, on request', () => {
    const text = formatLintText(result.findings, result.summary, {
      color: false,
      showSuppressed: true,
    });
    expect(text).toMatch(
      /policies\/team-b.yaml\n {2}4:3 {6}ignored .*\(suppressed warning\) {2}registry-only-missing\n/,
    );
  });

  it('colours severities only when asked', () => {
    const text = formatLintText(result.findings, result.summary, { color: true });
    expect(text).toContain('\u001b[31merror  \u001b[0m');
    expect(text).toContain('\u001b[31;1m3 errors');
  });

  it('keeps one finding per line whatever the message holds', () => {
    const f: Finding = {
      ruleId: 'r',
      severity: 'info',
      message: 'a\nb\u001b[2Jc\td',
      file: 'x\ny.yaml',
      line: 1,
      column: 2,
      docs: '',
    };
    expect(formatFindingLine(f)).toBe('x\\ny.yaml:1:2: info: a\\nb\\x1b[2Jc\\td [r]');
    expect(formatLintText([f], { files: 1, resources: 0 }, { color: false })).toBe(
      'x\\ny.yaml\n  1:2      info    a\\nb\\x1b[2Jc\\td  r\n\n0 errors, 0 warnings, 1 info in 1 file (0 resources)\n',
    );
  });
});
