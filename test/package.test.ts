/**
 * The npm package: what `npm pack` puts in the tarball, and dependencies that are exactly what the
 * built code imports (a runtime import left in devDependencies crashes an `--omit=dev` install;
 * .ci/smoke.sh installs the real tarball that way).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import { ROOT } from './support.js';

function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}

function jsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.c?js$/.test(f))
    .map((f) => join(ROOT, dir, f));
}

/** Package names the built code imports (static and dynamic) or requires, builtins left out. */
function importedPackages(files: string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const code = readFileSync(file, 'utf8');
    const specs = [
      ...code.matchAll(/^(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"]/gm),
      ...code.matchAll(/^import\s*['"]([^'"]+)['"]/gm),
      ...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
      ...code.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g),
    ].map((m) => m[1]!);
    for (const spec of specs) {
      if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec))
        continue;
      names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return names;
}

it('the tarball holds the built code, schemas, rule pages and LICENSE, and no tests, bench or maps', () => {
  const files = packedFiles();
  for (const needed of [
    'LICENSE',
    'package.json',
    'dist/src/cli/main.js',
    'dist/src/app/main.js',
    'dist/schemas/egress-lint-config.json',
    'dist/schemas/validators/resources.cjs',
    'dist/schemas/validators/config.cjs',
    'schemas/egress-lint-config.json',
    'rules/gateway-not-found.md',
    'app.yml',
  ])
    expect(files).toContain(needed);
  expect(
    files.filter((f) => /^dist\/(bench|test)\/|\.map$|\.test\.|^src\/|^test\//.test(f)),
  ).toEqual([]);
});

it('dependencies are exactly the packages the shipped code imports', () => {
  const shipped = [
    ...jsFiles('dist/src'),
    ...jsFiles('dist/rules'),
    ...jsFiles('dist/schemas/validators'),
  ].filter((f) => !f.includes('.test.'));
  expect([...importedPackages(shipped)].sort()).toEqual(Object.keys(pkg.dependencies).sort());
});
