/** Field path -> line/column, resolved lazily against the parsed YAML node tree. */
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

export interface SourceMap {
  /**
   * Where the field at `path` was written: from its key to the end of its value. A path that does not
   * exist (a missing required field, say) resolves to the deepest ancestor that does.
   */
  locate(path: FieldPath): Span;
  /** The start of the document's content. */
  readonly start: Span;
}

export function yamlSourceMap(
  doc: Document.Parsed,
  lines: Pick<LineCounter, 'linePos'>,
  prefix: FieldPath = [],
): SourceMap {
  // endColumn is exclusive, like SARIF's; `to` is the offset just past the value.
  const span = (from: number, to: number): Span => {
    const a = lines.linePos(from);
    const b = lines.linePos(Math.max(from, to - 1));
    return { line: a.line, column: a.col, endLine: b.line, endColumn: b.col + 1 };
  };
  const docStart = (doc.contents as Node | null)?.range?.[0] ?? doc.range[0];
  const locateFull = (path: FieldPath): Span => {
    let node = doc.contents as Node | null | undefined;
    let from = node?.range?.[0] ?? docStart;
    let to = node?.range?.[1] ?? docStart + 1;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(doc) as Node | undefined;
      let keyNode: Node | undefined;
      let next: Node | null | undefined;
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
        );
        if (!pair) break;
        keyNode = pair.key as Node;
        next = pair.value as Node | null;
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg] as Node | undefined;
        if (!next) break;
      } else break;
      const start = keyNode?.range?.[0] ?? next?.range?.[0];
      const end = next?.range?.[1] ?? keyNode?.range?.[1];
      if (start !== undefined && end !== undefined) {
        from = start;
        to = end;
      }
      if (!next) break;
      node = next;
    }
    return span(from, to);
  };
  return {
    get start() {
      return prefix.length ? locateFull(prefix) : span(docStart, docStart + 1);
    },
    locate: (path) => locateFull(prefix.length ? [...prefix, ...path] : path),
  };
}

/** A source map built on first use: most resources are never asked where a field was written. */
export function deferredSourceMap(build: () => SourceMap): SourceMap {
  let map: SourceMap | undefined;
  const get = (): SourceMap => (map ??= build());
  return {
    get start() {
      return get().start;
    },
    locate: (path) => get().locate(path),
  };
}
