/** Test helpers shared by several suites: read a fixture folder as a repository, as the CLI would. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeSources, type Analysis } from '../src/analyze.js';
import {
  CONFIG_FILE,
  DEFAULT_CONFIG,
  parseProjectConfig,
  type ProjectConfig,
} from '../src/config/project-config.js';
import type { SourceFile } from '../src/load/load.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SEEDS = join(ROOT, 'fixtures', 'seeds');

export function seedScenarios(prefix = ''): string[] {
  return readdirSync(SEEDS)
    .filter((d) => d.startsWith(prefix) && statSync(join(SEEDS, d)).isDirectory())
    .sort();
}

/** Every .yaml/.yml file under `dir` (not .github), paths relative to `dir`. */
export function readRepo(dir: string): { files: SourceFile[]; config: ProjectConfig } {
  const files: SourceFile[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const abs = join(d, name);
      if (statSync(abs).isDirectory()) {
        if (name !== '.github') walk(abs);
      } else if (/\.ya?ml$/.test(name))
        files.push({ path: relative(dir, abs), content: readFileSync(abs) });
    }
  };
  walk(dir);
  let config = DEFAULT_CONFIG;
  try {
    config = parseProjectConfig(readFileSync(join(dir, CONFIG_FILE), 'utf8'), CONFIG_FILE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return { files, config };
}

export function analyzeRepo(dir: string): Analysis {
  const { files, config } = readRepo(dir);
  return analyzeSources(files, config);
}
