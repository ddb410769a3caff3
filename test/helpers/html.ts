/**
 * Markdown -> HTML the way GitHub reads it (micromark + GFM, raw HTML passed through as GitHub's
 * sanitizer would keep details/summary/code/sub), then a small element tree to assert structure on.
 * The tree builder is strict: a closing tag that does not match the open element is an error, so a
 * stray `</details>` from repository text fails the test.
 */
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

export interface HtmlElement {
  tag: string;
  attrs: Record<string, string>;
  children: HtmlNode[];
  parent?: HtmlElement;
}
export type HtmlNode = HtmlElement | string;

const VOID = new Set([
  'br',
  'hr',
  'img',
  'input',
  'meta',
  'link',
  'wbr',
  'source',
  'area',
  'col',
  'embed',
]);

export function renderGfm(markdown: string): string {
  return micromark(markdown, {
    extensions: [gfm()],
    htmlExtensions: [gfmHtml()],
    allowDangerousHtml: true,
  });
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (_, e: string) => {
    if (e[0] === '#')
      return String.fromCodePoint(
        e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)),
      );
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[e.toLowerCase()]!;
  });
}

export function parseHtml(html: string): HtmlElement {
  const root: HtmlElement = { tag: '#root', attrs: {}, children: [] };
  let current = root;
  const re =
    /<!--[\s\S]*?-->|<\/([a-zA-Z][\w-]*)\s*>|<([a-zA-Z][\w-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*(\/?)>|([^<]+|<)/g;
  for (const m of html.matchAll(re)) {
    const [all, close, open, attrText, selfClose, text] = m;
    if (all.startsWith('<!--')) continue;
    if (close) {
      const tag = close.toLowerCase();
      if (current.tag !== tag)
        throw new Error(`</${tag}> closes <${current.tag}> at offset ${m.index}`);
      current = current.parent!;
    } else if (open) {
      const attrs: Record<string, string> = {};
      for (const a of (attrText ?? '').matchAll(
        /([^\s=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g,
      )) {
        attrs[a[1]!.toLowerCase()] = decodeEntities(a[2] ?? a[3] ?? a[4] ?? '');
      }
      const el: HtmlElement = { tag: open.toLowerCase(), attrs, children: [], parent: current };
      current.children.push(el);
      if (!VOID.has(el.tag) && !selfClose) current = el;
    } else if (text !== undefined) current.children.push(decodeEntities(text));
  }
  if (current !== root) throw new Error(`<${current.tag}> is never closed`);
  return root;
}

export function elements(node: HtmlElement, tag?: string): HtmlElement[] {
  const out: HtmlElement[] = [];
  const walk = (n: HtmlElement): void => {
    for (const c of n.children) {
      if (typeof c === 'string') continue;
      if (!tag || c.tag === tag) out.push(c);
      walk(c);
    }
  };
  walk(node);
  return out;
}

export function textOf(node: HtmlNode): string {
  return typeof node === 'string' ? node : node.children.map(textOf).join('');
}

/** Text nodes outside the given elements (e.g. outside code, where Markdown and mentions apply). */
export function textOutside(node: HtmlElement, skip: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (n: HtmlElement): void => {
    for (const c of n.children) {
      if (typeof c === 'string') out.push(c);
      else if (!skip.includes(c.tag)) walk(c);
    }
  };
  walk(node);
  return out;
}

export function ancestors(el: HtmlElement): string[] {
  const out: string[] = [];
  for (let p = el.parent; p; p = p.parent) out.push(p.tag);
  return out;
}

/**
 * The structure every comment must have: tables are tables with full rows, each diff is a
 * `pre > code.language-diff` inside its own `details` (with a summary), and no Markdown syntax is left
 * over as text.
 */
export function assertWellFormed(markdown: string): HtmlElement {
  const tree = parseHtml(renderGfm(markdown));
  for (const table of elements(tree, 'table')) {
    const width = elements(table, 'th').length;
    for (const tr of elements(table, 'tr')) {
      const cells = tr.children.filter((c) => typeof c !== 'string');
      if (cells.length !== width)
        throw new Error(`table row with ${cells.length} cells, header has ${width}`);
    }
  }
  for (const pre of elements(tree, 'pre')) {
    const code = pre.children.find(
      (c): c is HtmlElement => typeof c !== 'string' && c.tag === 'code',
    );
    if (!code) throw new Error('pre without code');
    const lang = code.attrs.class ?? '';
    if (lang === 'language-diff' && pre.parent?.tag !== 'details')
      throw new Error('a diff outside its details');
    if (lang !== 'language-diff' && lang !== 'language-mermaid')
      throw new Error(`unexpected code block ${lang}`);
  }
  for (const details of elements(tree, 'details')) {
    const kids = details.children.filter((c): c is HtmlElement => typeof c !== 'string');
    if (kids[0]?.tag !== 'summary') throw new Error('details without a summary first');
    if (elements(details, 'pre').length !== 1) throw new Error('details without exactly one diff');
    if (elements(details, 'details').length) throw new Error('details nested in details');
  }
  for (const text of textOutside(tree, ['code', 'pre'])) {
    if (/^\s*```|\|\s*---\s*\||^\s*<\/?(details|summary)>\s*$/m.test(text))
      throw new Error(`Markdown left as text: ${JSON.stringify(text.slice(0, 200))}`);
  }
  return tree;
}
