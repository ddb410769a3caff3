/**
 * Traffic splits: a route with several destinations of weight > 0 sends a share of the traffic to
 * each (Envoy weighted clusters). A 10% share that bypasses the gateway or goes nowhere matters as
 * much as the other 90%, so the request is simulated once per share. When every share gives the same
 * answer it stands; otherwise the verdict is the one most of the traffic gets, and every share is listed.
 */
import { answerOf, type OrderedRun } from './creation-order.js';
import { undetermined, type TakenSplit, type Trace } from './trace.js';
import { listText } from '../lint/wording.js';
import type { Share, Verdict } from './types.js';

/**
 * A request rarely meets more than a split at the sidecar and one at the gateway; beyond this many
 * shares the rest are left out, and a note says so.
 */
const MAX_SHARES = 32;

/**
 * Shares listed in one line (a reason, an access change, a chart's edge label) beyond this many are
 * counted, not listed: a route may split over dozens of destinations, and every share is under
 * `shares` in full.
 */
const MAX_LISTED = 4;

/** Shares' texts, heaviest first, as one line: at most MAX_LISTED, then `… and N more`. */
export function shareListText(texts: readonly string[]): string {
  const hidden = texts.length - MAX_LISTED;
  if (hidden <= 0) return texts.join(', ');
  return `${texts.slice(0, MAX_LISTED).join(', ')}, … and ${hidden} more`;
}

export interface SharedRun extends OrderedRun {
  /** Percent of the request's traffic this run stands for. */
  weight: number;
}

/** The shares simulated, and the part of the traffic in shares left out at MAX_SHARES. */
export interface SharedRuns {
  runs: SharedRun[];
  /** Percent of the traffic no simulated run stands for (0 when every share was simulated). */
  leftOut: number;
}

/** Shares not yet simulated: the choices leading to one, and the fraction of the traffic they carry. */
interface PendingShare {
  assumed: ReadonlyMap<string, number>;
  fraction: number;
  /** The destinations it takes, in text: of equal fractions the first in text order goes first. */
  path: string;
}

/**
 * Runs `simulate` following the heaviest share of every split, then once for every other share: the
 * shares form a tree (a share may lead to a gateway whose route splits again), and each leaf is run
 * once, so the cost grows with the number of shares, not with their product across requests. The
 * heaviest share not yet simulated goes next, so a cut at MAX_SHARES leaves out the lightest.
 */
export function acrossShares(
  simulate: (assumedShares: ReadonlyMap<string, number>) => OrderedRun,
): SharedRuns {
  const pending: PendingShare[] = [{ assumed: new Map(), fraction: 1, path: '' }];
  const runs: SharedRun[] = [];
  while (pending.length > 0 && runs.length < MAX_SHARES) {
    const { assumed } = takeHeaviest(pending);
    const run = simulate(assumed);
    runs.push({ ...run, weight: percent(fractionOf(run.t.splits)) });
    // A run meets the assumed splits first, in the order assumed (the choices before them are the
    // same); the other shares of each split it met after those are new leaves.
    const { splits } = run.t;
    for (let k = assumed.size; k < splits.length; k++) {
      const before = splits.slice(0, k);
      const prefix = before.map((g): [string, number] => [g.key, g.share]);
      const split = splits[k]!;
      split.weights.forEach((_, share) => {
        if (share === split.share) return;
        const taken = [...before, { ...split, share }];
        pending.push({
          assumed: new Map([...prefix, [split.key, share]]),
          fraction: fractionOf(taken),
          path: destinationsText(taken),
        });
      });
    }
  }
  return { runs, leftOut: percent(pending.reduce((sum, p) => sum + p.fraction, 0)) };
}

/** The heaviest pending share; of equal fractions the first by path, never by written order. */
function takeHeaviest(pending: PendingShare[]): PendingShare {
  let best = 0;
  for (let i = 1; i < pending.length; i++) {
    const p = pending[i]!;
    const b = pending[best]!;
    if (p.fraction > b.fraction || (p.fraction === b.fraction && p.path < b.path)) best = i;
  }
  return pending.splice(best, 1)[0]!;
}

