/**
 * The simple YAML reader must read exactly what the full parser reads, or decline. Checked on every
 * YAML file in the repository, on hand-written edge cases, and on thousands of seeded mutations of
 * those files; positions are checked through the loader, which takes them from the full parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { generatePolicyRepo } from '../../bench/generate.js';
import { mulberry32, mutate } from '../helpers/mutate.js';
import { loadSources } from '../../src/load/load.js';
import { readSimpleDocuments, readSimpleYaml } from '../../src/load/simple-yaml.js';
import { yamlSourceMap } from '../../src/load/source-map.js';
import { resolvePlainScalar, YAML_OPTIONS } from '../../src/load/yaml-dialect.js';
import type { FieldPath } from '../../src/model/field-path.js';
import type { Resource } from '../../src/model/resource.js';
import { compareFindings, type Finding } from '../../src/model/finding.js';
import { SEEDS, seedScenarios } from '../support.js';

const ROOT = join(import.meta.dirname, '..', '..');

function yamlFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

const read = (text: string) => readSimpleYaml(text, resolvePlainScalar);

/** Reads `text` both ways; if the simple reader took it, everything must agree. Returns whether it did. */
function agreesWithParser(text: string): boolean {
  const simple = read(text);
  if (!simple) return false;
  const docs = parseAllDocuments(text, YAML_OPTIONS) as Document.Parsed[];
  const problems = docs.flatMap((d) => [...d.errors, ...d.warnings].map((e) => e.message));
  expect(problems, text).toEqual([]);
  expect(
    simple.map((d) => d.value),
    text,
  ).toStrictEqual(docs.map((d) => d.toJS()));
  for (const d of simple) {
    // The slice the loader re-parses for positions holds this document and nothing else.
    const again = parseAllDocuments(text.slice(d.start, d.end), YAML_OPTIONS);
    expect(
      again.map((x) => x.toJS()),
      text,
    ).toStrictEqual([d.value]);
  }
  return true;
}

function* fieldPaths(value: unknown, prefix: FieldPath = []): Generator<FieldPath> {
  yield prefix;
  if (Array.isArray(value))
    for (let i = 0; i < value.length; i++) yield* fieldPaths(value[i], [...prefix, i]);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) yield* fieldPaths(v, [...prefix, k]);
}

/** Every field of every loaded resource is located where the full parser's own source map says. */
function expectSamePositions(text: string): number {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter: lines });
  const { resources } = loadSources([{ path: 'f.yaml', content: text }]);
  for (const r of resources) {
    const doc = docs[r.source!.documentIndex] as Document.Parsed;
    const js = doc.toJS() as { kind?: string; items?: unknown[] };
    const prefix = js.kind?.endsWith('List') ? itemPrefix(js.items ?? [], r.body) : [];
    const full = yamlSourceMap(doc, lines, prefix);
    expect(r.source!.map.start).toEqual(full.start);
    for (const path of fieldPaths(r.body))
      expect(r.source!.map.locate(path), path.join('.')).toEqual(full.locate(path));
    expect(r.source!.map.locate(['no', 'such', 'field'])).toEqual(
      full.locate(['no', 'such', 'field']),
    );
  }
  return resources.length;
}

/** Where in a List document `item` sits (the items of a v1 List are resources of their own). */
function itemPrefix(items: unknown[], item: unknown): FieldPath {
  return ['items', items.findIndex((x) => JSON.stringify(x) === JSON.stringify(item))];
}

/** What a resource is and where each of its fields is, as the loader reports them. */
function located(r: Resource): unknown {
  const map = r.source!.map;
  const fields = [...fieldPaths(r.body)].map((p) => [p.join('.'), map.locate(p)]);
  return { body: r.body, documentIndex: r.source!.documentIndex, start: map.start, fields };
}

/**
 * The loader gives the same resources, positions and findings whether the simple reader takes what
 * it can (file by file or document by document) or the full parser reads everything. Returns how
 * many documents the simple reader took in a file it did not take whole.
 */
function expectSameLoad(text: string): number {
  const file = [{ path: 'f.yaml', content: text }];
  const mixed = loadSources(file);
  const full = loadSources(file, { simpleReader: false });
  // In file order: the order the loader finds them in is not kept (the analysis sorts them).
  const sorted = (fs: Finding[]): Finding[] => [...fs].sort(compareFindings);
  expect(sorted(mixed.findings), text).toEqual(sorted(full.findings));
  expect(mixed.documents, text).toBe(full.documents);
  expect(mixed.resources.map(located), text).toEqual(full.resources.map(located));
  const docs = readSimpleDocuments(text, resolvePlainScalar);
  return docs?.some((d) => !d.value) ? docs.filter((d) => d.value).length : 0;
}

/** Each seed scenario's files as one multi-document stream, as the CLI fuzz test feeds them. */
const SEED_STREAMS = seedScenarios().map((name) =>
  readdirSync(join(SEEDS, name))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => readFileSync(join(SEEDS, name, f), 'utf8'))
    .join('\n---\n'),
);

