/**
 * `lint --format github`: GitHub Actions workflow commands, one annotation per finding
 * (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`). Everything in them comes from
 * the repository under review, so it is escaped the way the runner unescapes it: in the message `%`,
 * CR and LF; in properties also `:` and `,`. A hostile file name or host cannot end the command early
 * or start a new one.
 */
import type { Finding, Severity } from '../model/finding.js';
import type { AnnotationLevel, CheckRunAnnotation } from './check-run.js';

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function formatAnnotation(f: Finding): string {
  return workflowCommand(
    COMMAND[f.severity],
    [
      ['file', f.file || undefined],
      ['line', f.line],
      ['col', f.column],
      ['endLine', f.endLine],
      ['endColumn', f.endColumn],
      ['title', `egress-lint ${f.ruleId}`],
    ],
    `${f.message}\n${f.docs}`,
  );
}

const LEVEL_COMMAND: Record<AnnotationLevel, string> = {
  failure: 'error',
  warning: 'warning',
  notice: 'notice',
};

/** A check-run annotation as a workflow command (the Action's way when it may not create check runs). */
export function formatCheckAnnotation(a: CheckRunAnnotation): string {
  return workflowCommand(
    LEVEL_COMMAND[a.annotation_level],
    [
      ['file', a.path],
      ['line', a.start_line],
      ['col', a.start_column],
      ['endLine', a.end_line],
      ['endColumn', a.end_column],
      ['title', a.title],
    ],
    a.raw_details ? `${a.message}\n${a.raw_details}` : a.message,
  );
}

function workflowCommand(
  command: string,
  props: [string, string | number | undefined][],
  message: string,
): string {
  const properties = props
    .filter((p): p is [string, string | number] => p[1] !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${command} ${properties}::${escapeData(message)}`;
}

/** One annotation per finding that is not suppressed (those are counted in the closing summary line). */
export function formatGithub(findings: readonly Finding[], summaryLine: string): string {
  const lines = findings.filter((f) => !f.suppressed).map(formatAnnotation);
  lines.push(summaryLine);
  return `${lines.join('\n')}\n`;
}
