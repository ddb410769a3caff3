import { describe, expect, it } from 'vitest';
import { loadSources } from '../../src/load/load.js';

const load = (files: Record<string, string | Uint8Array>) =>
  loadSources(Object.entries(files).map(([path, content]) => ({ path, content })));

const POLICY = `apiVersion: istio.alibabacloud.com/v1
kind: ASMEgressTrafficPolicy
metadata:
  name: egress-by-egressgateway
  namespace: istio-egress
spec:
  byEgressGateway:
    name: egressgateway
  egressRules: []
`;

const summary = (r: ReturnType<typeof load>) =>
  r.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.severity}: ${f.message}`);

describe('loader: bad input becomes findings, the rest still loads', () => {
  it('syntax error: reported at the offending line, later documents and other files still load', () => {
    const r = load({
      'bad.yaml': 'kind: A\nmetadata: [1, 2\nspec: {}\n---\n' + POLICY,
      'good.yaml': POLICY,
    });
    expect(summary(r)).toEqual([
      'bad.yaml:3:1 yaml-syntax error: bad indentation: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    expect(
      r.resources.map((x) => `${x.source!.file}#${x.source!.documentIndex} ${x.kind}`),
    ).toEqual(['bad.yaml#1 ASMEgressTrafficPolicy', 'good.yaml#0 ASMEgressTrafficPolicy']);
  });

  it('syntax errors after a token the parser rejects across lines are placed on their own line', () => {
    // `c\n    d` is one rejected token: the parser's line count missed the break inside it.
    const r = load({ 'bad.yaml': 'a:\n- b:\n  }  - c\n    d: 1\ne: 2\n' });
    expect(summary(r)).toContain(
      'bad.yaml:5:1 yaml-syntax error: unexpected token: Unexpected scalar token in YAML stream: "e"',
    );
  });

  it('a bad document among good ones: only it is read by the full parser, with file positions', () => {
    const r = load({
      'bad.yaml': `${POLICY}---\nkind: A\nmetadata: [1, 2\nspec: {}\n---\n${POLICY}`,
    });
    expect(summary(r)).toEqual([
      'bad.yaml:13:1 yaml-syntax error: bad indentation: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    expect(r.resources.map((x) => x.source!.documentIndex)).toEqual([0, 2]);
    expect(r.resources[1]!.source!.map.locate(['spec', 'byEgressGateway', 'name'])).toMatchObject({
      line: 22,
      column: 5,
    });
  });

  it('duplicate keys: reported at the second key, the document is not used', () => {
    const r = load({
      'dup.yaml': POLICY.replace(
        'kind: ASMEgressTrafficPolicy\n',
        'kind: ASMEgressTrafficPolicy\nkind: Other\n',
      ),
    });
    expect(summary(r)).toEqual([
      'dup.yaml:3:1 yaml-syntax error: duplicate key: Map keys must be unique',
    ]);
    expect(r.resources).toEqual([]);
  });

  it('alias bomb: reported at the document, not expanded', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 8; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const r = load({
      'bomb.yaml': `${POLICY}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  ${levels.join('\n  ')}\n`,
    });
    expect(summary(r)).toEqual([
      'bomb.yaml:11:1 yaml-syntax error: aliases expand to too many nodes (limit 100); this looks like an alias bomb and the document was not checked',
    ]);
    expect(r.resources.map((x) => x.kind)).toEqual(['ASMEgressTrafficPolicy']);
  });

  it('a mapping, sequence or null as a key: an error at the key, as kubectl refuses the document', () => {
    const doc = (line: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata:\n  ${line}\n`;
    const r = load({
      'seq.yaml': doc('[a, b]: x'),
      'map.yaml': doc('x: {y: 1, {z: 2}: 3}'),
      'explicit.yaml': doc('? - a\n  : x'),
      'alias.yaml': `${doc('l: &L [1]')}  *L : y\n`,
      'null.yaml': doc('~: x'),
      'ok.yaml': doc('1: x\n  yes: v\n  1.5: z'),
    });
    const refused = (what: string, kubectl: string) =>
      `yaml-syntax error: a mapping key must be a string, number or boolean, and this one is ${what}; kubectl rejects the document ("${kubectl}"), so it was not checked`;
    expect(summary(r).sort()).toEqual(
      [
        `alias.yaml:6:3 ${refused('a sequence', 'invalid map key')}`,
        `explicit.yaml:5:5 ${refused('a sequence', 'invalid map key')}`,
        `map.yaml:5:13 ${refused('a mapping', 'invalid map key')}`,
        `null.yaml:5:3 ${refused('null', 'unsupported map key')}`,
        `seq.yaml:5:3 ${refused('a sequence', 'invalid map key')}`,
      ].sort(),
    );
    expect(r.resources.map((x) => x.body.data)).toEqual([{ '1': 'x', true: 'v', '1.5': 'z' }]);
  });

  it('prints no library warning for such keys (they would reach stderr as process warnings)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      load({ 'k.yaml': 'apiVersion: v1\nkind: ConfigMap\n[a]: x\n{b: 1}: y\n2024-01-01: z\n' });
      // Node emits process warnings on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it('empty documents and comment-only documents are info, a trailing --- is not reported', () => {
    const r = load({ 'e.yaml': `---\n---\n# only a comment\n---\n${POLICY}---\n` });
    expect(summary(r)).toEqual([
      'e.yaml:1:1 yaml-syntax info: empty YAML document; ignored',
      'e.yaml:2:1 yaml-syntax info: empty YAML document (only comments); ignored',
    ]);
    expect(r.resources).toHaveLength(1);
  });

  it('non-UTF-8 and binary files: one finding each with the line, other files still load', () => {
    const r = load({
      'latin1.yaml': Buffer.concat([
        Buffer.from('a: 1\nname: caf'),
        Buffer.from([0xe9]),
        Buffer.from('\n'),
      ]),
      'image.yaml': Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]),
      'ok.yaml': POLICY,
    });
    expect(summary(r)).toEqual([
      'latin1.yaml:2:10 yaml-syntax error: not valid UTF-8 (byte 0xE9 at offset 14); save the file as UTF-8',
      'image.yaml:3:1 yaml-syntax error: binary file (NUL byte found); only YAML text is checked',
    ]);
    expect(r.resources).toHaveLength(1);
  });

  it('deep nesting: the document is refused before parsing, with the line where the limit is crossed', () => {
    const deep = `${POLICY}---\nkind: X\napiVersion: v1\ndata: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n---\n${POLICY}`;
    const r = load({ 'deep.yaml': deep });
    expect(summary(r)).toEqual([
      'deep.yaml:13:134 yaml-syntax error: nesting deeper than 128 levels; this document was not checked',
    ]);
    expect(r.resources).toHaveLength(2);
  });

  it('deep block nesting is refused too', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}a${i}:`).join('\n');
    const r = load({ 'deep.yaml': `${lines} 1\n` });
    expect(summary(r)).toEqual([
      'deep.yaml:129:129 yaml-syntax error: nesting deeper than 128 levels; this document was not checked',
    ]);
  });

  it('thousands of documents load, each one a resource', () => {
    const many = Array.from(
      { length: 5000 },
      (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\n`,
    ).join('---\n');
    const r = load({ 'many.yaml': many });
    expect(r.findings).toEqual([]);
    expect(r.resources).toHaveLength(5000);
    expect(r.resources[4999]!.source!.map.locate(['metadata', 'name'])).toMatchObject({
      line: 4999 * 5 + 4,
      column: 3,
    });
    // Resources without labels or annotations share one empty, read-only object.
    const [first, last] = [r.resources[0]!, r.resources[4999]!];
    expect(first.labels).toEqual({});
    expect(first.labels).toBe(last.annotations);
    expect(Object.isFrozen(first.labels)).toBe(true);
  });

  it('file over the size limit: reported, not read', () => {
    const r = loadSources([
      { path: 'huge.yaml', content: new Uint8Array(0), size: 10 * 1024 * 1024 },
    ]);
    expect(summary(r)).toEqual([
      'huge.yaml:1:1 yaml-syntax error: file is 10485760 bytes, over the 4194304-byte limit; it was not checked (raise limits.maxFileBytes in the config to check it)',
    ]);
  });

  it('unknown kinds are kept; YAML that is not a Kubernetes object is skipped with a note', () => {
    const r = load({
      'mixed.yaml':
        'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\nreplicaCount: 3\n---\n- a\n- b\n---\nkind: OnlyKind\n',
    });
    expect(summary(r)).toEqual([
      'mixed.yaml:5:1 yaml-syntax info: not a Kubernetes object (no apiVersion or kind); skipped',
      'mixed.yaml:7:1 schema error: not a Kubernetes object: expected a mapping with apiVersion and kind, got a sequence',
      'mixed.yaml:10:1 schema error: not a Kubernetes object: apiVersion is missing or not a string',
    ]);
    expect(
      r.resources.map(
        (x) => `${x.kind} ${x.namespace}/${x.name} defaulted=${x.namespaceDefaulted}`,
      ),
    ).toEqual(['Widget default/w defaulted=true']);
  });

  it('reads YAML 1.1 as kubectl does: yes/no are booleans, merge keys work', () => {
    const r = load({
      'y.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\nbase: &b {x: 1}\nmerged:\n  <<: *b\n  z: 2\nflag: yes\ncountry: NO\n',
    });
    expect(r.resources[0]!.body).toMatchObject({
      merged: { x: 1, z: 2 },
      flag: true,
      country: false,
    });
  });

  it('but keeps go-yaml\'s strings where the YAML 1.1 schema goes further: "." and base 60', () => {
    const r = load({
      'y.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\nexportTo: [., "*"]\ntime: 1:20\nfloat: 1.5\nhalf: .5\noctal: 0777\n',
    });
    expect(r.resources[0]!.body).toMatchObject({
      exportTo: ['.', '*'],
      time: '1:20',
      float: 1.5,
      half: 0.5,
      octal: 511,
    });
  });

  it('keeps timestamps the text they were written as, as go-yaml v2 does for kubectl', () => {
    const r = load({
      'simple.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata:\n  day: 2024-01-01\n',
      'full.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata:\n  2024-01-01: a\n  at: !!timestamp 2024-01-01 10:00:00\n  day: &d 2024-01-02\n  again: *d\n',
    });
    expect(summary(r)).toEqual([]);
    expect(r.resources.map((x) => x.body.data)).toEqual([
      { day: '2024-01-01' },
      { '2024-01-01': 'a', at: '2024-01-01 10:00:00', day: '2024-01-02', again: '2024-01-02' },
    ]);
  });

  it('expands kind: List and locates fields inside its items', () => {
    const r = load({
      'list.yaml':
        'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: one\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: two\n',
    });
    expect(r.resources.map((x) => x.name)).toEqual(['one', 'two']);
    expect(r.resources[1]!.source!.map.locate(['metadata', 'name'])).toMatchObject({
      line: 11,
      column: 5,
    });
  });
});
