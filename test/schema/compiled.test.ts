/**
 * The build's standalone validators (dist/schemas/validators, written by scripts/build.mjs, which the
 * global setup runs) against the same schemas compiled by Ajv in this process: the same verdict and
 * the same errors on every resource and config of the fixtures, and on seeded mutants of them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSources } from '../../src/load/load.js';
import type * as CompiledModule from '../../src/schema/compiled.js';
import {
  compilingValidators,
  CONFIG_SCHEMAS,
  RESOURCE_SCHEMAS,
  type ValidatorSet,
} from '../../src/schema/compiled.js';
import { mulberry32, mutate } from '../helpers/mutate.js';
import { ROOT } from '../support.js';

const MUTANTS_PER_FILE = 10;

/** The module as built (dist/), where the standalone validators sit beside it. */
const built = (await import(
  join(ROOT, 'dist', 'src', 'schema', 'compiled.js')
)) as typeof CompiledModule;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/** Each file's text and seeded mutants of it (broken in many ways, much of it still YAML). */
function texts(files: readonly string[]): string[] {
  const random = mulberry32(13);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  return files.flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [text, ...Array.from({ length: MUTANTS_PER_FILE }, () => mutate(text, random, pick))];
  });
}

const FILES = yamlFiles(join(ROOT, 'fixtures'));
const CONFIGS = FILES.filter((f) => f.endsWith('egress-lint.yml'));

let bodies: unknown[] | undefined;

function resourceBodies(): unknown[] {
  if (bodies) return bodies;
  const sources = texts(FILES.filter((f) => !CONFIGS.includes(f))).map((content, i) => ({
    path: `${i}.yaml`,
    content,
  }));
  return (bodies = loadSources(sources).resources.map((r) => r.body));
}

function configValues(): unknown[] {
  return texts(CONFIGS).flatMap((text) => {
    try {
      return [parse(text) as unknown];
    } catch {
      return [];
    }
  });
}

/** Every validator of the set, both ways, on every value: what each says, errors included. */
function disagreements(
  set: ValidatorSet,
  values: readonly unknown[],
  compiling = compilingValidators(set),
): string[] {
  const compiled = built.compiledValidators(set);
  expect(compiled, `dist/schemas/validators/${set.name}.cjs`).toBeDefined();
  const out: string[] = [];
  for (const name of Object.keys(set.validators)) {
    const [a, b] = [compiled![name]!, compiling(name)];
    for (const value of values) {
      const verdicts = [a(value), b(value)];
      const [ea, eb] = [a.errors ?? null, b.errors ?? null];
      if (verdicts[0] !== verdicts[1] || JSON.stringify(ea) !== JSON.stringify(eb))
        out.push(`${name} on ${JSON.stringify(value).slice(0, 200)}`);
    }
  }
  return out;
}

describe('compiled schema validators', () => {
  it('the build wrote them, and the built code uses them', () => {
    for (const set of [RESOURCE_SCHEMAS, CONFIG_SCHEMAS]) {
      const compiled = built.compiledValidators(set)!;
      expect(Object.keys(compiled).sort()).toEqual(Object.keys(set.validators).sort());
      const validator = built.validatorsOf(set);
      for (const name of Object.keys(set.validators)) expect(validator(name)).toBe(compiled[name]);
    }
  });

  it('say what Ajv says on every fixture resource and mutants of them', () => {
    const all = resourceBodies();
    expect(all.length).toBeGreaterThan(1000);
    expect(disagreements(RESOURCE_SCHEMAS, all)).toEqual([]);
  });

  it('say what Ajv says on every fixture config and mutants of them', () => {
    const values = configValues();
    expect(values.length).toBeGreaterThan(100);
    expect(disagreements(CONFIG_SCHEMAS, values)).toEqual([]);
  });

  it('the comparison sees a difference: errors without the schema (verbose off)', () => {
    const terse = { ...RESOURCE_SCHEMAS, options: { ...RESOURCE_SCHEMAS.options, verbose: false } };
    const some = resourceBodies().slice(0, 50);
    expect(disagreements(RESOURCE_SCHEMAS, some, compilingValidators(terse))).not.toEqual([]);
  });
});
