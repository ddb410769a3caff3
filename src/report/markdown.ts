/**
 * The sticky PR comment, exactly as the GitHub App posts it (and `egress-lint diff --format markdown`
 * prints it): verdict, findings table, resource-change table, one collapsible diff per changed
 * resource, access changes, and a footer with the comment commands.
 *
 * Bounded: GitHub rejects comments over 65,536 characters. Each section gets a fair share of the
 * budget (a section that needs less gives the rest to the others); a section over its share is cut
 * between table rows or diff lines, with a visible note saying what was cut and where the full
 * output is. Code blocks and tables are always closed.
 *
 * Every piece of repository text goes through ./escape.ts: it cannot close a fence, open HTML,
 * break a table or mention anyone.
 */
import type { ResourceChange } from '../diff/diff.js';
import { DOCS_BASE, type Finding } from '../model/finding.js';
import { byteSize, fairShares, fitAll, takeWithin, type Fittable } from './budget.js';
import {
  changeCountsLine,
  formatCount,
  countsLine,
  verdictOf,
  type AccessChanges,
  type DiffReport,
  type Verdict,
} from './diff-report.js';
import {
  codeBlock,
  blobLineUrl,
  fenceFor,
  htmlCode,
  htmlText,
  mdCode,
  mdLink,
  mdText,
} from './escape.js';

/** The hidden marker the app looks for to find and update its own comment. */
export const STICKY_COMMENT_MARKER = '<!-- egress-lint:sticky-comment -->';
/** GitHub's limit for a comment body, in characters. */
export const COMMENT_LIMIT = 65_536;
/**
 * What we aim for, in UTF-8 bytes: below the limit however GitHub counts (characters, bytes, line
 * breaks as CRLF).
 */
export const DEFAULT_MAX_BYTES = 60_000;
/** Diff lines longer than this are shortened in the comment (a minified blob is one huge line). */
export const MAX_DIFF_LINE = 500;
/** A changed resource is shown only if at least this much of it fits (else it is listed as not shown). */
const MIN_DETAILS_BYTES = 700;

export const COMMENT_COMMANDS = [
  { command: '/egress render', help: 're-renders this comment' },
  { command: '/egress help', help: 'lists the commands' },
] as const;

export interface MarkdownOptions {
  /** Links findings and locations to the head commit; without it they show as plain `file:line`. */
  links?: { repoUrl: string; headSha: string };
  /** Where the complete output is, for the notes on anything cut: the check run, a command to run. */
  fullOutput?: { url?: string; command?: string };
  /** The rule docs (default: the project's rules folder). */
  docsUrl?: string;
  /** Upper bound of the body in UTF-8 bytes (default DEFAULT_MAX_BYTES). */
  maxBytes?: number;
}

interface Context {
  links?: MarkdownOptions['links'];
  /** "the [check run](…)" or "the output of `egress-lint diff …`", for notes on cut sections. */
  fullOutput: string;
}

export function renderMarkdown(report: DiffReport, options: MarkdownOptions = {}): string {
  const max = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const ctx: Context = {
    ...(options.links ? { links: options.links } : {}),
    fullOutput: fullOutputText(options.fullOutput),
  };
  const verdict = verdictOf(report);
  const top = `${STICKY_COMMENT_MARKER}\n${verdictLine(verdict)}\n\n${(report.notes ?? []).map((n) => `> ${mdText(n, 500)}\n\n`).join('')}`;
  const bottom = footer(options, ctx);
  const sections = [
    findingsSection(report.findings, ctx),
    changesSection(report.diff.changes, changeCountsLine(report.diff), ctx),
    detailsSection(report.diff.changes, ctx),
    ...(report.access && report.access.rows.length ? [accessSection(report.access, ctx)] : []),
  ];
  const body = `${top}${fitAll(sections, max - byteSize(top) - byteSize(bottom)).join('')}${bottom}`;
  if (byteSize(body) <= max) return body;
  // Only reachable with a budget too small for the fixed parts: say so rather than post nothing.
  const minimal = `${STICKY_COMMENT_MARKER}\n${verdictLine(verdict)}\n\nDetails did not fit in this comment: see ${ctx.fullOutput}.\n`;
  return byteSize(minimal) <= max ? minimal : `${STICKY_COMMENT_MARKER}\n`;
}

function verdictLine(v: Verdict): string {
  return `### ${v.blocked ? '❌ egress-lint: blocked' : '✅ egress-lint: passes'} — ${countsLine(v)}`;
}

function fullOutputText(full: MarkdownOptions['fullOutput']): string {
  const link = full?.url ? mdLink('check run', full.url) : undefined;
  const command = full?.command ? `the output of ${mdCode(full.command, 300)}` : undefined;
  if (link && command) return `the ${link}, or ${command}`;
  if (link) return `the ${link}`;
  return command ?? `the output of ${mdCode('egress-lint diff')}`;
}

