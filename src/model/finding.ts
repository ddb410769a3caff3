/** The one result type every stage produces: loader diagnostics, schema errors and rule findings alike. */

export type Severity = 'error' | 'warning' | 'info';

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export interface ResourceRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** 1-based line and column of the offending field (not the document start). */
export interface Span {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

export interface Finding extends Span {
  ruleId: string;
  severity: Severity;
  message: string;
  /** Path of the file as the user named it (relative to the scanned root where possible). */
  file: string;
  resource?: ResourceRef;
  /** Link to the rule's docs page. */
  docs: string;
  /** Dotted field path inside the resource, e.g. `spec.egressRules[0].to[1].port.number`. */
  field?: string;
  /** Set when an inline `egress-lint.io/ignore` annotation silenced the finding. */
  suppressed?: boolean;
}

export const DOCS_BASE = 'https://github.com/egress-lint/egress-lint/blob/main/rules';

/** The docs page of a rule; `base` is the config's `docsBaseUrl` for self-hosted copies. */
export function docsUrl(ruleId: string, base: string = DOCS_BASE): string {
  return `${base.replace(/\/+$/, '')}/${ruleId}.md`;
}

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold];
}

/** Whether the findings fail a run at this threshold (the CLI's exit 1, the app's failed check). */
export function failsAt(findings: readonly Finding[], failOn: Severity | 'never'): boolean {
  return failOn !== 'never' && findings.some((f) => !f.suppressed && atLeast(f.severity, failOn));
}

/** Stable order: file, position, rule — so every output format lists findings identically. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}

export interface FindingSummary {
  errors: number;
  warnings: number;
  infos: number;
  suppressed: number;
}

export function summarize(findings: readonly Finding[]): FindingSummary {
  const s: FindingSummary = { errors: 0, warnings: 0, infos: 0, suppressed: 0 };
  for (const f of findings) {
    if (f.suppressed) s.suppressed++;
    else if (f.severity === 'error') s.errors++;
    else if (f.severity === 'warning') s.warnings++;
    else s.infos++;
  }
  return s;
}
