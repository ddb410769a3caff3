/**
 * Unified diffs of two texts (hunks only: the caller names the resource). Bounded: when more than
 * MAX_EDIT_LINES lines differ, the exact diff could take minutes, so the common head and tail are
 * kept and the middle is shown as replaced. Deterministic either way.
 */
import { structuredPatch, type StructuredPatchHunk } from 'diff';

export const MAX_EDIT_LINES = 1000;
export const DEFAULT_CONTEXT = 3;

export interface Patch {
  /** Hunks in unified format (`@@ -a,b +c,d @@` then ` `/`-`/`+` lines), each line ending in `\n`. */
  patch: string;
  additions: number;
  deletions: number;
}

type Hunk = Pick<StructuredPatchHunk, 'oldStart' | 'oldLines' | 'newStart' | 'newLines' | 'lines'>;

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function format(hunks: readonly Hunk[]): Patch {
  let additions = 0;
  let deletions = 0;
  const out: string[] = [];
  for (const h of hunks) {
    out.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`);
    for (const line of h.lines) {
      if (line.startsWith('\\')) continue; // "\ No newline at end of file": our YAML always ends in one
      if (line.startsWith('+')) additions++;
      else if (line.startsWith('-')) deletions++;
      out.push(line);
    }
  }
  return { patch: out.length ? `${out.join('\n')}\n` : '', additions, deletions };
}

/** One hunk replacing the middle of the text, keeping the common first and last lines as context. */
function replaceMiddle(oldLines: string[], newLines: string[], context: number): Hunk {
  let head = 0;
  while (head < oldLines.length && head < newLines.length && oldLines[head] === newLines[head])
    head++;
  let tail = 0;
  while (
    tail < oldLines.length - head &&
    tail < newLines.length - head &&
    oldLines[oldLines.length - 1 - tail] === newLines[newLines.length - 1 - tail]
  ) {
    tail++;
  }
  const before = Math.min(context, head);
  const after = Math.min(context, tail);
  const start = head - before;
  const oldEnd = oldLines.length - tail;
  const newEnd = newLines.length - tail;
  const lines = [
    ...oldLines.slice(start, head).map((l) => ` ${l}`),
    ...oldLines.slice(head, oldEnd).map((l) => `-${l}`),
    ...newLines.slice(head, newEnd).map((l) => `+${l}`),
    ...newLines.slice(newEnd, newEnd + after).map((l) => ` ${l}`),
  ];
  const oldCount = oldEnd - start + after;
  const newCount = newEnd - start + after;
  // Unified format numbers an empty side from the line before it (0 for an empty text).
  return {
    oldStart: oldCount === 0 ? start : start + 1,
    oldLines: oldCount,
    newStart: newCount === 0 ? start : start + 1,
    newLines: newCount,
    lines,
  };
}

export function unifiedPatch(oldText: string, newText: string, context = DEFAULT_CONTEXT): Patch {
  if (oldText === newText) return { patch: '', additions: 0, deletions: 0 };
  const oldLines = splitLines(oldText);
  const newLines = splitLines(newText);
  if (oldLines.length === 0 || newLines.length === 0)
    return format([replaceMiddle(oldLines, newLines, context)]);
  const patch = structuredPatch('', '', oldText, newText, undefined, undefined, {
    context,
    maxEditLength: MAX_EDIT_LINES,
  });
  return format(patch ? patch.hunks : [replaceMiddle(oldLines, newLines, context)]);
}
