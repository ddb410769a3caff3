/** Reading fixture revision pairs the way `egress-lint diff <old> <new>` does, for tests. */
import { fileURLToPath } from 'node:url';
import { RULES } from '../../rules/index.js';
import type { Analysis } from '../../src/analyze.js';
import { openFolderRevisions, type Revisions } from '../../src/cli/revisions.js';
import { analyzeWorkspace } from '../../src/cli/workspace.js';
import type { CliIO } from '../../src/cli/io.js';
import { diffRevisions, type ResourceChange } from '../../src/diff/diff.js';
import { lint } from '../../src/lint/engine.js';
import type { DiffReport } from '../../src/report/diff-report.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CapturedIO extends CliIO {
  out: string;
  err: string;
}

export function captureIO(
  cwd: string,
  env: Record<string, string | undefined> = {},
  isTTY = false,
  stdin = '',
): CapturedIO {
  const io: CapturedIO = {
    out: '',
    err: '',
    cwd,
    env,
    isTTY,
    readStdin: () => Promise.resolve(new TextEncoder().encode(stdin)),
    stdout: (t) => void (io.out += t),
    stderr: (t) => void (io.err += t),
  };
  return io;
}

/** fixtures/revisions/<scenario>/{base,head} as `egress-lint diff` opens them, both sides analysed. */
export async function fixtureRevisions(
  scenario: string,
): Promise<{ revisions: Revisions; base: Analysis; head: Analysis }> {
  const dir = `fixtures/revisions/${scenario}`;
  const revisions = await openFolderRevisions(
    `${dir}/base`,
    `${dir}/head`,
    undefined,
    captureIO(REPO_ROOT),
  );
  return {
    revisions,
    base: analyzeWorkspace(revisions.base),
    head: analyzeWorkspace(revisions.head),
  };
}

/** The diff report for fixtures/revisions/<scenario>/{base,head}. */
export async function fixtureReport(scenario: string): Promise<DiffReport> {
  const { revisions, base, head } = await fixtureRevisions(scenario);
  return {
    diff: diffRevisions(base, head),
    findings: lint(head, revisions.config, RULES).findings,
    failOn: revisions.config.failOn,
    notes: revisions.notes,
  };
}

/** `changed VirtualService default/name`, the way the assertions name a change. */
export function changeName(c: ResourceChange): string {
  return `${c.change} ${c.kind} ${c.namespace}/${c.name}`;
}

/** Only the lines a patch adds or removes. */
export function editedLines(patch: string): string[] {
  return patch.split('\n').filter((l) => /^[-+]/.test(l));
}
