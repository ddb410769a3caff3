/**
 * .ci/count.mjs, the last line of .ci/run: one `N passed, N failed` over every suite and smoke step,
 * and a non-zero exit when anything failed or did not report.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ROOT } from '../support.js';

const dir = mkdtempSync(join(tmpdir(), 'egress-lint-count-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function count(...args: string[]): { line: string; code: number | null } {
  const r = spawnSync(process.execPath, [join(ROOT, '.ci/count.mjs'), ...args], {
    encoding: 'utf8',
  });
  return { line: r.stdout.trim(), code: r.status };
}

const report = (passed: number, failed: number): string =>
  JSON.stringify({ numPassedTests: passed, numFailedTests: failed, numRuntimeErrorTestSuites: 0 });

it('sums both suites and the smoke steps', () => {
  const steps = file('steps.txt', 'PASS node 20: lint\nPASS node 24: lint\nnoise\n');
  const r = count(
    '--steps',
    steps,
    file('a.json', report(10, 0)),
    '0',
    file('b.json', report(9, 0)),
    '0',
  );
  expect(r).toEqual({ line: '21 passed, 0 failed', code: 0 });
});

it('a failed step, a failed test, a run without a report or a non-zero run with no failed test each fail', () => {
  const steps = file('steps2.txt', 'PASS a\nFAIL b\n');
  expect(count('--steps', steps, file('c.json', report(3, 0)), '0')).toEqual({
    line: '4 passed, 1 failed',
    code: 1,
  });
  expect(count('--steps', steps, file('d.json', report(3, 2)), '1').line).toBe(
    '4 passed, 3 failed',
  );
  expect(count('--steps', steps, join(dir, 'missing.json'), '1').line).toBe('1 passed, 2 failed');
  expect(count('--steps', steps, file('e.json', report(3, 0)), '1').line).toBe(
    '4 passed, 2 failed',
  );
  expect(count('--steps', join(dir, 'no-steps.txt')).line).toBe('0 passed, 1 failed');
});
