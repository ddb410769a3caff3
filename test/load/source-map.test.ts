import { describe, expect, it } from 'vitest';
import { loadSources } from '../../src/load/load.js';
import { parsePath } from '../../src/model/field-path.js';

const text = `# leading comment
apiVersion: istio.alibabacloud.com/v1
kind: ASMEgressTrafficPolicy
metadata: {name: p, namespace: istio-egress}
spec:
  byEgressGateway:
    name: egressgateway
  egressRules:
  - from:
    - namespace: mytest
    to:
    - hosts: [a.example.com, b.example.com]
      port:
        name: http
        number: 80
        protocol: HTTP
    - hosts:
      - c.example.com
      port: {number: 443, protocol: HTTPS}
`;
const map = loadSources([{ path: 'p.yaml', content: text }]).resources[0]!.source!.map;
const at = (path: string) => {
  const s = map.locate(parsePath(path));
  return `${s.line}:${s.column}-${s.endLine}:${s.endColumn}`;
};

describe('source map', () => {
  it('points at the key of a block field through to the end of its value', () => {
    expect(at('spec.egressRules[0].to[0].port.number')).toBe('15:9-15:19');
    expect(at('spec.byEgressGateway.name')).toBe('7:5-7:24');
  });

  it('handles flow collections and sequence items', () => {
    expect(at('metadata.namespace')).toBe('4:21-4:44');
    expect(at('spec.egressRules[0].to[0].hosts[1]')).toBe('12:30-12:43');
    expect(at('spec.egressRules[0].to[1].port.protocol')).toBe('19:27-19:42');
  });

  it('falls back to the deepest existing ancestor for fields that are not there', () => {
    expect(at('spec.egressRules[0].to[1].byEgressGateway.port')).toBe(
      at('spec.egressRules[0].to[1]'),
    );
    expect(at('spec.egressRules[5]')).toBe(at('spec.egressRules'));
  });

  it('starts at the document content, after comments', () => {
    expect(map.start).toMatchObject({ line: 2, column: 1 });
  });
});

describe('source map: where a block collection ends', () => {
  // The same document twice: plain, which the simple reader takes, and with an anchor, which sends it
  // to the full parser. Both must end a block at its last item, not at the comment or the indentation
  // of the line after it.
  const doc = (anchor: string) => `apiVersion: v1
kind: ConfigMap
data:
  outer:${anchor}
    inner: 1
    # a comment that belongs to no field
  next: 2
`;
  for (const [reader, anchor] of [
    ['simple reader', ''],
    ['full parser', ' &a'],
  ] as const) {
    it(`ends at the last character of the last item (${reader})`, () => {
      const m = loadSources([{ path: 'c.yaml', content: doc(anchor) }]).resources[0]!.source!.map;
      expect(m.locate(parsePath('data.outer'))).toEqual({
        line: 4,
        column: 3,
        endLine: 5,
        endColumn: 13,
      });
      expect(m.locate(parsePath('data'))).toMatchObject({ endLine: 7, endColumn: 10 });
    });
  }
});