function footer(options: MarkdownOptions, ctx: Context): string {
  const commands = COMMENT_COMMANDS.map((c) => `${mdCode(c.command)} ${c.help}`).join(', ');
  const docs = mdLink('Rule docs', options.docsUrl ?? DOCS_BASE);
  return `---\n<sub>Comment commands: ${commands}. ${docs} · Full results: ${ctx.fullOutput}.</sub>\n`;
}

// ---------------------------------------------------------------------------------------------------
// Tables

/** A table cut between rows: header, the rows that fit, and a note on the rest. */
function table(
  heading: string,
  header: readonly string[],
  rows: readonly string[],
  what: string,
  ctx: Context,
): Fittable {
  const head = `${heading}| ${header.join(' | ')} |\n|${header.map(() => ' --- |').join('')}\n`;
  const note = (n: number): string =>
    `\n_${formatCount(n)} more ${what} not shown: see ${ctx.fullOutput}._\n\n`;
  const full = `${head}${rows.join('')}\n`;
  return {
    full,
    fit(budget) {
      const count = takeWithin(
        rows.map((r) => byteSize(r)),
        budget - byteSize(head) - 1,
        (n) => byteSize(note(n)),
      );
      if (count === 0) {
        const alone = `${heading}${note(rows.length).trimStart()}`;
        return byteSize(alone) <= budget ? alone : '';
      }
      return count === rows.length
        ? full
        : `${head}${rows.slice(0, count).join('')}${note(rows.length - count)}`;
    },
  };
}

const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |\n`;

function fileLink(file: string, line: number, ctx: Context): string {
  const label = mdCode(`${file}:${line}`, 200);
  if (!ctx.links || !file) return label;
  return mdLink(label, blobLineUrl(ctx.links.repoUrl, ctx.links.headSha, file, line));
}

const SEVERITY_LABEL = { error: '❌ error', warning: '⚠️ warning', info: 'ℹ️ info' } as const;

function findingsSection(findings: readonly Finding[], ctx: Context): Fittable {
  const shown = findings.filter((f) => !f.suppressed && f.severity !== 'info');
  if (shown.length === 0) return { full: '', fit: () => '' };
  const rows = shown.map((f) =>
    row([
      SEVERITY_LABEL[f.severity],
      mdLink(mdCode(f.ruleId, 100), f.docs),
      f.file ? fileLink(f.file, f.line, ctx) : '',
      mdText(f.message, 300),
    ]),
  );
  return table(
    '#### Findings\n\n',
    ['Severity', 'Rule', 'Where', 'Message'],
    rows,
    'findings',
    ctx,
  );
}

function changeLabel(c: ResourceChange): string {
  if (c.change !== 'changed') return c.change;
  const extra: string[] = [];
  if (c.previousApiVersion) extra.push(`${c.previousApiVersion} → ${c.apiVersion}`);
  if (c.previousOrigin) extra.push(`now ${c.origin}`);
  return extra.length ? `changed (${extra.join(', ')})` : 'changed';
}

function producedBy(c: ResourceChange, ctx: Context): string {
  const at =
    c.location && c.change !== 'removed'
      ? fileLink(c.location.file, c.location.line, ctx)
      : c.baseLocation
        ? `was ${mdCode(`${c.baseLocation.file}:${c.baseLocation.line}`, 200)}`
        : '';
  const who = c.policy
    ? `policy ${mdCode(`${c.policy.namespace}/${c.policy.name}`, 200)}`
    : 'hand-written';
  return at ? `${who}, ${at}` : who;
}

function changesSection(
  changes: readonly ResourceChange[],
  counts: string,
  ctx: Context,
): Fittable {
  if (changes.length === 0) {
    const full = '#### Resource changes\n\nNo changes to Istio resources or egress policies.\n\n';
    return { full, fit: () => '' };
  }
  const rows = changes.map((c) =>
    row([
      mdText(changeLabel(c), 200),
      mdCode(c.kind, 100),
      mdCode(`${c.namespace}/${c.name}`, 200),
      producedBy(c, ctx),
    ]),
  );
  return table(
    `#### Resource changes (${counts})\n\n`,
    ['Change', 'Kind', 'Resource', 'Produced by'],
    rows,
    'changed resources',
    ctx,
  );
}

// ---------------------------------------------------------------------------------------------------
// Diffs

interface DiffLines {
  lines: string[];
  sizes: number[];
  shortened: boolean[];
  fence: string;
}

function diffLines(patch: string): DiffLines {
  const raw = patch.endsWith('\n')
    ? patch.slice(0, -1).split('\n')
    : patch
      ? patch.split('\n')
      : [];
  const shortened = raw.map((l) => [...l].length > MAX_DIFF_LINE);
  const lines = raw.map((l, i) =>
    shortened[i] ? `${[...l].slice(0, MAX_DIFF_LINE).join('')} […]` : l,
  );
  return {
    lines,
    sizes: lines.map((l) => byteSize(l) + 1),
    shortened,
    fence: fenceFor(lines.join('\n')),
  };
}

