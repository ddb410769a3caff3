/**
 * Build: compile with tsc, then mark the CLI executable. tsc writes files without the execute bit,
 * and `npm ci` links `bin` before `prepare` builds it, so nothing else sets it: without this,
 * `npx egress-lint` on a fresh clone fails with "Permission denied".
 */
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
chmodSync(new URL('../dist/src/cli/main.js', import.meta.url), 0o755);
