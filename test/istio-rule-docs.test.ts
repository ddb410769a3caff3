/**
 * The docs page of every Istio rule shows a Bad and a Good example; they must be what they claim:
 * the Bad YAML gets a finding of the rule, the Good YAML none, and neither trips the schema.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULES } from '../rules/index.js';
import { runRule } from './rule-tester.js';
import { ISTIO_RULES } from './istio-fixtures.js';

function example(page: string, section: 'Bad' | 'Good'): string {
  const m = new RegExp(`## ${section}\\n+\`\`\`yaml\\n([\\s\\S]*?)\`\`\``).exec(page);
  if (!m) throw new Error(`no ${section} example`);
  return m[1]!;
}

describe('Istio rule docs', () => {
  for (const id of ISTIO_RULES) {
    const rule = RULES.find((r) => r.meta.id === id)!;
    const page = readFileSync(new URL(`../rules/${id}.md`, import.meta.url), 'utf8');
    it(`${id}: page has its sections`, () => {
      expect(page.startsWith(`# ${id}\n`)).toBe(true);
      for (const h of ['## Why', '## Bad', '## Good', '## How to fix']) expect(page).toContain(h);
      expect(page).toContain(`**Default severity:** ${rule.meta.severity}`);
    });
    it(`${id}: the Bad example is reported`, () => {
      expect(runRule(rule, { name: 'bad', yaml: example(page, 'Bad') }).length).toBeGreaterThan(0);
    });
    it(`${id}: the Good example is not`, () => {
      expect(runRule(rule, { name: 'good', yaml: example(page, 'Good') })).toEqual([]);
    });
  }
});
