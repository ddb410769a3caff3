/**
 * What a diff run reports, whatever the format: the resource changes between base and head, the
 * head's findings judged at the failure threshold, notes about the run, and (when the simulator is
 * wired in) how access changes. Text, JSON and the PR comment all render this one value.
 */
import type { RevisionDiff } from '../diff/diff.js';
import { failsAt, summarize, type Finding, type Severity } from '../model/finding.js';

/** One source/destination pair whose simulated verdict differs between base and head. */
export interface AccessRow {
  /** e.g. `mytest/app=sleep-a` */
  source: string;
  /** e.g. `https://httpbin.org:443` */
  destination: string;
  /** Simulator verdicts, e.g. `blocked-unregistered`, `allowed-via-gateway`. */
  before: string;
  after: string;
}

export interface AccessChanges {
  rows: AccessRow[];
  /** A Mermaid flowchart of the changed paths. */
  mermaid?: string;
}

export interface DiffReport {
  diff: RevisionDiff;
  /** The head's findings, project config applied (suppressed ones are marked, not removed). */
  findings: readonly Finding[];
  failOn: Severity | 'never';
  /** Things the reader should know about the run itself (which config applied, say). */
  notes?: readonly string[];
  access?: AccessChanges;
}

export interface Verdict {
  blocked: boolean;
  errors: number;
  warnings: number;
  infos: number;
  suppressed: number;
}

export function verdictOf(report: Pick<DiffReport, 'findings' | 'failOn'>): Verdict {
  return { blocked: failsAt(report.findings, report.failOn), ...summarize(report.findings) };
}

/** `12,345`: thousands separated, the same in every locale. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** `2 errors, 1 warning`, plus infos and suppressed ones when there are any. */
export function countsLine(v: Verdict): string {
  const parts = [plural(v.errors, 'error'), plural(v.warnings, 'warning')];
  if (v.infos) parts.push(`${formatCount(v.infos)} info`);
  if (v.suppressed) parts.push(`${formatCount(v.suppressed)} suppressed`);
  return parts.join(', ');
}

/** `1 added, 0 removed, 4 changed` */
export function changeCountsLine(diff: RevisionDiff): string {
  const s = diff.summary;
  return `${s.added} added, ${s.removed} removed, ${s.changed} changed`;
}