/** The fraction of the traffic that follows the shares taken at `splits`. */
function fractionOf(splits: readonly TakenSplit[]): number {
  let fraction = 1;
  for (const split of splits) {
    const total = split.weights.reduce((a, b) => a + b, 0);
    fraction *= split.weights[split.share]! / total;
  }
  return fraction;
}

/** A fraction as a percentage rounded to hundredths. */
const percent = (fraction: number): number => Math.round(fraction * 10_000) / 100;

/** A percentage, such as a sum of shares' weights, rounded to hundredths. */
export const hundredths = (percentage: number): number => Math.round(percentage * 100) / 100;

/**
 * Verdicts from the least safe to the safest, to order shares of equal weight: traffic leaving the
 * mesh is what a reviewer must see first.
 */
const LEAST_SAFE_FIRST: readonly Verdict[] = [
  'allowed-direct',
  'undetermined',
  'allowed-via-gateway',
  'broken',
  'blocked-unregistered',
  'denied-by-authz',
];

/**
 * Heaviest first; of equal weights the least safe verdict, then the destinations in text order. Envoy's
 * weighted clusters are an unordered set, so the written order of a route's destinations never decides.
 */
function heaviestFirst(a: SharedRun, b: SharedRun): number {
  return (
    b.weight - a.weight ||
    safetyRank(a.outcome.verdict) - safetyRank(b.outcome.verdict) ||
    compareText(destinationsText(a.t.splits), destinationsText(b.t.splits))
  );
}

/** Which verdict a traffic split gets, and whether the shares whose answer is unknown could change it. */
interface Plurality {
  verdict: Verdict;
  /** Percent of the traffic that gets it. */
  percent: number;
  /**
   * Percent of the traffic whose answer is unknown (undetermined shares, shares not simulated) when it
   * could give another verdict the most: then the split's verdict is undetermined.
   */
  open?: number;
  /** The verdict the unknown part could put first. */
  rival?: Verdict;
}

/**
 * The verdict most of the traffic gets, shares of one verdict summed (a 40% share must not outvote
 * three 20% shares that break), and its percent; of equal parts, the least safe. The undetermined
 * shares and those not simulated could each give any verdict: the verdict holds only if it would
 * still come first with all of that part given to the runner-up (or to a verdict no share gets).
 */
function mostTraffic(runs: readonly SharedRun[], leftOut: number): Plurality {
  const parts = new Map<Verdict, number>();
  for (const r of runs)
    parts.set(r.outcome.verdict, (parts.get(r.outcome.verdict) ?? 0) + r.weight);
  const unknown = hundredths((parts.get('undetermined') ?? 0) + leftOut);
  const ranked = [...parts]
    .filter(([v]) => unknown === 0 || v !== 'undetermined')
    .sort(([va, a], [vb, b]) => b - a || safetyRank(va) - safetyRank(vb));
  const [verdict, weight] = ranked[0] ?? ['undetermined', 0];
  const percent = hundredths(weight);
  if (unknown === 0 || verdict === 'undetermined') return { verdict, percent };
  // The runner-up, or a verdict no share gets (of which the least safe wins a tie).
  const [rival, rivalWeight] = ranked[1] ?? [LEAST_SAFE_FIRST.find((v) => v !== verdict)!, 0];
  const challenge = hundredths(rivalWeight + unknown);
  const holds =
    percent > challenge || (percent === challenge && safetyRank(verdict) < safetyRank(rival));
  return holds ? { verdict, percent } : { verdict, percent, open: unknown, rival };
}

const safetyRank = (v: Verdict): number => LEAST_SAFE_FIRST.indexOf(v);

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const destinationsOf = (t: Trace): string[] => destinationList(t.splits);

const destinationList = (splits: readonly TakenSplit[]): string[] =>
  splits.map((s) => `${s.route} -> ${s.destinations[s.share]!}`);

const destinationsText = (splits: readonly TakenSplit[]): string =>
  destinationList(splits).join('\n');

