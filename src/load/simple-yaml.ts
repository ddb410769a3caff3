/**
 * A fast reader for the plain block YAML that Kubernetes manifests are nearly always written in:
 * block mappings and sequences, single-line plain and quoted scalars, `[]`, `{}` and one-line flow
 * sequences of scalars, comments, and `---` between documents.
 *
 * Why: the yaml library's general parser is most of the cost of loading a large policy repository.
 * This reader declines a document (leaves it to the full parser, which also reports its errors) at the
 * first thing outside that subset: anchors, aliases, tags, block scalars, multi-line scalars, escapes
 * JSON does not share, explicit or quoted keys, duplicate keys, tabs, deep nesting, anything odd in
 * indentation. What decides where documents start it declines for the whole file (returns undefined):
 * CR and the other line breaks YAML or its 1.1 dialect may count, directives, `...`, markers with
 * content, empty documents. Splitting a stream at its `---` lines first is what kubectl does too
 * (apimachinery's YAMLReader); the loader still holds the full parser's reading of a declined
 * document equal to the whole file's (see load.ts). What it reads,
 * it reads as the full parser does: plain scalars are resolved by the parser's own tags (the resolver
 * is passed in), and a test compares values and positions on every fixture and on thousands of
 * mutated ones. It keeps no positions: a document a finding points into is read again for them
 * (readSimplePositions).
 */

export interface SimpleDocument {
  /** Undefined where the document is the full parser's to read. */
  value: Record<string, unknown> | undefined;
  /** Offsets of the document's text in the file: from its `---` line (or the file start) up to the next. */
  start: number;
  end: number;
}

/**
 * Where a node was written, for the source map: from its first character to the end of its content
 * (a block collection ends where its last item does). Mapping entries also keep where the key starts.
 */
export interface NodePosition {
  start: number;
  end: number;
  /** A mapping's keys and where each starts; its values are `children`, in the same order. */
  keys?: string[];
  keyStarts?: number[];
  /** A mapping's values or a sequence's items. */
  children?: NodePosition[];
}

/** The value of a plain scalar, or DECLINED where the full parser must decide. */
export type PlainResolver = (source: string, atKey: boolean) => unknown;

export const DECLINED: unique symbol = Symbol('outside the simple YAML subset');

/**
 * Characters this reader leaves to the full parser: tabs, CR, other C0/C1 controls, DEL, the BOM and
 * the Unicode line separators.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
const UNSUPPORTED_CHARACTERS = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]/;
/** Of those, the ones that may end a line (CR, NEL, LS, PS) or start a document (BOM): a whole file's. */
const LINE_BREAKING_CHARACTERS = /[\r\x85\u2028\u2029\ufeff]/;
/** Keys this reader accepts: the usual Kubernetes field names, labels and annotation keys. */
const SIMPLE_KEY = /^[A-Za-z0-9_][A-Za-z0-9_./-]{0,252}$/;
/** First characters of plain scalars that cannot be YAML indicators (`-` is handled apart). */
const PLAIN_START = /^[A-Za-z0-9_./~+$(=^]|^\p{L}/u;
const COMMENT_ONLY = /^(?: +#.*)?$/;

interface Line {
  /** Offset of the line in the text. */
  start: number;
  /** Spaces before the content. */
  indent: number;
  /** The content: no indentation, no trailing spaces; comments are still there. */
  text: string;
}

/** Thrown inside the reader to give up on a file; never escapes it. */
class Decline extends Error {}
const DECLINE = new Decline('outside the simple YAML subset');
function decline(): never {
  throw DECLINE;
}

/**
 * The documents of `text`, or undefined where the full parser must read it. Collections nested more
 * than `maxDepth` deep are declined: the reader recurses per level.
 */
export function readSimpleYaml(
  text: string,
  resolvePlain: PlainResolver,
  maxDepth = DEFAULT_MAX_DEPTH,
): SimpleDocument[] | undefined {
  const docs = readSimpleDocuments(text, resolvePlain, maxDepth);
  return docs?.every((d) => d.value !== undefined) ? docs : undefined;
}

/**
 * The documents of `text`, each read or declined on its own (value undefined), or undefined where
 * the full parser must read the whole file.
 */
export function readSimpleDocuments(
  text: string,
  resolvePlain: PlainResolver,
  maxDepth = DEFAULT_MAX_DEPTH,
): SimpleDocument[] | undefined {
  return read(() => new SimpleYamlReader(text, resolvePlain, false, maxDepth, true).documents());
}

const DEFAULT_MAX_DEPTH = 64;

/**
 * Positions of the one document in `text` (a SimpleDocument's slice), read again on demand: reading
 * is cheap, and keeping positions for every node of every file would not be.
 */
export function readSimplePositions(text: string): NodePosition | undefined {
  return read(() => {
    // Keys and scalars of an accepted document are not resolved again: only offsets are wanted.
    const reader = new SimpleYamlReader(text, () => DECLINED, true, Infinity);
    return reader.documents().length === 1 ? reader.rootPosition : undefined;
  });
}

/**
 * A copy of a list that `push` built, without its spare room (up to 16 slots): the values read are
 * kept for the whole run, and a policy's many short lists (hosts, from, to) were a third empty.
 */
function atLength<T>(items: T[]): T[] {
  return items.length === 0 ? items : items.slice();
}

function read<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e === DECLINE) return undefined;
    throw e;
  }
}

