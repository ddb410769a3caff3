/**
 * A cheap pre-scan for nesting depth. The YAML parser recurses (and its error path builds regexes) per
 * level, so a hostile file with 100k nested brackets can exhaust memory before it reports anything.
 * We find such documents first and blank them out, keeping line numbers intact.
 */

export const MAX_NESTING_DEPTH = 128;

export interface TooDeep {
  /** Offsets of the offending document in the text: [start, end). */
  start: number;
  end: number;
  line: number;
  column: number;
  depth: number;
}

const DOC_MARKER = /^(?:---|\.\.\.)(?=\s|$)/;

export function findTooDeepDocuments(text: string, maxDepth = MAX_NESTING_DEPTH): TooDeep[] {
  const out: TooDeep[] = [];
  let docStart = 0;
  let flagged: Omit<TooDeep, 'end'> | undefined;
  let flow = 0;
  const indents: number[] = [];
  let quote: '"' | "'" | undefined;

  let pos = 0;
  let lineNo = 1;
  while (pos <= text.length) {
    let eol = text.indexOf('\n', pos);
    if (eol === -1) eol = text.length;
    const line = text.slice(pos, eol);

    // `---`/`...` at column 0 ends a document in every context (YAML forbids them inside scalars and
    // flow collections), so whatever state the previous document left us in is reset here.
    if (DOC_MARKER.test(line)) {
      if (flagged) out.push({ ...flagged, end: pos });
      flagged = undefined;
      docStart = pos;
      indents.length = 0;
      flow = 0;
      quote = undefined;
    } else if (!flagged) {
      const hit = scanLine(line);
      if (hit !== undefined)
        flagged = { start: docStart, line: lineNo, column: hit.column, depth: hit.depth };
    }
    pos = eol + 1;
    lineNo++;
  }
  if (flagged) out.push({ ...flagged, end: text.length });
  return out;

  function scanLine(line: string): { column: number; depth: number } | undefined {
    let i = 0;
    if (!quote && flow === 0) {
      while (i < line.length && line[i] === ' ') i++;
      if (i === line.length || line[i] === '#') return undefined;
      while (indents.length && indents[indents.length - 1]! >= i) indents.pop();
      indents.push(i);
      // compact nested sequences: "- - - x"
      while (line[i] === '-' && line[i + 1] === ' ') {
        indents.push(i + 2);
        i += 2;
        while (line[i] === ' ') i++;
      }
      if (indents.length > maxDepth) return { column: i + 1, depth: indents.length };
    }
    let tokenStart = true;
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (quote) {
        if (c === quote) {
          if (quote === "'" && line[i + 1] === "'") i++;
          else quote = undefined;
        } else if (c === '\\' && quote === '"') i++;
        continue;
      }
      if (c === '#' && (i === 0 || line[i - 1] === ' ')) break;
      if ((c === '"' || c === "'") && tokenStart) quote = c;
      else if ((c === '[' || c === '{') && (flow > 0 || tokenStart)) {
        flow++;
        if (indents.length + flow > maxDepth)
          return { column: i + 1, depth: indents.length + flow };
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
      tokenStart =
        c === ' ' || c === ',' || c === '[' || c === '{' || (c === ':' && flow > 0) || c === '-';
    }
    return undefined;
  }
}

/** Replace every character of the ranges except line breaks with spaces, so offsets and lines stay. */
export function blankRanges(
  text: string,
  ranges: readonly { start: number; end: number }[],
): string {
  if (ranges.length === 0) return text;
  let out = '';
  let at = 0;
  for (const r of ranges) {
    out += text.slice(at, r.start) + text.slice(r.start, r.end).replace(/[^\n]/g, ' ');
    at = r.end;
  }
  return out + text.slice(at);
}
