/**
 * The check run's payloads: conclusion, title, markdown summary and one annotation per finding on the
 * exact line (and column, where GitHub allows it). Pure; the app sends what this builds. Limits are
 * GitHub's: 50 annotations per request, summary and text up to 65,535 characters, annotation message
 * and raw details up to 64 KB, annotation title up to 255 characters.
 */
import type { ConfigError } from '../config/project-config.js';
import type { LintResult } from '../lint/engine.js';
import { failsAt, type Finding, type Severity } from '../model/finding.js';
import { plural } from '../lint/wording.js';
import { describe } from '../model/resource.js';
import { blobLineUrl, mdLink, mdText, truncateText } from './escape.js';

export const CHECK_RUN_NAME = 'egress-lint';
export const ANNOTATIONS_PER_REQUEST = 50;
export const MAX_SUMMARY_CHARS = 65_535;
const MAX_TITLE_CHARS = 255;
const MAX_ANNOTATION_MESSAGE = 60_000;

export type Conclusion = 'success' | 'failure' | 'cancelled';
export type AnnotationLevel = 'notice' | 'warning' | 'failure';

export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: AnnotationLevel;
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckRunOutput {
  title: string;
  summary: string;
}

export interface CheckRunReport {
  conclusion: Conclusion;
  output: CheckRunOutput;
  annotations: CheckRunAnnotation[];
}

export interface CheckRunContext {
  /** Web address of the repository, for links to file lines at the head commit. */
  repoUrl: string;
  headSha: string;
  failOn: Severity | 'never';
  /** Where the project config came from ("`.github/egress-lint.yml` at base abc1234", or defaults). */
  configNote?: string;
  /** Policy files the pull request changes. */
  changedFiles?: number;
}

const LEVEL: Record<Severity, AnnotationLevel> = {
  error: 'failure',
  warning: 'warning',
  info: 'notice',
};

export function checkConclusion(
  findings: readonly Finding[],
  failOn: Severity | 'never',
): 'success' | 'failure' {
  return failsAt(findings, failOn) ? 'failure' : 'success';
}

/** The annotation for a finding, or undefined when it has no place in a file (nothing to point at). */
export function findingAnnotation(f: Finding): CheckRunAnnotation | undefined {
  if (f.suppressed || !f.file || !(f.line >= 1)) return undefined;
  const endLine = f.endLine && f.endLine >= f.line ? f.endLine : f.line;
  const annotation: CheckRunAnnotation = {
    path: f.file,
    start_line: f.line,
    end_line: endLine,
    annotation_level: LEVEL[f.severity],
    message: truncateText(f.message, MAX_ANNOTATION_MESSAGE),
    title: truncateText(
      `${f.ruleId}${f.resource ? ` (${describe(f.resource)})` : ''}`,
      MAX_TITLE_CHARS,
    ),
  };
  // GitHub takes columns only for single-line annotations.
  if (endLine === f.line && f.column >= 1) {
    annotation.start_column = f.column;
    annotation.end_column =
      f.endLine === f.line && f.endColumn && f.endColumn >= f.column ? f.endColumn : f.column;
  }
  if (f.docs)
    annotation.raw_details = truncateText(
      `Rule ${f.ruleId}: ${f.docs}${f.field ? `\nField: ${f.field}` : ''}`,
      MAX_ANNOTATION_MESSAGE,
    );
  return annotation;
}

/** Requests' worth of annotations: GitHub accepts at most 50 per create/update call. */
export function batchAnnotations<T>(
  annotations: readonly T[],
  size = ANNOTATIONS_PER_REQUEST,
): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < annotations.length; i += size) batches.push(annotations.slice(i, i + size));
  return batches;
}

export function buildCheckRunReport(lint: LintResult, ctx: CheckRunContext): CheckRunReport {
  const conclusion = checkConclusion(lint.findings, ctx.failOn);
  const annotations = lint.findings
    .map(findingAnnotation)
    .filter((a): a is CheckRunAnnotation => a !== undefined);
  return {
    conclusion,
    output: { title: checkTitle(lint, conclusion), summary: checkSummary(lint, conclusion, ctx) },
    annotations,
  };
}

function countsText(s: LintResult['summary']): string {
  const parts: string[] = [];
  if (s.errors) parts.push(plural(s.errors, 'error'));
  if (s.warnings) parts.push(plural(s.warnings, 'warning'));
  if (s.infos) parts.push(plural(s.infos, 'notice'));
  return parts.join(', ');
}