/**
 * The run that stands for the request and, where the shares' answers differ, every share
 * (heaviestFirst).
 */
export function settleShares({ runs, leftOut }: SharedRuns): OrderedRun {
  const first = runs[0]!;
  if (runs.length === 1) return first;
  if (new Set(runs.map(answerOf)).size === 1) {
    for (const split of first.t.splits)
      first.t.note(
        `${split.route} splits the traffic over ${split.weights.length} destinations; ${leftOut > 0 ? 'every share simulated' : 'every share'} gives this answer`,
      );
    return withCutOffNote(withOrderGroupsOf(first, runs), leftOut);
  }
  const ordered = [...runs].sort(heaviestFirst);
  const plurality = mostTraffic(ordered, leftOut);
  const { verdict, percent } = plurality;
  const chosen = ordered.find((r) => r.outcome.verdict === verdict)!;
  const heaviest = withCutOffNote(withOrderGroupsOf(chosen, runs), leftOut);
  const shares = ordered.map(shareOf);
  const others = shareListText(
    ordered.filter((r) => r !== chosen).map((r) => `${r.weight}% ${r.outcome.verdict}`),
  );
  heaviest.t.note(
    `the traffic is split and its shares are answered differently: the verdict is the one most of the traffic gets (${percent}%), path and reason those of its heaviest share (${heaviest.weight}%); every share is listed under shares`,
  );
  const split = `${percent}% of a traffic split gets (its heaviest share: ${heaviest.weight}%), the others: ${others}`;
  if (plurality.open === undefined) {
    const reason = `${heaviest.outcome.reason}; this is what ${split}`;
    return { t: heaviest.t, outcome: { ...heaviest.outcome, reason }, shares };
  }
  const reason = `${openText(plurality)}; ${verdict}: ${heaviest.outcome.reason}; this is what ${split}`;
  return { t: heaviest.t, outcome: undetermined(unknownParts(ordered, leftOut), reason), shares };
}

/** Why the shares whose answer is unknown leave the split's verdict open. */
const openText = ({ verdict, percent, open, rival }: Plurality): string =>
  `the answer for ${open}% of a traffic split is unknown and could make ${rival} what most of the traffic gets, against ${percent}% ${verdict}`;

/** What the undetermined shares miss, and the shares not simulated. */
function unknownParts(ordered: readonly SharedRun[], leftOut: number): string {
  const missed = new Set<string>();
  for (const r of ordered)
    if (r.outcome.verdict === 'undetermined')
      missed.add(r.outcome.missing ?? `what the ${r.weight}% share meets`);
  const unknown = [...missed];
  if (leftOut > 0)
    unknown.push(`what the ${leftOut}% of the traffic in shares past the first ${MAX_SHARES} gets`);
  return listText(unknown);
}

/** `run`, its trace saying which part of the traffic the shares left out at MAX_SHARES carry. */
function withCutOffNote<R extends SharedRun>(run: R, leftOut: number): R {
  if (leftOut > 0)
    run.t.note(
      `the traffic splits on the way give more than ${MAX_SHARES} shares; ${MAX_SHARES} were simulated, heaviest first; the others (${leftOut}% of the traffic) were not`,
    );
  return run;
}

/**
 * `run`, its trace holding the creation-order groups every share met: a group only a 10% share meets
 * still decides part of the traffic, so its other candidates are tried (creation-order.ts).
 */
function withOrderGroupsOf<R extends SharedRun>(run: R, runs: readonly SharedRun[]): R {
  for (const other of runs) if (other !== run) run.t.adoptOrderGroups(other.t);
  return run;
}

function shareOf({ t, outcome, weight }: SharedRun): Share {
  return {
    weight,
    destinations: destinationsOf(t),
    verdict: outcome.verdict,
    reason: outcome.reason,
    ...(outcome.missing ? { missing: outcome.missing } : {}),
    ...(t.gateway ? { gateway: t.gateway } : {}),
    ...(t.upstream ? { upstream: t.upstream } : {}),
    hops: t.hops,
  };
}
