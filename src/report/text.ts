/** Findings as text for people: grouped by file, one line each, colour only on a terminal. */
import { summarize, type Finding } from '../model/finding.js';

export interface TextOptions {
  color: boolean;
  /** List suppressed findings too (marked); by default they are only counted in the summary. */
  showSuppressed?: boolean;
}

export const paint = (on: boolean, code: string, s: string): string =>
  on ? `\u001b[${code}m${s}\u001b[0m` : s;

const SEVERITY_COLOR = { error: '31', warning: '33', info: '36' } as const;

export function formatFindingsText(findings: readonly Finding[], options: TextOptions): string {
  const shown = options.showSuppressed ? findings : findings.filter((f) => !f.suppressed);
  const byFile = new Map<string, Finding[]>();
  for (const f of shown) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const out: string[] = [];
  for (const [file, list] of byFile) {
    out.push(paint(options.color, '4', oneLine(file) || '(no file)'));
    for (const f of list) {
      const pos = `${f.line}:${f.column}`.padEnd(8);
      const sev = f.suppressed
        ? paint(options.color, '2', 'ignored'.padEnd(7))
        : paint(options.color, SEVERITY_COLOR[f.severity], f.severity.padEnd(7));
      const note = f.suppressed ? ` (suppressed ${f.severity})` : '';
      out.push(
        `  ${pos} ${sev} ${oneLine(f.message)}${note}  ${paint(options.color, '2', f.ruleId)}`,
      );
    }
    out.push('');
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/** The lint report: findings by file, then the summary line. */
export function formatLintText(
  findings: readonly Finding[],
  extra: { files: number; resources: number },
  options: TextOptions,
): string {
  const s = summarize(findings);
  const line = formatSummaryLine(findings, extra);
  const color = s.errors ? '31;1' : s.warnings ? '33;1' : '32;1';
  return `${formatFindingsText(findings, options)}${paint(options.color, color, line)}\n`;
}

export function formatSummaryLine(
  findings: readonly Finding[],
  extra: { files: number; resources: number },
): string {
  const s = summarize(findings);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = [plural(s.errors, 'error'), plural(s.warnings, 'warning'), plural(s.infos, 'info')];
  if (s.suppressed) parts.push(`${s.suppressed} suppressed`);
  return `${parts.join(', ')} in ${plural(extra.files, 'file')} (${plural(extra.resources, 'resource')})`;
}

/** `file:line:column: severity: message [rule]`, the compiler-style one-liner editors understand. */
export function formatFindingLine(f: Finding): string {
  return `${oneLine(f.file)}:${f.line}:${f.column}: ${f.severity}: ${oneLine(f.message)} [${f.ruleId}]`;
}

const CONTROL_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;

/**
 * Messages quote repository text (names, hosts); a control character in it must not break the one
 * finding per line layout or drive the terminal. Shown as visible escapes instead.
 */
function oneLine(message: string): string {
  return message.replace(
    CONTROL,
    (c) => CONTROL_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
