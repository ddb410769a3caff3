/**
 * Bytes to text, refusing what is not YAML text: oversized, binary, or not valid Unicode.
 * Pure: the caller reads the bytes.
 */

export interface DecodeLimits {
  /** Files above this size are reported and skipped. */
  maxFileBytes: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxFileBytes: 4 * 1024 * 1024 };

export type DecodeResult =
  { ok: true; text: string } | { ok: false; line: number; column: number; message: string };

/** `declaredSize` lets a caller report an oversized file without reading it. */
export function decodeSource(
  content: Uint8Array | string,
  limits = DEFAULT_DECODE_LIMITS,
  declaredSize?: number,
): DecodeResult {
  const size =
    declaredSize ?? (typeof content === 'string' ? Buffer.byteLength(content) : content.length);
  if (size > limits.maxFileBytes) {
    return {
      ok: false,
      line: 1,
      column: 1,
      message: `file is ${size} bytes, over the ${limits.maxFileBytes}-byte limit; it was not checked (raise limits.maxFileBytes in the config to check it)`,
    };
  }
  if (typeof content === 'string')
    return checkText(content.startsWith('\uFEFF') ? content.slice(1) : content);

  const bytes = content;
  // UTF-16 with a byte order mark is valid YAML; decode it rather than calling it binary.
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return checkText(new TextDecoder('utf-16le').decode(bytes.subarray(2)));
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return checkText(new TextDecoder('utf-16be').decode(bytes.subarray(2)));
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;

  const nul = bytes.indexOf(0, start);
  if (nul !== -1) {
    const { line, column } = lineOfByte(bytes, nul);
    return {
      ok: false,
      line,
      column,
      message: 'binary file (NUL byte found); only YAML text is checked',
    };
  }
  const bad = firstInvalidUtf8(bytes, start);
  if (bad !== -1) {
    const { line, column } = lineOfByte(bytes, bad);
    const hex = bytes[bad]!.toString(16).toUpperCase().padStart(2, '0');
    return {
      ok: false,
      line,
      column,
      message: `not valid UTF-8 (byte 0x${hex} at offset ${bad}); save the file as UTF-8`,
    };
  }
  return checkText(
    Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.length - start).toString('utf8'),
  );
}

/** Control characters other than tab/CR/LF are not allowed in YAML streams. */
function checkText(text: string): DecodeResult {
  // eslint-disable-next-line no-control-regex
  const m = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.exec(text);
  if (m) {
    const before = text.slice(0, m.index);
    const line = before.split('\n').length;
    const column = m.index - before.lastIndexOf('\n');
    const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    const message =
      m[0] === '\u0000'
        ? 'binary file (NUL character found); only YAML text is checked'
        : `control character U+${code} is not allowed in YAML`;
    return { ok: false, line, column, message };
  }
  return { ok: true, text };
}

function lineOfByte(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  // Column in characters would need decoding the (valid) prefix of the line; bytes are close enough
  // for ASCII lines and never wrong about the line.
  const prefix = Buffer.from(bytes.subarray(lineStart, offset)).toString('utf8');
  return { line, column: [...prefix].length + 1 };
}

/** Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array, from = 0): number {
  let i = from;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = b & 0x07;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
