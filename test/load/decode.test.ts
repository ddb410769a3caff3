import { describe, expect, it } from 'vitest';
import { decodeSource, firstInvalidUtf8 } from '../../src/load/decode.js';

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))),
  );

describe('decodeSource', () => {
  it('passes UTF-8 text through and drops a byte order mark', () => {
    expect(decodeSource(bytes([0xef, 0xbb, 0xbf], 'a: ü\n'))).toEqual({ ok: true, text: 'a: ü\n' });
  });

  it('decodes UTF-16 with a byte order mark', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('kind: X\n', 'utf16le')]);
    expect(decodeSource(le)).toEqual({ ok: true, text: 'kind: X\n' });
  });

  it('reports the line and column of the first invalid UTF-8 byte', () => {
    const r = decodeSource(bytes('a: 1\nb: caf', [0xe9], '\n'));
    expect(r).toEqual({
      ok: false,
      line: 2,
      column: 7,
      message: 'not valid UTF-8 (byte 0xE9 at offset 11); save the file as UTF-8',
    });
  });

  it('calls a file with NUL bytes binary, at the first NUL', () => {
    const r = decodeSource(bytes('PK', [0x03, 0x04, 0x00, 0x00]));
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect([r.line, r.message]).toEqual([
        1,
        'binary file (NUL byte found); only YAML text is checked',
      ]);
  });

  it('rejects control characters YAML does not allow', () => {
    const r = decodeSource('a: 1\nb: x\u0007y\n');
    expect(r).toMatchObject({
      ok: false,
      line: 2,
      column: 5,
      message: 'control character U+0007 is not allowed in YAML',
    });
  });

  it('refuses files over the size limit without looking at them', () => {
    const r = decodeSource(new Uint8Array(0), { maxFileBytes: 1000 }, 5000);
    expect(r).toMatchObject({ ok: false, line: 1, column: 1 });
    if (!r.ok) expect(r.message).toMatch(/^file is 5000 bytes, over the 1000-byte limit/);
  });
});

describe('firstInvalidUtf8', () => {
  it.each([
    ['overlong encoding', [0xc0, 0x80], 0],
    ['surrogate', [0x61, 0xed, 0xa0, 0x80], 1],
    ['truncated sequence', [0x61, 0xe2, 0x82], 1],
    ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
  ])('finds %s', (_name, input, at) => {
    expect(firstInvalidUtf8(Uint8Array.from(input))).toBe(at);
  });

  it('accepts 4-byte characters', () => {
    expect(firstInvalidUtf8(Buffer.from('emoji 😀 ok'))).toBe(-1);
  });
});
