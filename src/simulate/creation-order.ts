/**
 * Creation order: where Istio uses the oldest of several resources (or merges them oldest first), the
 * repository cannot show which that is. The request is simulated once per assumption about the
 * oldest; when every assumption gives the same answer it stands, otherwise the answer is
 * `undetermined`, naming the resources and what each order gives.
 */
import { listText } from '../lint/wording.js';
import {
  gatewaysMergedByAge,
  rulesMergedByAge,
  withOldest,
  type Workload,
} from '../model/istio.js';
import { describe, type Resource } from '../model/resource.js';
import type { ServersOnPort, SimulationContext } from './context.js';
import { Trace, type OrderGroup, type Outcome } from './trace.js';
import type { Decision, GatewayUse, Hop, Share, Stage, Upstream, Verdict } from './types.js';

export interface OrderedRun {
  t: Trace;
  outcome: Outcome;
  /** Where the run stands for a traffic split whose shares' answers differ: every share. */
  shares?: Share[];
}

/**
 * Enough to try every resource of a group as the oldest for a few groups at once; a request meeting
 * more conflicts than that is rare, and the runs tried already show whether the order matters.
 */
const MAX_RUNS = 24;

const NO_ASSUMPTION: ReadonlyMap<string, Resource> = new Map();

/**
 * Runs `simulate` with the stand-in order, then again with each other candidate of every group a run
 * met taken as the oldest (keeping that run's other assumptions), until no new assumption is left.
 */
export function acrossCreationOrders(
  simulate: (assumedOldest: ReadonlyMap<string, Resource>) => OrderedRun,
): OrderedRun[] {
  const first = simulate(NO_ASSUMPTION);
  // Most requests meet no group: one run, and nothing more to allocate for it (an access matrix
  // simulates hundreds of thousands of requests).
  if (first.t.orderGroups.length === 0) return [first];
  const runs = [first];
  const tried = new Set<string>(['']);
  for (let i = 0; i < runs.length && runs.length < MAX_RUNS; i++) {
    const { t } = runs[i]!;
    for (const group of t.orderGroups) {
      for (const candidate of group.candidates) {
        if (candidate === t.oldestTaken.get(group.key) || runs.length >= MAX_RUNS) continue;
        const assumed = new Map(t.assumedOldest).set(group.key, candidate);
        const key = assumptionKey(assumed);
        if (tried.has(key)) continue;
        tried.add(key);
        runs.push(simulate(assumed));
      }
    }
  }
  return runs;
}

function assumptionKey(assumed: ReadonlyMap<string, Resource>): string {
  return [...assumed]
    .map(([group, r]) => `${group}=${describe(r)}`)
    .sort()
    .join(';');
}

/**
 * What tells two answers apart: the verdict, the gateway, where the connection leaves, and of a
 * traffic split each share's (in any order: the shares are a set).
 */
export function answerOf({ t, outcome, shares }: OrderedRun): string {
  const own = pathAnswer(outcome.verdict, t.gateway, t.upstream);
  if (!shares) return own;
  const each = shares.map((s) => `${s.weight}%${pathAnswer(s.verdict, s.gateway, s.upstream)}`);
  return `${own}|${each.sort().join(',')}`;
}

function pathAnswer(verdict: Verdict, gateway?: GatewayUse, upstream?: Upstream): string {
  const gw = gateway ? `${gateway.namespace}/${gateway.name}:${gateway.port}` : '';
  const up = upstream ? `${upstream.host}:${upstream.port}/${upstream.tls}` : '';
  return `${verdict}|${gw}|${up}`;
}

/**
 * The run that stands for the request: the first, when every order gives its answer (a note names
 * the groups that did not matter); otherwise a run whose outcome is `undetermined`, with the
 * decisions and hops all orders share and a note per answer.
 */
