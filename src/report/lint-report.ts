/** One entry point for every `lint` output format, all fed the same LintResult. */
import type { ProjectConfig } from '../config/project-config.js';
import type { LintResult } from '../lint/engine.js';
import type { RuleMeta } from '../lint/rule.js';
import { formatGithub } from './github.js';
import { formatJson } from './json.js';
import { formatSarif } from './sarif.js';
import { formatLintText, formatSummaryLine } from './text.js';

export const LINT_FORMATS = ['text', 'json', 'sarif', 'github'] as const;
export type LintFormat = (typeof LINT_FORMATS)[number];

export interface LintReportOptions {
  rules: readonly RuleMeta[];
  config: ProjectConfig;
  version: string;
  color: boolean;
  showSuppressed: boolean;
}

export function formatLintReport(
  format: LintFormat,
  result: LintResult,
  options: LintReportOptions,
): string {
  switch (format) {
    case 'json':
      return formatJson(result);
    case 'sarif':
      return formatSarif(result, options);
    case 'github':
      return formatGithub(result.findings, formatSummaryLine(result.findings, result.summary));
    case 'text':
      return formatLintText(result.findings, result.summary, options);
  }
}
