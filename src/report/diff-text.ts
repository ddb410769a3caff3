/** A diff report for people at a terminal: each changed resource with its diff, then the findings. */
import type { ResourceChange } from '../diff/diff.js';
import { changeCountsLine, countsLine, verdictOf, type DiffReport } from './diff-report.js';
import { oneLine, sanitize } from './escape.js';
import { formatFindingsText, paint } from './text.js';

export interface DiffTextOptions {
  color: boolean;
}

const MARK = { added: '+', removed: '-', changed: '~' } as const;
const CHANGE_COLOR = { added: '32', removed: '31', changed: '33' } as const;

function lineColor(line: string): string | undefined {
  if (line.startsWith('@@')) return '36';
  if (line.startsWith('+')) return '32';
  if (line.startsWith('-')) return '31';
  return undefined;
}

function header(c: ResourceChange, color: boolean): string {
  const what = `${MARK[c.change]} ${c.change} ${c.kind} ${c.namespace}/${c.name}`;
  const details: string[] = [];
  if (c.previousApiVersion) details.push(`apiVersion ${c.previousApiVersion} -> ${c.apiVersion}`);
  if (c.previousOrigin) details.push(`was ${c.previousOrigin}, now ${c.origin}`);
  details.push(
    c.policy ? `rendered from policy ${c.policy.namespace}/${c.policy.name}` : 'hand-written',
  );
  const at = c.change === 'removed' ? c.baseLocation : c.location;
  if (at) details.push(`${c.change === 'removed' ? 'was at ' : ''}${at.file}:${at.line}`);
  return `${paint(color, `1;${CHANGE_COLOR[c.change]}`, oneLine(what, 400))}  ${paint(color, '2', oneLine(details.join(', '), 600))}`;
}

export function formatDiffText(report: DiffReport, options: DiffTextOptions): string {
  const { color } = options;
  const out: string[] = [];
  const { diff } = report;
  out.push(
    `${paint(color, '1', 'Resource changes:')} ${changeCountsLine(diff)} (${diff.summary.unchanged} unchanged)`,
    '',
  );
  for (const c of diff.changes) {
    out.push(header(c, color));
    for (const line of c.patch.replace(/\n$/, '').split('\n')) {
      const code = lineColor(line);
      const text = `    ${sanitize(line)}`;
      out.push(code ? paint(color, code, text) : text);
    }
    out.push('');
  }
  if (report.access?.rows.length) {
    out.push(paint(color, '1', 'Access changes:'));
    for (const r of report.access.rows)
      out.push(`  ${oneLine(`${r.source} -> ${r.destination}: ${r.before} -> ${r.after}`, 800)}`);
    out.push('');
  }
  for (const note of report.notes ?? [])
    out.push(`${paint(color, '36', 'note:')} ${oneLine(note, 800)}`, '');
  const findings = formatFindingsText(report.findings, { color });
  if (findings) out.push(findings.replace(/\n$/, ''));
  const v = verdictOf(report);
  out.push(
    `${v.blocked ? paint(color, '1;31', 'blocked:') : paint(color, '1;32', 'passes:')} ${countsLine(v)}`,
  );
  return `${out.join('\n')}\n`;
}
