/**
 * What the app concludes about one pull request, without any I/O: analyse base and head, lint head,
 * diff the two, and build the check run and the sticky comment. The comment body and the resource
 * diff come from a `PullRequestReporter`, so this module knows nothing about their format.
 */
import { analyzeSources, type Analysis, type AnalyzeOptions } from '../analyze.js';
import type { ProjectConfig } from '../config/project-config.js';
import { lint as lintAnalysis, type LintResult } from '../lint/engine.js';
import type { Rule } from '../lint/rule.js';
import type { SourceFile } from '../load/load.js';
import { buildCheckRunReport, type CheckRunReport } from '../report/check-run.js';
import { RULES } from '../../rules/index.js';
import type { LruCache } from './cache.js';

/** GitHub rejects issue comments longer than this. */
export const MAX_COMMENT_CHARS = 65_536;

export interface PullRequestSnapshot {
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  baseSha: string;
  /** Web address of the repository (links to files at the head commit). */
  repoUrl: string;
}

export interface CommentInput<D> {
  pullRequest: PullRequestSnapshot;
  config: ProjectConfig;
  base: Analysis;
  head: Analysis;
  lint: LintResult;
  diff: D;
  conclusion: 'success' | 'failure';
  /** The check run with every annotation (for "full output" links). */
  checkRunUrl?: string;
}

/** Where the sticky comment's content comes from (src/report/markdown.ts and src/diff in production). */
export interface PullRequestReporter<D> {
  /** Hidden marker in every body, so the app finds its own comment again. */
  marker: string;
  diff(base: Analysis, head: Analysis): D;
  /** Whether the diff changes any resource (comment mode `on-change`). */
  hasChanges(diff: D): boolean;
  renderComment(input: CommentInput<D>): string;
}

/** What linting one commit needs (a merge group's head: no comment, so no base side either). */
export interface CommitInput {
  pullRequest: PullRequestSnapshot;
  config: ProjectConfig;
  /** Where the config came from, for the check summary. */
  configNote: string;
  headFiles: readonly SourceFile[];
  /** Policy files the pull request changes. */
  changedFiles: readonly string[];
  /**
   * Reuse across events: `analyses` by file-set digest, and `load` for per-file load results.
   * Analyses are read-only downstream. Only base analyses are kept: the pull requests on one base
   * share it, while a head is seldom checked twice, and each kept analysis grows with what lint and
   * the diff remember on it (some 40 MB for a 200-policy repository).
   */
  memo?: {
    analyses: LruCache<string, Analysis>;
    baseKey: string;
    headKey: string;
    load: AnalyzeOptions['load'];
  };
  checkRunUrl?: string;
  rules?: readonly Rule[];
}

export interface EvaluateInput<D> extends CommitInput {
  baseFiles: readonly SourceFile[];
  reporter: PullRequestReporter<D>;
}

/** Only what the app sends: the analyses stay behind, so concurrent events do not hold them. */
export interface Evaluation {
  check: CheckRunReport;
  comment: { body: string; hasChanges: boolean };
}

/** The check of one commit alone: head analysed and linted; nothing is compared or rendered. */
export function evaluateCommit(input: CommitInput): CheckRunReport {
  return lintHead(input, analyzer(input)).check;
}

export function evaluatePullRequest<D>(input: EvaluateInput<D>): Evaluation {
  const { config, pullRequest, reporter } = input;
  const analyze = analyzer(input);
  const { head, lint, check } = lintHead(input, analyze);
  const base = analyze(input.baseFiles, 'baseKey');
  const diff = reporter.diff(base, head);
  const conclusion = check.conclusion === 'failure' ? 'failure' : 'success';
  const rendered = reporter.renderComment({
    pullRequest,
    config,
    base,
    head,
    lint,
    diff,
    conclusion,
    ...(input.checkRunUrl ? { checkRunUrl: input.checkRunUrl } : {}),
  });
  return {
    check,
    comment: {
      body: stickyBody(rendered, reporter.marker, check, input.checkRunUrl),
      hasChanges: reporter.hasChanges(diff),
    },
  };
}

type Analyze = (files: readonly SourceFile[], side: 'baseKey' | 'headKey') => Analysis;

/** Analyses through the memo when there is one. */
function analyzer(input: CommitInput): Analyze {
  const { config, memo } = input;
  return (files, side) => {
    if (!memo) return analyzeSources(files, config);
    const key = `${memo[side]}|${JSON.stringify(config)}`;
    const hit = memo.analyses.get(key);
    if (hit) return hit;
    const analysis = analyzeSources(files, config, { load: memo.load });
    // Only bases are kept: pull requests on one base share it, a head is seldom checked twice.
    if (side === 'baseKey') memo.analyses.set(key, analysis);
    return analysis;
  };
}

function lintHead(
  input: CommitInput,
  analyze: Analyze,
): { head: Analysis; lint: LintResult; check: CheckRunReport } {
  const { config, pullRequest } = input;
  const head = analyze(input.headFiles, 'headKey');
  const lint = lintAnalysis(head, config, input.rules ?? RULES);
  const check = buildCheckRunReport(lint, {
    repoUrl: pullRequest.repoUrl,
    headSha: pullRequest.headSha,
    failOn: config.failOn,
    configNote: input.configNote,
    changedFiles: input.changedFiles.length,
  });
  return { head, lint, check };
}

/**
 * The body as posted: it must carry the marker (or the app would post a second comment next time) and
 * fit GitHub's limit (or the update fails and the comment goes stale). The renderer keeps its own
 * budget; this is the last line of defence, not a second renderer.
 */
export function stickyBody(
  rendered: string,
  marker: string,
  check: CheckRunReport,
  checkRunUrl?: string,
): string {
  const body = rendered.includes(marker) ? rendered : `${rendered}\n\n${marker}`;
  if (body.length <= MAX_COMMENT_CHARS) return body;
  const where = checkRunUrl ? `[the check run](${checkRunUrl})` : 'the egress-lint check run';
  return `**egress-lint**: ${check.output.title}.\n\nThe full report is too large for a comment; see ${where}.\n\n${marker}`;
}