class SimpleYamlReader {
  private lines: Line[] = [];
  /** Index just past the last line of the document being read. */
  private end = 0;
  /** Collections open around the one being read. */
  private depth = 0;

  /** With `positions`, the position of the node each method last read (undefined otherwise). */
  private last: NodePosition | undefined;
  rootPosition: NodePosition | undefined;

  constructor(
    private readonly text: string,
    private readonly resolvePlain: PlainResolver,
    private readonly positions: boolean,
    private readonly maxDepth: number,
    /** Decline single documents, not the whole file. */
    private readonly perDocument = false,
  ) {}

  documents(): SimpleDocument[] {
    const { text } = this;
    if ((this.perDocument ? LINE_BREAKING_CHARACTERS : UNSUPPORTED_CHARACTERS).test(text))
      decline();
    const docs: SimpleDocument[] = [];
    let docStart = 0;
    let sawMarker = false;
    const finish = (end: number): void => {
      if (this.lines.length === 0) {
        // Comments before the first `---` are a prelude, not a document; any other empty document is
        // the full parser's to report.
        if (sawMarker || docStart !== 0 || end === text.length) decline();
        return;
      }
      docs.push({ value: this.readDocument(docStart, end), start: docStart, end });
      this.lines = [];
    };
    let at = 0;
    while (at < text.length) {
      let next = text.indexOf('\n', at);
      if (next === -1) next = text.length;
      let indent = 0;
      while (text.charCodeAt(at + indent) === 32) indent++;
      let stop = next;
      while (stop > at + indent && text.charCodeAt(stop - 1) === 32) stop--;
      const content = text.slice(at + indent, stop);
      if (content !== '' && content[0] !== '#') {
        if (indent === 0 && /^(?:---|\.\.\.|%)/.test(content)) {
          if (!/^---(?: +#.*)?$/.test(content)) decline();
          finish(at);
          docStart = at;
          sawMarker = true;
        } else this.lines.push({ start: at, indent, text: content });
      }
      at = next + 1;
    }
    finish(text.length);
    if (docs.length === 0) decline();
    return docs;
  }

  private readDocument(start: number, end: number): Record<string, unknown> | undefined {
    if (!this.perDocument) return this.readRoot();
    if (UNSUPPORTED_CHARACTERS.test(this.text.slice(start, end))) return undefined;
    try {
      return this.readRoot();
    } catch (e) {
      if (e !== DECLINE) throw e;
      this.depth = 0;
      return undefined;
    }
  }

  private readRoot(): Record<string, unknown> {
    this.end = this.lines.length;
    const first = this.lines[0]!;
    if (isSeqItem(first.text)) decline();
    const [value, next] = this.map(0, first.indent, first.text);
    if (next !== this.end) decline();
    this.rootPosition = this.last;
    return value;
  }

  private line(i: number): Line | undefined {
    return i < this.end ? this.lines[i] : undefined;
  }

  /** A block node whose first line is `i`, with `text` starting at column `col`. */
  private node(i: number, col: number, text: string): [unknown, number] {
    if (isSeqItem(text)) return this.seq(i, col, text);
    return this.map(i, col, text);
  }

  private map(i: number, col: number, text: string): [Record<string, unknown>, number] {
    if (++this.depth > this.maxDepth) decline();
    const obj: Record<string, unknown> = {};
    // Positions only when asked for: the plain read allocates nothing it does not return.
    const keys: string[] | undefined = this.positions ? [] : undefined;
    const keyStarts: number[] | undefined = keys && [];
    const children: NodePosition[] | undefined = keys && [];
    const start = this.lines[i]!.start + col;
    let end = start;
    for (;;) {
      const keyStart = this.lines[i]!.start + col;
      const sep = keySeparator(text);
      if (sep === -1) decline();
      // Reading positions, the document is known to be good: only offsets are wanted.
      const key = this.positions ? text.slice(0, sep) : this.key(text.slice(0, sep));
      if (!this.positions && Object.hasOwn(obj, key)) decline();
      const rest = trimSpaces(text.slice(sep + 1));
      let value: unknown;
      if (rest === '' || rest[0] === '#') {
        this.empty(keyStart + sep + 1);
        const next = this.line(++i);
        if (next && next.indent > col) [value, i] = this.node(i, next.indent, next.text);
        else if (next && next.indent === col && isSeqItem(next.text))
          [value, i] = this.seq(i, col, next.text);
        else value = null;
      } else {
        value = this.scalar(rest, keyStart + text.length - rest.length);
        i++;
      }
      if (keys) {
        keys.push(key);
        keyStarts!.push(keyStart);
        children!.push(this.last!);
        end = this.last!.end;
      } else obj[key] = value;
      const next = this.line(i);
      if (!next || next.indent < col) {
        if (keys) this.last = { start, end, keys, keyStarts, children };
        this.depth--;
        return [obj, i];
      }
      if (next.indent > col || isSeqItem(next.text)) decline();
      text = next.text;
    }
  }

  private seq(i: number, col: number, text: string): [unknown[], number] {
    if (++this.depth > this.maxDepth) decline();
    const items: unknown[] = [];
    const positions: NodePosition[] | undefined = this.positions ? [] : undefined;
    const start = this.lines[i]!.start + col;
    for (;;) {
      const dash = this.lines[i]!.start + col;
      const after = text.slice(1);
      const rest = trimSpaces(after);
      const restCol = col + 1 + after.length - rest.length;
      let value: unknown;
      if (rest === '' || rest[0] === '#') {
        this.empty(dash + 1);
        const next = this.line(++i);
        if (next && next.indent > col) [value, i] = this.node(i, next.indent, next.text);
        else value = null;
      } else if (isSeqItem(rest)) decline();
      else if (!/^["'[{]/.test(rest) && keySeparator(rest) !== -1)
        [value, i] = this.map(i, restCol, rest);
      else {
        value = this.scalar(rest, this.lines[i]!.start + restCol);
        i++;
      }
      items.push(value);
      positions?.push(this.last!);
      const next = this.line(i);
      const more = next && next.indent === col && isSeqItem(next.text);
      if (next && next.indent > col) decline();
      if (!more) {
        // A line at this column that is not an item is the next key of the mapping that holds us.
        if (positions)
          this.last = { start, end: positions[positions.length - 1]!.end, children: positions };
        this.depth--;
        return [atLength(items), i];
      }
      text = next.text;
    }
  }

  /**
   * An empty value after the indicator that ends at `after`: the parser places it past the spaces
   * that follow (the text still has them; our lines do not).
   */
  private empty(after: number): void {
    if (!this.positions) return;
    let at = after;
    while (this.text.charCodeAt(at) === 32) at++;
    this.last = { start: at, end: at };
  }

  private key(source: string): string {
    if (!SIMPLE_KEY.test(source) || source === '__proto__') decline();
    const value = this.resolvePlain(source, true);
    if (value !== source) decline();
    return source;
  }

  /** A scalar (or one-line flow collection) that fills the rest of its line from offset `at`. */
  private scalar(rest: string, at: number): unknown {
    const [value, length, items] = this.scalarText(rest, at);
    if (this.positions) {
      this.last = { start: at, end: at + length };
      if (items) this.last.children = items;
    }
    return value;
  }

  /**
   * The value, how many characters of `rest` it takes (a comment may follow) and, for a flow
   * sequence read for positions, where its items are.
   */
  private scalarText(rest: string, at: number): [unknown, number, NodePosition[]?] {
    const c = rest[0];
    if (c === '"') {
      const close = closingDoubleQuote(rest);
      onlyComment(rest, close + 1);
      return [this.positions ? null : doubleQuoted(rest.slice(1, close)), close + 1];
    }
    if (c === "'") {
      const close = closingSingleQuote(rest);
      onlyComment(rest, close + 1);
      return [singleQuoted(rest.slice(1, close)), close + 1];
    }
    if (c === '[') return this.flowSeq(rest, at);
    if (c === '{') {
      if (!/^\{ *\}(?: +#.*)?$/.test(rest)) decline();
      return [{}, rest.indexOf('}') + 1];
    }
    if (!PLAIN_START.test(rest) && !(c === '-' && /^-[0-9.]/.test(rest))) decline();
    const hash = rest.indexOf(' #');
    const body = hash === -1 ? rest : trimSpaces(rest.slice(0, hash));
    if (body.endsWith(':') || body.includes(': ')) decline();
    return [this.positions ? null : this.plain(body), body.length];
  }

  /** `[a, "b", 'c']` on one line; anything nested, escaped or oddly punctuated is declined. */
  private flowSeq(rest: string, at: number): [unknown[], number, NodePosition[]?] {
    const close = rest.indexOf(']');
    if (close === -1) decline();
    onlyComment(rest, close + 1);
    const inner = rest.slice(1, close);
    if (/[[{}#\\]/.test(inner)) decline();
    const values: unknown[] = [];
    const positions: NodePosition[] | undefined = this.positions ? [] : undefined;
    if (!/^ *$/.test(inner)) {
      let from = 1;
      for (const raw of inner.split(',')) {
        const item = trimSpaces(raw);
        const start = at + from + raw.indexOf(item);
        from += raw.length + 1;
        if (item === '') decline();
        values.push(this.positions ? null : this.flowItem(item));
        positions?.push({ start, end: start + item.length });
      }
    }
    return [atLength(values), close + 1, positions];
  }

  private flowItem(item: string): unknown {
    if (item[0] === '"') {
      if (closingDoubleQuote(item) !== item.length - 1) decline();
      return doubleQuoted(item.slice(1, -1));
    }
    if (item[0] === "'") {
      if (closingSingleQuote(item) !== item.length - 1) decline();
      return singleQuoted(item.slice(1, -1));
    }
    if (!PLAIN_START.test(item) || /[:"' ]/.test(item)) decline();
    return this.plain(item);
  }

  private plain(source: string): unknown {
    const value = this.resolvePlain(source, false);
    if (value === DECLINED) decline();
    return value;
  }
}

/** YAML trims spaces (and tabs, which this reader declines); String#trim would also eat NBSP and co. */
function trimSpaces(text: string): string {
  let from = 0;
  let to = text.length;
  while (text.charCodeAt(from) === 32) from++;
  while (to > from && text.charCodeAt(to - 1) === 32) to--;
  return from === 0 && to === text.length ? text : text.slice(from, to);
}

function isSeqItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** Index of the `:` that ends a block mapping key (followed by a space or the line end), or -1. */
function keySeparator(text: string): number {
  let i = text.indexOf(':');
  while (i !== -1 && i + 1 < text.length && text[i + 1] !== ' ') i = text.indexOf(':', i + 1);
  return i;
}

function onlyComment(text: string, from: number): void {
  if (!COMMENT_ONLY.test(text.slice(from))) decline();
}

/** The index of the `"` that closes the double-quoted scalar `text` starts with. */
function closingDoubleQuote(text: string): number {
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92)
      i++; // backslash: skip what it escapes
    else if (c === 34) return i;
  }
  return decline();
}

/** YAML's escapes that JSON shares mean the same in both; YAML's others are the full parser's. */
const JSON_ESCAPES_ONLY = /^(?:[^\\]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*$/;

function doubleQuoted(body: string): string {
  if (!body.includes('\\')) return body;
  if (!JSON_ESCAPES_ONLY.test(body)) decline();
  return JSON.parse(`"${body}"`) as string;
}

/** The index of the `'` that closes the single-quoted scalar `text` starts with (`''` is a quote). */
function closingSingleQuote(text: string): number {
  for (let i = 1; ; i += 2) {
    i = text.indexOf("'", i);
    if (i === -1) decline();
    if (text[i + 1] !== "'") return i;
  }
}

function singleQuoted(body: string): string {
  return body.replaceAll("''", "'");
}