const REPOSITORY_YAML = ['fixtures', 'test', 'rules'].flatMap(yamlFiles);
/** Folders of YAML copied unchanged from Istio (see their SOURCE.md). */
const UPSTREAM_COPIES = ['fixtures/bookinfo/', 'fixtures/istio-tasks/'];

describe('simple YAML reader', () => {
  it('reads the repository fixtures as the full parser does, and takes nearly all of them', () => {
    const declined: string[] = [];
    let located = 0;
    for (const file of REPOSITORY_YAML) {
      const text = readFileSync(file, 'utf8');
      if (!agreesWithParser(text)) {
        declined.push(file);
        continue;
      }
      located += expectSamePositions(text);
    }
    expect(located).toBeGreaterThan(100);
    expect(REPOSITORY_YAML.length).toBeGreaterThan(50);
    // Of the YAML we write, only the deliberately flow-styled fixtures (reformatted-*) go to the full
    // parser. Upstream samples kept verbatim (Istio's, with their own style) may go either way.
    const ours = declined.filter((f) => !UPSTREAM_COPIES.some((dir) => f.includes(dir)));
    expect(ours).toHaveLength(2);
  });

  it('takes the whole generated benchmark repository (the speed of a large lint depends on it)', () => {
    for (const f of generatePolicyRepo(20).files) expect(read(f.content as string)).toBeDefined();
  });

  const ACCEPTED: Record<string, string> = {
    'YAML 1.1 scalars as kubectl reads them': `apiVersion: v1
kind: ConfigMap
data:
  switch: on
  no_: No
  octal: 0777
  underscored: 1_000
  hex: 0x1F
  float: 1.5e3
  dot: .
  dotfive: .5
  negative: -12
  inf: .inf
  tilde: ~
  empty:
  nulls: NULL
  word: Yes please
  version: 1.29
  ipv4: 10.0.0.1
  cidr: 10.0.0.0/8
  time: 12:30
  day: 2024-01-01
  path: /api/v1/items
  url: http://example.com:8080/x
  hash: a#b
  comment: value # trailing comment
  unicode: 中文 ü
  parens: (x)
`,
    'quoted scalars, escapes JSON shares, flow sequences and empty collections': `apiVersion: v1
kind: ConfigMap
metadata:
  annotations:
    a: "it's \\"quoted\\" \\\\ \\u00e9\\n"
    b: 'it''s # not a comment'
    c: "yes"
    d: ''
    e: "# not a comment"   # a comment
spec:
  hosts: ["*.example.com", 'b.example.com', c.example.com]
  exportTo: [.]
  numbers: [1, 0x10, yes, ~]
  none: []
  nothing: {}
  spaced: [ a , b ]
`,
    'compact and nested sequences, odd but valid indentation, comments anywhere': `# prelude
---
  apiVersion: v1
  kind: List
  items:
  -   apiVersion: v1
      kind: ConfigMap
      metadata:
        name: a
# a comment at column 0 inside a block
      data:
          deep: x
  - apiVersion: v1
    kind: ConfigMap
    metadata: {}
    list:
    -
      - a
      -
    - key:
      - same-indent item
      other: 1
---   # a marker with a comment
apiVersion: v1
kind: Secret
`,
  };
  for (const [name, text] of Object.entries(ACCEPTED)) {
    it(`reads ${name}`, () => {
      expect(agreesWithParser(text)).toBe(true);
      expect(expectSamePositions(text)).toBeGreaterThan(0);
    });
  }

  const DECLINED: Record<string, string> = {
    anchor: 'a: &x 1\nb: *x\n',
    tag: 'a: !!str 1\n',
    'merge key': 'a: {x: 1}\nb:\n  <<: {y: 2}\n',
    'block scalar': 'a: |\n  text\n',
    'multi-line plain scalar': 'a: one\n  two\n',
    'multi-line quoted scalar': 'a: "one\n  two"\n',
    'YAML-only escape': 'a: "\\x41"\n',
    tab: 'a:\tb\n',
    CRLF: 'a: b\r\nc: d\r\n',
    'duplicate key': 'a: 1\na: 2\n',
    'quoted key': '"a": 1\n',
    'explicit key': '? a\n: 1\n',
    'non-string key': 'yes: 1\n',
    'number key': '80: http\n',
    'empty document between': 'a: 1\n---\n---\nb: 2\n',
    'trailing empty document': 'a: 1\n---\n',
    'comments only': '# nothing\n',
    'empty file': '',
    directive: '%YAML 1.1\n---\na: 1\n',
    'document end marker': 'a: 1\n...\n',
    'timestamp key': '2024-01-01: a\n',
    'flow mapping with content': 'a: {b: 1}\n',
    'nested mapping on one line': 'a: b: c\n',
    'bad indentation': 'a:\n  b: 1\n c: 2\n',
    'item after scalar value': 'a: 1\n- b\n',
    'compact nested sequence': 'a:\n- - b\n',
    'root sequence': '- a\n- b\n',
    'root scalar': 'just text\n',
    'alias-like host': 'hosts:\n- *.example.com\n',
    'comment without space': 'a: "x"#c\n',
    '__proto__ key': '__proto__: 1\n',
    'nesting past the depth limit': Array.from(
      { length: 70 },
      (_, i) => `${'  '.repeat(i)}k${i}:\n`,
    ).join(''),
  };
  for (const [name, text] of Object.entries(DECLINED)) {
    it(`leaves ${name} to the full parser`, () => expect(read(text)).toBeUndefined());
  }

  const DECLINED_DOCUMENT: Record<string, string> = {
    anchor: 'a: &x 1\nb: *x\n',
    'duplicate key': 'a: 1\na: 2\n',
    'bad indentation': 'a:\n  b: 1\n c: 2\n',
    tab: 'a:\tb\n',
    'unclosed flow sequence': 'a: [1,\n',
  };
  for (const [name, doc] of Object.entries(DECLINED_DOCUMENT)) {
    it(`leaves a document with ${name} to the full parser, and reads the others`, () => {
      const text = `apiVersion: v1\nkind: A\n---\n${doc}---\napiVersion: v1\nkind: B\n`;
      expect(read(text)).toBeUndefined();
      const docs = readSimpleDocuments(text, resolvePlainScalar)!;
      expect(docs.map((d) => d.value?.kind)).toEqual(['A', undefined, 'B']);
      expect(expectSameLoad(text)).toBe(2);
    });
  }

  const DECLINED_FILE: Record<string, string> = {
    'a CR line break': 'a: 1\r---\rb: 2\n',
    'a marker with content': 'a: 1\n--- b\n',
    'an empty document': 'a: 1\n---\n---\nb: 2\n',
    'a document end marker': 'a: 1\n...\n---\nb: 2\n',
    'a directive': 'a: 1\n---\n%YAML 1.1\n---\nb: 2\n',
  };
  for (const [name, text] of Object.entries(DECLINED_FILE)) {
    it(`leaves a whole file with ${name} to the full parser`, () => {
      expect(readSimpleDocuments(text, resolvePlainScalar)).toBeUndefined();
      expectSameLoad(text);
    });
  }

  it('reads the rest of the file with the full parser where a quote left open takes it', () => {
    // No later quote closes it, so the parser reads the following documents into the scalar.
    const open = 'apiVersion: v1\nkind: A\n---\na: "open\n---\napiVersion: v1\nkind: B\n';
    expect(readSimpleDocuments(open, resolvePlainScalar)![2]!.value).toEqual({
      apiVersion: 'v1',
      kind: 'B',
    });
    expectSameLoad(open);
    expect(loadSources([{ path: 'f.yaml', content: open }]).resources).toHaveLength(1);
    // A later quote makes the parser stop at the `---`: the next document is read as usual.
    const closedLater =
      'apiVersion: v1\nkind: A\n---\na: "open\n---\napiVersion: v1\nkind: B\nb: "x"\n';
    expectSameLoad(closedLater);
    expect(loadSources([{ path: 'f.yaml', content: closedLater }]).resources).toHaveLength(2);
  });

  it('places findings of a too deeply nested document in the file, beside documents it took', () => {
    const deep = Array.from({ length: 140 }, (_, i) => `${'  '.repeat(i)}k${i}:\n`).join('');
    const text = `apiVersion: v1\nkind: A\n---\n${deep}---\napiVersion: v1\nkind: B\n`;
    expectSameLoad(text);
    const { findings } = loadSources([{ path: 'f.yaml', content: text }]);
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [132, 'nesting deeper than 128 levels; this document was not checked'],
    ]);
  });

  it('loads 600 seeded mutations of multi-document streams as the full parser alone does', () => {
    const corpus = [...SEED_STREAMS, ...REPOSITORY_YAML.map((f) => readFileSync(f, 'utf8'))];
    const random = mulberry32(20261202);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    let partly = 0;
    for (let n = 0; n < 600; n++) {
      let text = pick(corpus);
      const edits = 1 + Math.floor(random() * 3);
      for (let e = 0; e < edits; e++) text = mutate(text, random, pick);
      if (expectSameLoad(text) > 0) partly++;
    }
    // Files read partly by each reader must be common, or the test would not be testing the split.
    expect(partly).toBeGreaterThan(60);
  }, 120_000);

  it('agrees with the full parser on 3,000 seeded mutations of the fixtures, or declines them', () => {
    const corpus = [
      ...REPOSITORY_YAML.map((f) => readFileSync(f, 'utf8')),
      ...Object.values(ACCEPTED),
    ];
    const random = mulberry32(20261122);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    let taken = 0;
    let declined = 0;
    for (let n = 0; n < 3000; n++) {
      let text = pick(corpus);
      const edits = 1 + Math.floor(random() * 2);
      for (let e = 0; e < edits; e++) text = mutate(text, random, pick);
      if (agreesWithParser(text)) {
        taken++;
        expectSamePositions(text);
      } else declined++;
    }
    // Both outcomes must be common, or the test would not be testing the reader.
    expect(taken).toBeGreaterThan(600);
    expect(declined).toBeGreaterThan(600);
    // A fixed amount of work: on a machine shared with other jobs it can outlast the default timeout.
  }, 120_000);
});