export function settleCreationOrder(runs: readonly OrderedRun[]): OrderedRun {
  const first = runs[0]!;
  const groups = allGroups(runs);
  if (groups.length === 0) return first;
  const answers = new Map<string, OrderedRun>();
  for (const run of runs) if (!answers.has(answerOf(run))) answers.set(answerOf(run), run);
  if (answers.size === 1) {
    for (const g of groups)
      first.t.note(
        `Istio uses the oldest of ${candidatesText(g)} for ${g.what} (creation order, which the repository cannot show); the answer is the same whichever it is`,
      );
    return first;
  }
  const t = new Trace(true, first.t.assumedOldest, first.t.assumedShares);
  t.decisions.push(
    ...commonPrefix(
      runs.map((r) => r.t.decisions),
      decisionKey,
    ),
  );
  t.hops.push(
    ...commonPrefix(
      runs.map((r) => r.t.hops),
      hopKey,
    ),
  );
  for (const g of groups)
    t.decisions.push({
      at: g.at,
      text: `Istio uses the oldest of ${candidatesText(g)} for ${g.what}; the repository cannot show which was created first`,
    });
  const outcomes = [...answers.values()].map(
    (run) => `with ${assumptionText(run, groups)}: ${run.outcome.verdict} (${run.outcome.reason})`,
  );
  for (const o of outcomes) t.note(`oldest ${o}`);
  for (const n of first.t.notes) t.note(n);
  const missing = `which of ${groups.map(candidatesText).join('; and of ')} Istio created first`;
  return {
    t,
    outcome: {
      verdict: 'undetermined',
      reason: `creation order decides: ${outcomes.map((o) => `oldest ${o}`).join('; ')}`,
      expected: `depends on ${missing}, which the repository does not show`,
      missing,
    },
  };
}

/** Every group the runs met, once. */
function allGroups(runs: readonly OrderedRun[]): OrderGroup[] {
  const out = new Map<string, OrderGroup>();
  for (const run of runs) for (const g of run.t.orderGroups) if (!out.has(g.key)) out.set(g.key, g);
  return [...out.values()];
}

function candidatesText(g: OrderGroup): string {
  return listText(g.candidates.map(describe));
}

/** The resources a run took as the oldest, for the groups that matter. */
function assumptionText(run: OrderedRun, groups: readonly OrderGroup[]): string {
  const taken = groups.flatMap((g) => {
    const r = run.t.oldestTaken.get(g.key);
    return r ? [describe(r)] : [];
  });
  return listText(taken);
}

function commonPrefix<T>(lists: readonly (readonly T[])[], key: (x: T) => string): T[] {
  const [head = [], ...rest] = lists;
  let n = 0;
  while (n < head.length && rest.every((l) => n < l.length && key(l[n]!) === key(head[n]!))) n++;
  return head.slice(0, n);
}

const decisionKey = (d: Decision): string => `${d.at}|${d.text}`;
const hopKey = (h: Hop): string => `${h.from}|${h.to}|${h.transport}`;

/**
 * outboundTls's `inCreationOrder` for one run: the DestinationRules Istio merged for `host`, with
 * the one this run takes as the oldest first where their order changes the result.
 */
export function mergedRulesByAge(
  t: Trace,
  at: Stage,
  host: string,
  subset: string | undefined,
): (rules: readonly Resource[]) => readonly Resource[] {
  return (rules) => {
    const rivals = rulesMergedByAge(rules, subset);
    if (rivals.length < 2) return rules;
    const [oldest] = t.inCreationOrder(at, `the DestinationRules merged for ${host}`, rivals);
    return oldest === rivals[0] ? rules : withOldest(rules, oldest!);
  };
}

/**
 * The servers on a port of the gateway pods, merged from their Gateways oldest first: where the
 * order matters (gatewaysMergedByAge), the one this run takes as the oldest goes first.
 */
export function serversByAge(
  ctx: SimulationContext,
  t: Trace,
  pods: Workload,
  port: number,
  gatewayName: string,
): ServersOnPort {
  const onPort = ctx.serversOn(pods, port);
  const rivals = gatewaysMergedByAge(onPort.servers);
  if (rivals.length < 2) return onPort;
  const [oldest] = t.inCreationOrder('egress-gateway', `port ${port} of ${gatewayName}`, rivals);
  if (oldest === rivals[0]) return onPort;
  const gateways = ctx.index.gatewaysSelecting(pods);
  return ctx.serversOf(withOldest(gateways, oldest!), port);
}
