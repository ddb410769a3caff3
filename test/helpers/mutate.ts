/** Seeded textual mutations of YAML, shared by the reader-agreement test and the CLI fuzz test. */

export const INSERTIONS = [
  ' ',
  '  ',
  '-',
  '- ',
  ':',
  ': ',
  '#',
  ' #',
  '"',
  "'",
  '\n',
  '[',
  ']',
  '{',
  '}',
  ',',
  '&a ',
  '*a',
  '!',
  '|',
  '>',
  '?',
  'yes',
  'no',
  '0',
  '0x1',
  '1.5',
  '~',
  '---\n',
  '...',
  '%',
  '@',
  '\\',
  '\\n',
  '  - x\n',
  'key: v\n',
  'a:b',
  '\t',
  '\r',
  'é',
  '\u00a0',
  '2024-01-01',
  '__proto__',
];

/** One textual edit: insert a YAML-significant token, delete, duplicate a line, or shift its indent. */
export function mutate(
  text: string,
  random: () => number,
  pick: <T>(xs: readonly T[]) => T,
): string {
  const at = Math.floor(random() * (text.length + 1));
  const lines = text.split('\n');
  const line = Math.floor(random() * lines.length);
  switch (Math.floor(random() * 5)) {
    case 0:
      return text.slice(0, at) + pick(INSERTIONS) + text.slice(at);
    case 1:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 3));
    case 2:
      lines.splice(line, 0, lines[line]!);
      return lines.join('\n');
    case 3:
      lines[line] = ' '.repeat(1 + Math.floor(random() * 2)) + lines[line];
      return lines.join('\n');
    default:
      lines[line] = lines[line]!.replace(/^ {1,2}/, '');
      return lines.join('\n');
  }
}

/** A small seeded PRNG, so a failing mutation can be reproduced. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
