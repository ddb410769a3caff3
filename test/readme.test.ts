import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { RULES } from '../rules/index.js';
import { ROOT } from './support.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

it('the README lists every rule with its default severity', () => {
  for (const rule of RULES) {
    expect(readme, rule.meta.id).toContain(
      `| [${rule.meta.id}](rules/${rule.meta.id}.md) | ${rule.meta.severity} |`,
    );
  }
});

it('the README quick start is two commands: install and run on the bundled examples, then the tests', () => {
  const block = /## Quick start\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1]?.trim().split('\n');
  expect(block).toEqual([
    'npm ci && npx egress-lint lint fixtures/seeds/asm-deny-post',
    'npm test',
  ]);
});
