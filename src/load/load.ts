/**
 * Load stage: YAML text -> resources with source maps, and diagnostics for whatever cannot be read.
 * Pure: takes file contents, never touches the file system. One bad file or document never stops the
 * others from loading (DESIGN.md §6).
 */
import { isScalar, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import { docsUrl, type Finding, type Severity, type Span } from '../model/finding.js';
import { isObject, splitApiVersion, type JsonObject, type Resource } from '../model/resource.js';
import { decodeSource, DEFAULT_DECODE_LIMITS, type DecodeLimits } from './decode.js';
import { findGoTemplateAction, goTemplateMessage } from './go-template.js';
import { cyclicAliasMessage, findCyclicAlias } from './cyclic-alias.js';
import { findUnsupportedKey, unsupportedManifestKeyMessage } from './mapping-keys.js';
import {
  blankRanges,
  findTooDeepDocuments,
  MAX_NESTING_DEPTH,
  type TooDeep,
} from './depth-guard.js';
import { simpleSourceMap, yamlSourceMap, type LinePos, type SourceMap } from './source-map.js';
import {
  readSimpleDocuments,
  readSimplePositions,
  type NodePosition,
  type SimpleDocument,
} from './simple-yaml.js';
import { resolvePlainScalar, YAML_OPTIONS } from './yaml-dialect.js';
import type { FieldPath } from '../model/field-path.js';

export interface SourceFile {
  /** Path as it should appear in findings (relative to the scanned root where possible). */
  path: string;
  content: Uint8Array | string;
  /** Size on disk, when the caller skipped reading an oversized file. */
  size?: number;
}

export interface LoadOptions {
  /** Namespace assumed for resources without metadata.namespace (kubectl's context namespace). */
  defaultNamespace: string;
  limits: DecodeLimits;
  /** Aliases a document may expand before we call it an alias bomb. */
  maxAliasCount: number;
  maxNestingDepth: number;
  /** Read what it can with the simple reader (false: the full parser reads everything). */
  simpleReader: boolean;
}

export const DEFAULT_LOAD_OPTIONS: LoadOptions = {
  defaultNamespace: 'default',
  limits: DEFAULT_DECODE_LIMITS,
  maxAliasCount: 100,
  maxNestingDepth: MAX_NESTING_DEPTH,
  simpleReader: true,
};

export interface LoadResult {
  resources: Resource[];
  findings: Finding[];
  files: number;
  documents: number;
}

export const YAML_RULE = 'yaml-syntax';
export const SCHEMA_RULE = 'schema';

export function loadSources(
  files: readonly SourceFile[],
  options: Partial<LoadOptions> = {},
): LoadResult {
  const opts = { ...DEFAULT_LOAD_OPTIONS, ...options };
  const result: LoadResult = { resources: [], findings: [], files: 0, documents: 0 };
  for (const file of files) {
    result.files++;
    loadFile(file, opts, result);
  }
  return result;
}

function diag(
  ruleId: string,
  severity: Severity,
  file: string,
  at: Span,
  message: string,
): Finding {
  return { ruleId, severity, file, ...at, message, docs: docsUrl(ruleId) };
}

function loadFile(file: SourceFile, opts: LoadOptions, out: LoadResult): void {
  const decoded = decodeSource(file.content, opts.limits, file.size);
  if (!decoded.ok) {
    out.findings.push(
      diag(
        YAML_RULE,
        'error',
        file.path,
        { line: decoded.line, column: decoded.column },
        decoded.message,
      ),
    );
    return;
  }
  const template = findGoTemplateAction(decoded.text);
  if (template) {
    out.findings.push(
      diag(YAML_RULE, 'warning', file.path, template, goTemplateMessage(template.line)),
    );
    return;
  }
  // The simple reader limits nesting itself (well inside maxNestingDepth), so only what it declines
  // needs the depth pre-scan that protects the full parser.
  const text = decoded.text;
  const simple = opts.simpleReader
    ? readSimpleDocuments(text, resolvePlainScalar, opts.maxNestingDepth / 2)
    : undefined;
  if (!simple) {
    loadParsedDocuments(file, { text, start: 0, index: 0 }, opts, out);
    return;
  }
  let fileLines: LineCounter | undefined;
  const lines: LinePos = {
    linePos: (offset) => (fileLines ??= countLines(text)).linePos(offset),
  };
  for (let index = 0; index < simple.length; index++) {
    const d = simple[index]!;
    if (d.value) {
      loadSimpleDocument(text, d, lines, { file, index, opts, out });
      continue;
    }
    const alone = { text: text.slice(d.start, d.end), start: d.start, index, lines };
    if (loadParsedDocuments(file, alone, opts, out, true)) continue;
    // The full parser reads this document past its end when it reads the whole file: so read the
    // rest of the file as it does.
    loadParsedDocuments(
      file,
      { text: text.slice(d.start), start: d.start, index, lines },
      opts,
      out,
    );
    return;
  }
}

/**
 * A document the simple reader took. Positions are only needed for findings: they are read again, by
 * the same reader, when one is asked for, and only the most recently used are kept.
 */
function loadSimpleDocument(
  text: string,
  d: SimpleDocument,
  lines: LinePos,
  ctx: DocumentContext,
): void {
  ctx.out.documents++;
  const positions = (): NodePosition => positionsOf(text, d);
  const mapAt = (prefix: FieldPath): SourceMap =>
    simpleSourceMap(positions, lines, d.start, prefix);
  addResources(d.value, [], mapAt, ctx);
}

/**
 * Positions of recently located documents. Findings come in runs on one resource, so a few suffice;
 * keeping every document's positions would cost more memory than its values.
 */
const recentPositions = new Map<SimpleDocument, NodePosition>();
const RECENT_POSITIONS = 64;

function positionsOf(text: string, d: SimpleDocument): NodePosition {
  let root = recentPositions.get(d);
  if (root) recentPositions.delete(d);
  else {
    root = readSimplePositions(text.slice(d.start, d.end))!;
    if (recentPositions.size >= RECENT_POSITIONS)
      recentPositions.delete(recentPositions.keys().next().value!);
  }
  recentPositions.set(d, root);
  return root;
}

/** Text for the full parser: the whole file, or the part of it from `start` on (`lines` maps offsets). */
interface ParserInput {
  text: string;
  start: number;
  /** Index in the file of the first document in `text`. */
  index: number;
  /** Line positions of the whole file; by default counted from `text`. */
  lines?: LinePos;
}

/**
 * Reads `input` with the full parser. With `alone`, `input` is one document cut out at the `---`
 * that ends it; returns false, having loaded nothing, where the parser would read that document
 * differently in the whole file.
 */
function loadParsedDocuments(
  file: SourceFile,
  input: ParserInput,
  opts: LoadOptions,
  out: LoadResult,
  alone = false,
): boolean {
  const tooDeep = findTooDeepDocuments(input.text, opts.maxNestingDepth);
  const text = blankRanges(input.text, tooDeep);
  let parsed: Document.Parsed[] | Error;
  try {
    parsed = parseAllDocuments(text, YAML_OPTIONS) as Document.Parsed[];
  } catch (e) {
    // The parser reports problems as document errors; a throw means it gave up on the whole file.
    parsed = e as Error;
  }
  if (alone && (parsed instanceof Error || !cutCleanly(parsed))) return false;
  // Lines are counted apart: the parser's own count misses line breaks inside some tokens it
  // rejects, and would place later findings lines too early.
  const fileLines = input.lines;
  const lines: LinePos = fileLines
    ? { linePos: (offset) => fileLines.linePos(input.start + offset) }
    : countLines(text);
  reportTooDeep(file, tooDeep, lines, opts, out);
  if (parsed instanceof Error) {
    const at = lines.linePos(0);
    out.findings.push(
      diag(
        YAML_RULE,
        'error',
        file.path,
        { line: at.line, column: at.col },
        `cannot parse YAML: ${parsed.message}`,
      ),
    );
    return true;
  }
  const docs = parsed;
  const pos = (offset: number): Span => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };

  docs.forEach((doc, i) => {
    const index = input.index + i;
    if (tooDeep.some((d) => doc.range[0] >= d.start && doc.range[0] < d.end)) return;
    out.documents++;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        out.findings.push(
          diag(YAML_RULE, 'error', file.path, pos(e.pos[0]), describeYamlError(e.code, e.message)),
        );
      }
      return;
    }
    for (const w of doc.warnings) {
      out.findings.push(
        diag(YAML_RULE, 'warning', file.path, pos(w.pos[0]), describeYamlError(w.code, w.message)),
      );
    }
    const map = yamlSourceMap(doc, lines);
    if (isEmptyDocument(doc)) {
      if (!isBlank(text, doc.range[0], doc.range[2])) {
        out.findings.push(
          diag(
            YAML_RULE,
            'info',
            file.path,
            pos(doc.range[0]),
            'empty YAML document (only comments); ignored',
          ),
        );
      } else if (docs.length > 1 && index < docs.length - 1) {
        out.findings.push(
          diag(YAML_RULE, 'info', file.path, pos(doc.range[0]), 'empty YAML document; ignored'),
        );
      }
      return;
    }
    const cyclic = findCyclicAlias(doc);
    if (cyclic) {
      out.findings.push(
        diag(YAML_RULE, 'error', file.path, pos(cyclic.range![0]), cyclicAliasMessage(cyclic)),
      );
      return;
    }
    const badKey = findUnsupportedKey(doc);
    if (badKey) {
      out.findings.push(
        diag(
          YAML_RULE,
          'error',
          file.path,
          pos(badKey.offset),
          unsupportedManifestKeyMessage(badKey),
        ),
      );
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: opts.maxAliasCount });
    } catch (e) {
      const msg = (e as Error).message;
      const message = /alias/i.test(msg)
        ? `aliases expand to too many nodes (limit ${opts.maxAliasCount}); this looks like an alias bomb and the document was not checked`
        : `cannot read YAML document: ${msg}`;
      out.findings.push(diag(YAML_RULE, 'error', file.path, map.start, message));
      return;
    }
    const mapAt = (prefix: FieldPath): SourceMap =>
      prefix.length ? yamlSourceMap(doc, lines, prefix) : map;
    addResources(value, [], mapAt, { file, index, opts, out });
  });
  return true;
}