export function checkTitle(lint: LintResult, conclusion: Conclusion): string {
  const counts = countsText(lint.summary);
  if (!counts) return 'No problems found';
  return conclusion === 'failure' ? `${counts}: merge blocked` : counts;
}

/** The markdown summary: verdict, counts, what was checked, then the findings table while it fits. */
export function checkSummary(
  lint: LintResult,
  conclusion: Conclusion,
  ctx: CheckRunContext,
): string {
  const s = lint.summary;
  const head = [
    conclusion === 'failure'
      ? `**Blocked**: findings at or above \`${ctx.failOn}\` fail this check.`
      : `**Passes**: ${ctx.failOn === 'never' ? 'this repository never fails the check (`failOn: never`).' : `nothing at or above \`${ctx.failOn}\`.`}`,
    '',
    '| Errors | Warnings | Notices | Suppressed |',
    '| ---: | ---: | ---: | ---: |',
    `| ${s.errors} | ${s.warnings} | ${s.infos} | ${s.suppressed} |`,
    '',
    `Checked ${plural(s.files, 'file')} (${plural(s.resources, 'resource')}) at \`${ctx.headSha.slice(0, 7)}\`` +
      (ctx.changedFiles !== undefined
        ? `; the pull request changes ${plural(ctx.changedFiles, 'policy file')}`
        : '') +
      (ctx.configNote ? `. Config: ${ctx.configNote}.` : '.'),
  ];
  const shown = lint.findings.filter((f) => !f.suppressed);
  if (shown.length === 0) return head.join('\n');

  const table = ['', '| Severity | Location | Rule | Message |', '| --- | --- | --- | --- |'];
  const rows = shown.map((f) => findingRow(f, ctx));
  const note = (left: number): string =>
    `\n\n_${plural(left, 'more finding')} not listed here; every finding is annotated on its line (see the Files changed tab)._`;
  let out = [...head, ...table].join('\n');
  for (let i = 0; i < rows.length; i++) {
    const reserve = i < rows.length - 1 ? note(rows.length - i).length : 0;
    if (out.length + 1 + rows[i]!.length + reserve > MAX_SUMMARY_CHARS)
      return out + note(rows.length - i);
    out += `\n${rows[i]}`;
  }
  return out;
}

function findingRow(f: Finding, ctx: CheckRunContext): string {
  const where = f.file ? `${f.file}:${f.line}:${f.column}` : '(project)';
  // Links built and checked as in the PR comment: a `)` in a file name must not end the link early.
  const location = f.file
    ? mdLink(mdText(where, 500), blobLineUrl(ctx.repoUrl, ctx.headSha, f.file, f.line))
    : where;
  const rule = mdLink(mdText(f.ruleId, 100), f.docs || undefined);
  return `| ${f.severity} | ${location} | ${rule} | ${mdText(f.message, 500)} |`;
}

/** The pull request changes nothing the config selects: pass, with one line saying so. */
export function noPolicyChangesOutput(configNote: string): CheckRunOutput {
  return {
    title: 'No egress policy files changed',
    summary: `This pull request changes no file that egress-lint checks (config: ${configNote}).`,
  };
}

export function invalidConfigOutput(error: ConfigError, baseSha: string): CheckRunOutput {
  return {
    title: `Invalid ${error.file}`,
    summary: [
      `egress-lint could not read its configuration, so nothing was checked.`,
      '',
      `- ${mdText(error.message, 1000)}`,
      '',
      `The config is read from the base branch (commit \`${baseSha.slice(0, 7)}\`), so a pull request cannot change its own checks: fix it there first.`,
    ].join('\n'),
  };
}

/** A run that could not finish (GitHub API failure, deadline): fail loudly, never leave it in progress. */
export function failedRunOutput(reason: string): CheckRunOutput {
  return {
    title: 'egress-lint could not finish this check',
    summary: [
      `The check failed before it could produce a result: ${mdText(reason, 1000)}.`,
      '',
      'Nothing was concluded about the egress policy. Re-run the check from the Checks tab, or comment `/egress render` on the pull request.',
    ].join('\n'),
  };
}

export function supersededOutput(newHeadSha: string): CheckRunOutput {
  return {
    title: 'Superseded by a newer commit',
    summary: `The pull request moved on to \`${newHeadSha.slice(0, 7)}\` while this commit was being checked; that commit has its own check run.`,
  };
}
