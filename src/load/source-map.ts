/**
 * Field path -> line/column. Two sources, one meaning: the full parser's node tree, and the positions
 * the simple reader records. A field spans from its key to the last character of its value; a block
 * collection ends with its last item (the parser's own ranges also take in the line breaks, comments
 * and indentation after it, which would point a finding at the next line).
 */
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Document,
  type LineCounter,
  type Node,
} from 'yaml';
import type { FieldPath } from '../model/field-path.js';
import type { Span } from '../model/finding.js';
import type { NodePosition } from './simple-yaml.js';

export interface SourceMap {
  /**
   * Where the field at `path` was written: from its key to the end of its value. A path that does not
   * exist (a missing required field, say) resolves to the deepest ancestor that does.
   */
  locate(path: FieldPath): Span;
  /** The start of the document's content. */
  readonly start: Span;
}

/** The default prefix, one list for every map (each keeps its prefix). */
const NO_PREFIX: FieldPath = [];

export type LinePos = Pick<LineCounter, 'linePos'>;

/** endColumn is exclusive, like SARIF's; `to` is the offset just past the value. */
function spanOf(lines: LinePos, from: number, to: number): Span {
  const a = lines.linePos(from);
  const b = lines.linePos(Math.max(from, to - 1));
  return { line: a.line, column: a.col, endLine: b.line, endColumn: b.col + 1 };
}

/** The walk both sources share: `step` finds a child's [start, end] and node, or nothing. */
function sourceMap<N>(
  root: N | undefined,
  rootRange: [number, number],
  step: (node: N, seg: FieldPath[number]) => { from: number; to: number; node?: N } | undefined,
  lines: LinePos,
  prefix: FieldPath,
): SourceMap {
  const locateFull = (path: FieldPath): Span => {
    let [from, to] = rootRange;
    let node = root;
    for (const seg of path) {
      const next = node === undefined ? undefined : step(node, seg);
      if (!next) break;
      ({ from, to, node } = next);
    }
    return spanOf(lines, from, to);
  };
  return {
    get start() {
      return prefix.length ? locateFull(prefix) : spanOf(lines, rootRange[0], rootRange[0] + 1);
    },
    locate: (path) => locateFull(prefix.length ? [...prefix, ...path] : path),
  };
}

export function yamlSourceMap(
  doc: Document.Parsed,
  lines: LinePos,
  prefix: FieldPath = NO_PREFIX,
): SourceMap {
  const contents = (doc.contents as Node | null) ?? undefined;
  const docStart = contents?.range?.[0] ?? doc.range[0];
  const step = (parent: Node, seg: FieldPath[number]) => {
    const node = isAlias(parent) ? (parent.resolve(doc) as Node | undefined) : parent;
    let keyNode: Node | undefined;
    let next: Node | null | undefined;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (!pair) return undefined;
      keyNode = pair.key as Node;
      next = pair.value as Node | null;
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg] as Node | undefined;
      if (!next) return undefined;
    } else return undefined;
    const from = keyNode?.range?.[0] ?? next?.range?.[0];
    const to = next ? contentEnd(next) : keyNode?.range?.[1];
    if (from === undefined || to === undefined) return undefined;
    // A key without a value node still places the field; the walk stops there.
    return { from, to, node: next ?? undefined };
  };
  const rootRange: [number, number] = contents?.range
    ? [contents.range[0], contentEnd(contents)]
    : [docStart, docStart + 1];
  return sourceMap(contents, rootRange, step, lines, prefix);
}

/** Where a node's content ends: a block collection's last item's, not the parser's node end. */
function contentEnd(node: Node): number {
  let n = node;
  for (;;) {
    if ((isMap(n) || isSeq(n)) && !n.flow && n.items.length > 0) {
      const last = n.items[n.items.length - 1] as unknown;
      const inner = isPair(last) ? ((last.value ?? last.key) as Node | null) : (last as Node);
      if (inner?.range) {
        n = inner;
        continue;
      }
    }
    return n.range?.[1] ?? n.range?.[0] ?? 0;
  }
}

/**
 * The source map of a document the simple reader took; `offset` is where its text starts in the file.
 * Its positions are asked for on each use (the caller decides how long to keep them).
 */
export function simpleSourceMap(
  positions: () => NodePosition,
  lines: LinePos,
  offset: number,
  prefix: FieldPath = NO_PREFIX,
): SourceMap {
  return new SimpleSourceMap(positions, lines, offset, prefix);
}

/**
 * A class, not closures over an object literal with a getter: every loaded resource keeps its map for
 * the whole run, and the literal was a dictionary with three closures and their scopes (about 450
 * bytes a resource, against 56).
 */
class SimpleSourceMap implements SourceMap {
  constructor(
    private readonly positions: () => NodePosition,
    private readonly lines: LinePos,
    private readonly offset: number,
    private readonly prefix: FieldPath,
  ) {}

  get start(): Span {
    return this.map().start;
  }

  locate(path: FieldPath): Span {
    return this.map().locate(path);
  }

  private map(): SourceMap {
    const root = this.positions();
    const { lines, offset } = this;
    const shifted = { linePos: (at: number) => lines.linePos(offset + at) };
    return sourceMap(root, [root.start, root.end], stepIntoPosition, shifted, this.prefix);
  }
}

/** One step of a field path through the simple reader's positions. */
function stepIntoPosition(node: NodePosition, seg: FieldPath[number]) {
  if (node.keys) {
    const i = node.keys.indexOf(String(seg));
    if (i === -1) return undefined;
    const value = node.children![i]!;
    return { from: node.keyStarts![i]!, to: value.end, node: value };
  }
  const item = typeof seg === 'number' ? node.children?.[seg] : undefined;
  return item && { from: item.start, to: item.end, node: item };
}