/**
 * Whether the parser read a document cut out at its `---` as it reads it in the whole file. It ends
 * a document at every `---` line (a scalar or flow collection left open there is an error), except
 * a quoted scalar that no later quote closes: that one takes the rest of the file. A cut that is
 * empty or holds more than one document is not what the simple reader saw; the whole file decides.
 */
function cutCleanly(docs: readonly Document.Parsed[]): boolean {
  if (docs.length !== 1 || isEmptyDocument(docs[0]!)) return false;
  return !docs[0]!.errors.some((e) => e.code === 'MISSING_CHAR' && /quote/.test(e.message));
}

function reportTooDeep(
  file: SourceFile,
  tooDeep: readonly TooDeep[],
  lines: LinePos,
  opts: LoadOptions,
  out: LoadResult,
): void {
  // The pre-scan counts lines from the start of what it was given.
  const firstLine = lines.linePos(0).line;
  for (const d of tooDeep) {
    out.findings.push(
      diag(
        YAML_RULE,
        'error',
        file.path,
        { line: firstLine + d.line - 1, column: d.column },
        `nesting deeper than ${opts.maxNestingDepth} levels; this document was not checked`,
      ),
    );
  }
}

interface DocumentContext {
  file: SourceFile;
  index: number;
  opts: LoadOptions;
  out: LoadResult;
}

