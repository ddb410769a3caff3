/**
 * `egress-lint diff --format json`: the same result as the other formats, for tools. The shape is a
 * contract (documented in docs/diff.md); add fields, never rename or remove them.
 */
import type { ResourceChange } from '../diff/diff.js';
import type { Finding } from '../model/finding.js';
import { verdictOf, type AccessChanges, type DiffReport } from './diff-report.js';

export interface DiffJson {
  verdict: 'blocked' | 'passes';
  summary: {
    added: number;
    removed: number;
    changed: number;
    unchanged: number;
    errors: number;
    warnings: number;
    infos: number;
    suppressed: number;
  };
  notes: string[];
  changes: ResourceChange[];
  findings: Finding[];
  access?: AccessChanges;
}

export function diffJson(report: DiffReport): DiffJson {
  const v = verdictOf(report);
  return {
    verdict: v.blocked ? 'blocked' : 'passes',
    summary: {
      ...report.diff.summary,
      errors: v.errors,
      warnings: v.warnings,
      infos: v.infos,
      suppressed: v.suppressed,
    },
    notes: [...(report.notes ?? [])],
    changes: report.diff.changes,
    findings: [...report.findings],
    ...(report.access ? { access: report.access } : {}),
  };
}

export function formatDiffJson(report: DiffReport): string {
  return `${JSON.stringify(diffJson(report), null, 2)}\n`;
}
