/** Findings as text for people: grouped by file, one line each, colour only on a terminal. */
import { summarize, type Finding } from '../model/finding.js';

export interface TextOptions {
  color: boolean;
}

export const paint = (on: boolean, code: string, s: string): string => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

const SEVERITY_COLOR = { error: '31', warning: '33', info: '36' } as const;

export function formatFindingsText(findings: readonly Finding[], options: TextOptions): string {
  const shown = findings.filter((f) => !f.suppressed);
  const byFile = new Map<string, Finding[]>();
  for (const f of shown) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const out: string[] = [];
  for (const [file, list] of byFile) {
    out.push(paint(options.color, '4', file));
    for (const f of list) {
      const pos = `${f.line}:${f.column}`.padEnd(8);
      const sev = paint(options.color, SEVERITY_COLOR[f.severity], f.severity.padEnd(7));
      out.push(`  ${pos} ${sev} ${f.message}  ${paint(options.color, '2', f.ruleId)}`);
    }
    out.push('');
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

export function formatSummaryLine(findings: readonly Finding[], extra: { files: number; resources: number }): string {
  const s = summarize(findings);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = [plural(s.errors, 'error'), plural(s.warnings, 'warning'), plural(s.infos, 'info')];
  if (s.suppressed) parts.push(`${s.suppressed} suppressed`);
  return `${parts.join(', ')} in ${plural(extra.files, 'file')} (${plural(extra.resources, 'resource')})`;
}

/** `file:line:column: severity: message [rule]`, the compiler-style one-liner editors understand. */
export function formatFindingLine(f: Finding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.severity}: ${f.message} [${f.ruleId}]`;
}