/** The resources of one document's value: the object itself, or the items of a `v1` List. */
function addResources(
  obj: unknown,
  prefix: FieldPath,
  mapAt: (prefix: FieldPath) => SourceMap,
  ctx: DocumentContext,
): void {
  const { file, out } = ctx;
  const at = mapAt(prefix);
  if (!isObject(obj)) {
    out.findings.push(
      diag(
        SCHEMA_RULE,
        'error',
        file.path,
        at.start,
        `not a Kubernetes object: expected a mapping with apiVersion and kind, got ${typeName(obj)}`,
      ),
    );
    return;
  }
  const { apiVersion, kind } = obj;
  if (apiVersion === undefined && kind === undefined) {
    // Helm values, CI files and the like live beside manifests; say we skipped them, nothing more.
    out.findings.push(
      diag(
        YAML_RULE,
        'info',
        file.path,
        at.start,
        'not a Kubernetes object (no apiVersion or kind); skipped',
      ),
    );
    return;
  }
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !apiVersion || !kind) {
    const missing = typeof apiVersion !== 'string' || !apiVersion ? 'apiVersion' : 'kind';
    out.findings.push(
      diag(
        SCHEMA_RULE,
        'error',
        file.path,
        at.locate([missing]),
        `not a Kubernetes object: ${missing} is missing or not a string`,
      ),
    );
    return;
  }
  if (kind.endsWith('List') && apiVersion === 'v1' && Array.isArray(obj.items)) {
    obj.items.forEach((item, i) => addResources(item, [...prefix, 'items', i], mapAt, ctx));
    return;
  }
  out.resources.push(
    toResource(
      obj,
      apiVersion,
      kind,
      { file: file.path, documentIndex: ctx.index, map: at },
      ctx.opts.defaultNamespace,
    ),
  );
}

