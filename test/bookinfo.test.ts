/**
 * Istio's Bookinfo networking samples (fixtures/bookinfo, see SOURCE.md) lint without an error the way
 * Istio's docs apply them: the application, the DestinationRules with the subsets, then one
 * networking file at a time. Their hosts are short names (`reviews` in `default`), resolved as pilot
 * resolves them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULES } from '../rules/index.js';
import { analyzeSources } from '../src/analyze.js';
import { DEFAULT_CONFIG } from '../src/config/project-config.js';
import { lint } from '../src/lint/engine.js';

const DIR = fileURLToPath(new URL('../fixtures/bookinfo/', import.meta.url));
const read = (name: string) => ({ path: name, content: readFileSync(join(DIR, name), 'utf8') });
const BASE = ['bookinfo.yaml', 'destination-rule-all.yaml'];
const samples = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml') && !BASE.includes(f))
  .sort();

function errors(names: readonly string[]): string[] {
  const analysis = analyzeSources(names.map(read), DEFAULT_CONFIG);
  return lint(analysis, DEFAULT_CONFIG, RULES)
    .findings.filter((f) => f.severity === 'error')
    .map((f) => `${f.file}:${f.line} ${f.ruleId}: ${f.message}`);
}

describe('Bookinfo networking samples', () => {
  it('are all here', () => {
    expect(samples.length).toBe(20);
  });

  it('destination-rule-all.yaml with virtual-service-all-v1.yaml: no error (short hosts resolve in default)', () => {
    expect(errors([...BASE, 'virtual-service-all-v1.yaml'])).toEqual([]);
  });

  it.each(samples)('%s, applied after destination-rule-all.yaml: no error', (sample) => {
    // A sample with DestinationRules of its own replaces destination-rule-all.yaml's objects of the
    // same name when applied; in one repository both copies would be a true duplicate-resource.
    const redefines = read(sample).content.includes('kind: DestinationRule');
    expect(errors(redefines ? ['bookinfo.yaml', sample] : [...BASE, sample])).toEqual([]);
  });

  it('every sample at once: no error but the true one, objects the alternatives define again', () => {
    // The samples are alternatives (reviews-v3 or reviews-50-v3...) that redefine the same objects:
    // in one repository that is a real mistake, and it is the only error.
    const all = errors(readdirSync(DIR).filter((f) => f.endsWith('.yaml')));
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((e) => !e.includes(' duplicate-resource: '))).toEqual([]);
  });
});
