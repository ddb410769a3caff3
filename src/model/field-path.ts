/** A path into a YAML/JSON value: map keys and sequence indexes. */
export type FieldPath = readonly (string | number)[];

const IDENT = /^[A-Za-z_$][\w$-]*$/;

/** `['spec', 'egressRules', 0, 'to', 1]` -> `spec.egressRules[0].to[1]`. Keys with dots or odd characters are quoted. */
export function formatPath(path: FieldPath): string {
  // Joined, not appended: `+=` leaves a chain of string pieces, several times the text's size, and
  // rendered resources keep one such text each (the source-path annotation).
  const parts: string[] = [];
  for (const seg of path) {
    if (typeof seg === 'number') parts.push(`[${seg}]`);
    else if (IDENT.test(seg)) parts.push(parts.length > 0 ? `.${seg}` : seg);
    else parts.push(`[${JSON.stringify(seg)}]`);
  }
  return parts.join('');
}

/** Inverse of formatPath, for paths written by hand (tests, config). */
export function parsePath(text: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  for (const m of text.matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(`"${m[3]}"`) as string);
  }
  return out;
}

export function startsWith(path: FieldPath, prefix: FieldPath): boolean {
  if (prefix.length > path.length) return false;
  return prefix.every((seg, i) => path[i] === seg);
}