function detailsSummary(c: ResourceChange): string {
  const policy = c.policy
    ? ` from policy ${htmlCode(`${c.policy.namespace}/${c.policy.name}`, 200)}`
    : '';
  return `<summary><b>${htmlText(changeLabel(c), 200)}</b> ${htmlCode(c.kind, 100)} ${htmlCode(`${c.namespace}/${c.name}`, 200)}${policy} (+${c.additions} −${c.deletions})</summary>`;
}

/** One `<details>` with the diff, cut to `budget` bytes between lines; undefined if nothing fits. */
function detailsBlock(
  c: ResourceChange,
  d: DiffLines,
  budget: number,
  ctx: Context,
): string | undefined {
  const open = `<details>\n${detailsSummary(c)}\n\n`;
  const close = '\n</details>\n\n';
  const render = (count: number): string => {
    const notes: string[] = [];
    if (count < d.lines.length)
      notes.push(`${formatCount(count)} of ${formatCount(d.lines.length)} lines shown`);
    if (d.shortened.slice(0, count).some(Boolean))
      notes.push(`lines longer than ${MAX_DIFF_LINE} characters shortened`);
    const note = notes.length
      ? `\n_Diff cut: ${notes.join('; ')}. The full diff is in ${ctx.fullOutput}._\n`
      : '';
    return `${open}${codeBlock('diff', d.lines.slice(0, count), d.fence)}${note}${close}`;
  };
  const whole = render(d.lines.length);
  if (byteSize(whole) <= budget) return whole;
  // Lines that fit next to the block's fixed parts, then back off while the notes outgrow the estimate.
  let count = 0;
  let used = byteSize(render(0));
  while (count < d.lines.length && used + d.sizes[count]! <= budget) used += d.sizes[count++]!;
  let text = render(count);
  while (count > 0 && byteSize(text) > budget) text = render(--count);
  return count > 0 ? text : undefined;
}

function detailsSection(changes: readonly ResourceChange[], ctx: Context): Fittable {
  const diffs = changes.map((c) => diffLines(c.patch));
  const blocks = changes.map((c, i) => detailsBlock(c, diffs[i]!, Infinity, ctx)!);
  const omitted = (n: number): string =>
    `_${formatCount(n)} more changed resources not shown here: see ${ctx.fullOutput}._\n\n`;
  return {
    full: blocks.join(''),
    fit(budget) {
      const sizes = blocks.map((b) => byteSize(b));
      const floor = sizes.map((s) => Math.min(s, MIN_DETAILS_BYTES));
      // Show the first k resources, each with at least its floor. Room is kept for the note on the
      // rest, which may also name blocks that turn out not to fit their share.
      const room = budget - byteSize(omitted(changes.length));
      let k = 0;
      let need = 0;
      while (k < changes.length && need + floor[k]! <= room) need += floor[k++]!;
      const shares = fairShares(sizes.slice(0, k), room);
      const shown: string[] = [];
      let dropped = changes.length - k;
      for (let i = 0; i < k; i++) {
        const block =
          sizes[i]! <= shares[i]!
            ? blocks[i]!
            : detailsBlock(changes[i]!, diffs[i]!, shares[i]!, ctx);
        if (block === undefined) dropped++;
        else shown.push(block);
      }
      const note = dropped ? omitted(dropped) : '';
      return `${shown.join('')}${note}`;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Access changes

function accessSection(access: AccessChanges, ctx: Context): Fittable {
  const rows = access.rows.map((r) =>
    row([
      mdCode(r.source, 200),
      mdCode(r.destination, 300),
      // A traffic split lists each share's verdict beside the verdict: room for a few.
      mdCode(r.before, 300),
      mdCode(r.after, 300),
    ]),
  );
  const rowsTable = table(
    '#### Access changes\n\n',
    ['Source', 'Destination', 'Before', 'After'],
    rows,
    'access changes',
    ctx,
  );
  const mermaid = access.mermaid
    ? `${codeBlock('mermaid', access.mermaid.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n'))}\n`
    : '';
  const mermaidOmitted = mermaid ? '_Flowchart omitted: too large for this comment._\n\n' : '';
  return {
    full: `${rowsTable.full}${mermaid}`,
    fit(budget) {
      const fullTable = rowsTable.full;
      // The table first; the flowchart only whole, never cut.
      if (byteSize(fullTable) + byteSize(mermaid) <= budget) return `${fullTable}${mermaid}`;
      const tableText = rowsTable.fit(budget - byteSize(mermaidOmitted));
      return `${tableText}${tableText ? mermaidOmitted : ''}`;
    },
  };
}
