import { spawnSync } from 'node:child_process';
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

it('the quick start command runs as a user types it (npx finds the built, executable binary)', () => {
  const [install] = /## Quick start\n\n```sh\n([\s\S]*?)```/.exec(readme)![1]!.trim().split('\n');
  // `npm ci` already ran (it is how the suite got its dependencies); run what follows it.
  const command = install!.replace(/^npm ci && /, '');
  const r = spawnSync('sh', ['-c', command], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false' },
    timeout: 60_000,
  });
  expect(r.stderr).not.toMatch(/Permission denied|not found/);
  // The bundled example carries the mistakes the README promises: findings, exit code 1.
  expect(r.status).toBe(1);
  expect(r.stdout).toContain('fixtures/seeds/asm-deny-post');
  expect(r.stdout).toMatch(/error/);
}, 90_000); // npx resolves the package first: tens of seconds on a loaded 2-core machine
