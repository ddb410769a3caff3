/**
 * Build: compile with tsc, then mark the CLI executable. tsc writes files without the execute bit,
 * and `npm ci` links `bin` before `prepare` builds it, so nothing else sets it: without this,
 * `npx egress-lint` on a fresh clone fails with "Permission denied". Last, our JSON schemas become
 * Ajv standalone validators (src/schema/compiled.ts), so that no process start compiles them.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
chmodSync(new URL('../dist/src/cli/main.js', import.meta.url), 0o755);

const { CONFIG_SCHEMAS, RESOURCE_SCHEMAS, standaloneSource } = await import(
  new URL('../dist/src/schema/compiled.js', import.meta.url).href
);
const validators = new URL('../dist/schemas/validators/', import.meta.url);
mkdirSync(validators, { recursive: true });
for (const set of [RESOURCE_SCHEMAS, CONFIG_SCHEMAS])
  writeFileSync(new URL(`${set.name}.cjs`, validators), standaloneSource(set));
