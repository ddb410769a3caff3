/**
 * Repository text (file names, hosts, resource names, messages) on its way into a PR comment or a
 * terminal. It must not close a code fence, open HTML, break a table, @-mention anyone, reorder the
 * text around it (bidi controls) or drive a terminal (escape sequences).
 */

/** C0/C1 controls other than tab and newline, and the bidi controls of Trojan Source. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Every ASCII punctuation character: CommonMark lets a backslash make any of them literal. */
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/g;
const ZWJ = '\u200d';

export function sanitize(text: string): string {
  return text
    .replace(CONTROL, '\ufffd')
    .replace(BIDI, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`);
}

/** One line, at most `max` characters (cut with an ellipsis). */
export function oneLine(text: string, max = 300): string {
  const flat = sanitize(text.replace(/\r\n|\r|\n/g, ' ').replace(/\t/g, ' '));
  return truncateText(flat, max);
}

/** A zero-width joiner after `@`, so `@org/team` shows as written but notifies nobody. */
export function neutralizeMentions(text: string): string {
  return text.replace(/@/g, `@${ZWJ}`);
}

/** Literal text in Markdown (paragraphs and table cells): no syntax, no HTML, no mentions. */
export function mdText(text: string, max?: number): string {
  return neutralizeMentions(oneLine(text, max).replace(ASCII_PUNCTUATION, '\\$&'));
}

/** Literal text shown as code in Markdown, safe in table cells too (unlike a backtick span). */
export function mdCode(text: string, max?: number): string {
  return `<code>${mdText(text, max)}</code>`;
}

/** Literal text inside raw HTML (e.g. `<summary>`), where Markdown is not parsed. */
export function htmlText(text: string, max?: number): string {
  const escaped = oneLine(text, max).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return neutralizeMentions(escaped);
}

export function htmlCode(text: string, max?: number): string {
  return `<code>${htmlText(text, max)}</code>`;
}

/** A backtick fence longer than any backtick run in the content, so the content cannot close it. */
export function fenceFor(content: string): string {
  let longest = 0;
  for (const run of content.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return '`'.repeat(Math.max(3, longest + 1));
}

/** A fenced code block; the lines are sanitized and must not contain newlines. */
export function codeBlock(
  info: string,
  lines: readonly string[],
  fence = fenceFor(lines.join('\n')),
): string {
  const body = lines.map(sanitize).join('\n');
  return `${fence}${info}\n${body}${body ? '\n' : ''}${fence}\n`;
}

/** Characters a URL may carry unencoded in a Markdown link destination. */
const URL_SAFE = /[A-Za-z0-9\-._~:/?#[\]@!$&*+,;=%]/;

/** An http(s) URL fit for a Markdown link destination, or undefined for anything else. */
export function safeUrl(url: string): string | undefined {
  if (!/^https?:\/\/[^\s]+$/i.test(url)) return undefined;
  let out = '';
  for (const c of url)
    out += URL_SAFE.test(c)
      ? c
      : [...new TextEncoder().encode(c)]
          .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
          .join('');
  return out;
}

/** A path for a URL: each segment percent-encoded, parentheses included. */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((seg) =>
      encodeURIComponent(seg).replace(
        /[()'!*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

/** The GitHub page of a file's line at a commit. */
export function blobLineUrl(repoUrl: string, sha: string, file: string, line: number): string {
  return `${repoUrl.replace(/\/+$/, '')}/blob/${encodeURIComponent(sha)}/${encodePath(file)}#L${line}`;
}

export function mdLink(label: string, url: string | undefined): string {
  const href = url === undefined ? undefined : safeUrl(url);
  return href ? `[${label}](${href})` : label;
}

/** Cut to at most `max` characters (counting the ellipsis), on a character boundary; newlines kept. */
export function truncateText(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