/** The line starts of `text`, as the parser would have counted them. */
function countLines(text: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  return lines;
}

function toResource(
  body: JsonObject,
  apiVersion: string,
  kind: string,
  source: NonNullable<Resource['source']>,
  defaultNamespace: string,
): Resource {
  const meta = isObject(body.metadata) ? body.metadata : {};
  const ns = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : undefined;
  // One literal with every key (no spread): spread keys go to a second store, kept with the resource.
  const { group, version } = splitApiVersion(apiVersion);
  return {
    apiVersion,
    kind,
    group,
    version,
    name: typeof meta.name === 'string' ? meta.name : '',
    namespace: ns ?? defaultNamespace,
    namespaceDefaulted: ns === undefined,
    labels: stringMap(meta.labels),
    annotations: stringMap(meta.annotations),
    body,
    source,
  };
}

/** Resources without labels or annotations share this one (read-only, as every resource's are). */
const NO_ENTRIES: Readonly<Record<string, string>> = Object.freeze({});

function stringMap(v: unknown): Readonly<Record<string, string>> {
  if (!isObject(v)) return NO_ENTRIES;
  const out: Record<string, string> = {};
  let any = false;
  for (const [k, x] of Object.entries(v))
    if (typeof x === 'string') {
      out[k] = x;
      any = true;
    }
  return any ? out : NO_ENTRIES;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a sequence';
  return typeof v === 'string' ? 'a string' : `a ${typeof v}`;
}

/** No content at all: the parser gives an empty null scalar (or nothing) for `---` alone or comments only. */
function isEmptyDocument(doc: Document.Parsed): boolean {
  const c = doc.contents as Node | null;
  return c === null || (isScalar(c) && c.value === null && !!c.range && c.range[0] === c.range[1]);
}

function isBlank(text: string, from: number, to: number): boolean {
  return /^(?:\s|---|\.\.\.)*$/.test(text.slice(from, to));
}

const FRIENDLY: Record<string, string> = {
  DUPLICATE_KEY: 'duplicate key',
  BAD_INDENT: 'bad indentation',
  MISSING_CHAR: 'missing character',
  MULTILINE_IMPLICIT_KEY: 'implicit keys must be on a single line',
  TAB_AS_INDENT: 'tabs are not allowed as indentation',
  BLOCK_AS_IMPLICIT_KEY: 'a nested block cannot be an implicit key',
  UNEXPECTED_TOKEN: 'unexpected token',
  BAD_ALIAS: 'bad alias',
  BAD_DIRECTIVE: 'bad directive',
  TAG_RESOLVE_FAILED: 'tag could not be resolved',
};

/** The parser's message, without its own position suffix (we add file:line:column ourselves). */
function describeYamlError(code: string, message: string): string {
  const text = message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
  const friendly = FRIENDLY[code];
  return friendly && !text.toLowerCase().startsWith(friendly) ? `${friendly}: ${text}` : text;
}
