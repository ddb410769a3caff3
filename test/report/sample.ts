/** One lint result with a bit of everything, for the report tests: several severities and files, a suppressed finding. */
import { RULES } from '../../rules/index.js';
import { analyzeSources } from '../../src/analyze.js';
import { parseProjectConfig } from '../../src/config/project-config.js';
import { lint, type LintResult } from '../../src/lint/engine.js';
import type { LintReportOptions } from '../../src/report/lint-report.js';
import { egressGateway, policyTo } from '../rule-fixtures.js';

export const SAMPLE_CONFIG = parseProjectConfig(
  'rules:\n  hosts-resolve-same: info\n  duplicate-source: off\n',
  '.github/egress-lint.yml',
);

export function sampleResult(): LintResult {
  const files = [
    {
      path: 'gateways/egress gateway.yaml',
      content: egressGateway().replace('  podLabels:\n    security.istio.io/tlsMode: istio\n', ''),
    },
    {
      path: 'policies/team-a.yaml',
      content: policyTo(
        '    - hosts: [api.example.com, api.other.org]\n      port: {name: https, number: 443, protocol: HTTP}\n      byEgressGateway: {port: 8080}\n',
        'egressgateway',
      ),
    },
    {
      path: 'policies/team-b.yaml',
      content: policyTo(
        '    - hosts: [db.example.com]\n      port: {number: 5432, protocol: TCP}\n',
      ).replace(
        '  namespace: istio-egress\n',
        '  namespace: istio-egress\n  annotations:\n    egress-lint.io/ignore: registry-only-missing\n',
      ),
    },
    { path: 'broken.yaml', content: 'kind: [unclosed\n' },
  ];
  return lint(analyzeSources(files, SAMPLE_CONFIG), SAMPLE_CONFIG, RULES);
}

export const SAMPLE_OPTIONS: LintReportOptions = {
  rules: RULES.map((r) => r.meta),
  config: SAMPLE_CONFIG,
  version: '0.1.0',
  color: false,
  showSuppressed: false,
};
