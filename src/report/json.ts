/**
 * `lint --format json` (DESIGN.md §5): `{findings: [...], summary: {errors, warnings, infos, files,
 * resources}}`, plus `suppressed` in the summary and on suppressed findings. Keys come in a fixed order
 * so the output diffs cleanly between runs.
 */
import type { LintResult } from '../lint/engine.js';
import type { Finding } from '../model/finding.js';

export interface JsonFinding {
  ruleId: string;
  severity: Finding['severity'];
  message: string;
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  /** Absent for findings about a whole file (unreadable YAML, say) rather than one resource. */
  resource?: NonNullable<Finding['resource']>;
  field?: string;
  docs: string;
  suppressed?: true;
}

export interface JsonReport {
  findings: JsonFinding[];
  summary: {
    errors: number;
    warnings: number;
    infos: number;
    suppressed: number;
    files: number;
    resources: number;
  };
}

export function toJsonFinding(f: Finding): JsonFinding {
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    message: f.message,
    file: f.file,
    line: f.line,
    column: f.column,
    ...(f.endLine !== undefined ? { endLine: f.endLine } : {}),
    ...(f.endColumn !== undefined ? { endColumn: f.endColumn } : {}),
    ...(f.resource
      ? {
          resource: {
            apiVersion: f.resource.apiVersion,
            kind: f.resource.kind,
            namespace: f.resource.namespace,
            name: f.resource.name,
          },
        }
      : {}),
    ...(f.field ? { field: f.field } : {}),
    docs: f.docs,
    ...(f.suppressed ? { suppressed: true as const } : {}),
  };
}

export function toJsonReport(result: Pick<LintResult, 'findings' | 'summary'>): JsonReport {
  const s = result.summary;
  return {
    findings: result.findings.map(toJsonFinding),
    summary: {
      errors: s.errors,
      warnings: s.warnings,
      infos: s.infos,
      suppressed: s.suppressed,
      files: s.files,
      resources: s.resources,
    },
  };
}

export function formatJson(result: Pick<LintResult, 'findings' | 'summary'>): string {
  return `${JSON.stringify(toJsonReport(result), null, 2)}\n`;
}
