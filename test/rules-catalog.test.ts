/**
 * The catalog is a contract: ids users write in configs and annotations, a docs page each (what, why,
 * bad, good, how to fix) and tests for every rule with logic.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULES } from '../rules/index.js';

const rulesDir = fileURLToPath(new URL('../rules/', import.meta.url));

describe('rule catalog', () => {
  it('has unique kebab-case ids, listed in id order', () => {
    const ids = RULES.map((r) => r.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
    expect(ids).toEqual([...ids].sort());
  });

  for (const rule of RULES) {
    const { id, severity, kinds, description } = rule.meta;
    describe(id, () => {
      it('has metadata', () => {
        expect(['error', 'warning', 'info']).toContain(severity);
        expect(kinds.length).toBeGreaterThan(0);
        expect(description.length).toBeGreaterThan(10);
        expect(
          rule.check !== undefined || rule.meta.stage !== undefined,
          'a rule without check must name its stage',
        ).toBe(true);
      });

      it('has a docs page with what, why, bad, good and how to fix', () => {
        const page = `${rulesDir}${id}.md`;
        expect(existsSync(page), page).toBe(true);
        const text = readFileSync(page, 'utf8');
        expect(text.startsWith(`# ${id}\n`)).toBe(true);
        expect(text).toContain(`**Default severity:** ${severity}`);
        const sections = rule.check
          ? ['## Why', '## Bad', '## Good', '## How to fix']
          : ['## Bad', '## Good', '## How to fix'];
        for (const s of sections) expect(text, `${id}.md lacks "${s}"`).toContain(`\n${s}\n`);
      });

      if (rule.check) {
        it('has tests', () => {
          expect(existsSync(`${rulesDir}${id}.test.ts`)).toBe(true);
        });
      }
    });
  }
});
