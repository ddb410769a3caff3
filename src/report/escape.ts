/**
 * Text from a repository (file names, hosts, messages quoting YAML) placed into GitHub markdown must
 * stay text: no HTML, no closing a code fence or table cell, no @-mention or #-reference that pings
 * people or links issues.
 */

/** For inline markdown (table cells, list items): one line, markdown and HTML neutralised. */
export function escapeMarkdownInline(text: string): string {
  return text
    .replace(/\r\n?|\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]{}()#+!|~-])/g, '\\$1')
    .replace(/@/g, '&#64;');
}

/** Cut to at most `max` characters (counting the ellipsis), on a character boundary. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  let out = '';
  for (const c of chars) {
    if (out.length + c.length > max - 1) break;
    out += c;
  }
  return `${out}…`;
}
