import { describe, expect, it } from 'vitest';
import { formatJson } from '../../src/report/json.js';
import { sampleResult } from './sample.js';

describe('json report', () => {
  const result = sampleResult();
  const report = JSON.parse(formatJson(result)) as {
    findings: Record<string, unknown>[];
    summary: Record<string, number>;
  };

  it('is {findings, summary} with the contract fields (DESIGN.md §5)', () => {
    expect(Object.keys(report)).toEqual(['findings', 'summary']);
    expect(report.summary).toEqual({
      errors: 3,
      warnings: 2,
      infos: 1,
      suppressed: 1,
      files: 4,
      resources: 3,
    });
    expect(report.findings).toHaveLength(result.findings.length);
    for (const f of report.findings) {
      for (const key of ['ruleId', 'severity', 'message', 'file', 'line', 'column', 'docs'])
        expect(f).toHaveProperty(key);
      expect(['error', 'warning', 'info']).toContain(f.severity);
    }
  });

  it('gives resource findings their resource and span, and marks suppressed ones', () => {
    const notFound = report.findings.find((f) => f.ruleId === 'gateway-not-found');
    expect(notFound).toEqual({
      ruleId: 'gateway-not-found',
      severity: 'error',
      message:
        'no egress gateway named "egressgateway" in the config set; did you mean "egressgateway-a"?',
      file: 'policies/team-a.yaml',
      line: 8,
      column: 5,
      endLine: 8,
      endColumn: 24,
      resource: {
        apiVersion: 'istio.alibabacloud.com/v1',
        kind: 'ASMEgressTrafficPolicy',
        namespace: 'istio-egress',
        name: 'egress-by-egressgateway',
      },
      field: 'spec.byEgressGateway.name',
      docs: 'https://github.com/egress-lint/egress-lint/blob/main/rules/gateway-not-found.md',
    });
    expect(report.findings.filter((f) => f.suppressed === true).map((f) => f.file)).toEqual([
      'policies/team-b.yaml',
    ]);
    expect(report.findings.find((f) => f.ruleId === 'yaml-syntax')).not.toHaveProperty('resource');
  });
});
