/**
 * What a pull request changes: the resource diff and the access changes of base and head, computed in
 * an order that lets the base analysis go as soon as nothing needs it. At thousands of gateways each
 * analysis is hundreds of megabytes, and the head's access matrix, the largest step, was simulated
 * with the base, its index and its simulation's memos all still alive: garbage collection then grew
 * faster than the work (docs/lint.md, the seventh round).
 *
 * The base is taken from a function and held only inside `withBase`: what comes out of it is the
 * resource diff (which keeps no resource) and the base's verdicts (which keep no analysis). A caller
 * that keeps the base elsewhere (the app's cache) gets the same results.
 */
import type { Analysis } from '../analyze.js';
import {
  accessMatrix,
  accessWithin,
  diffAccess,
  type AccessChange,
  type AccessUniverse,
  type AccessVerdicts,
} from '../simulate/access.js';
import { diffRevisions, type RevisionDiff } from './diff.js';

export interface Comparison {
  resources: RevisionDiff;
  access: AccessChange[];
}

/** Runs one step of the comparison; the growth benchmark times them (`access` comes in two parts). */
export type StepRunner = <T>(step: 'diff' | 'access', work: () => T) => T;

const untimed: StepRunner = (_step, work) => work();

export function compareRevisions(
  head: Analysis,
  takeBase: () => Analysis,
  run: StepRunner = untimed,
): Comparison {
  const { resources, within, before } = withBase(takeBase, head, run);
  const access = run('access', () => diffAccess(before, accessMatrix(head, within)));
  return { resources, access };
}

/** Everything that reads the base, in a frame of its own: when it returns, nothing here holds it. */
function withBase(
  takeBase: () => Analysis,
  head: Analysis,
  run: StepRunner,
): { resources: RevisionDiff; within: AccessUniverse; before: AccessVerdicts } {
  const base = takeBase();
  const resources = run('diff', () => diffRevisions(base, head));
  return run('access', () => {
    const within = accessWithin(base, head);
    const { explain: _explain, ...before } = accessMatrix(base, within);
    return { resources, within, before };
  });
}
