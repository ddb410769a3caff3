/**
 * The docs a user reads refer only to what the repository has: every relative link resolves to a
 * file or folder in it, and nothing points at a build machine or at design notes users never get.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support.js';

const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Targets of inline markdown links, `[text](target)`, outside code blocks. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((t) => !/^[a-z]+:/i.test(t) && !t.startsWith('#'));
}

describe.each(PAGES)('%s', (page) => {
  const text = readFileSync(join(ROOT, page), 'utf8');

  it('links only to files in the repository', () => {
    const missing = relativeLinks(text).filter(
      (t) => !existsSync(join(ROOT, dirname(page), t.split('#')[0]!)),
    );
    expect(missing).toEqual([]);
  });

  it('names no build-machine path or design notes users do not have', () => {
    expect(text).not.toMatch(/\/work\/|DESIGN(\.md| §)/);
  });
});
