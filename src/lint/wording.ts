/** Small helpers for finding messages, so every rule words lists the same way. */

/** `a`, `a and b`, `a, b and c` (or `a, b or c` with `conjunction` or) */
export function listText(items: readonly string[], conjunction: 'and' | 'or' = 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

/** `1 port`, `2 ports` */
export function plural(count: number, word: string, pluralWord = `${word}s`): string {
  return `${count} ${count === 1 ? word : pluralWord}`;
}
