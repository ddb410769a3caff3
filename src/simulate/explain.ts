/**
 * `explain`: what the mesh does with one request from one workload, evaluated the way the client's
 * sidecar and the egress gateway would, over the rendered and hand-written resources together.
 */
import type { Analysis } from '../analyze.js';
import { simulationContext, type SimulationContext } from './context.js';
import { fromSidecar } from './sidecar.js';
import { Trace, undetermined } from './trace.js';
import { findServicePort } from './upstream.js';
import { acrossCreationOrders, settleCreationOrder, type OrderedRun } from './creation-order.js';
import { acrossShares, settleShares } from './splits.js';
import type { Resource } from '../model/resource.js';
import { requestHost } from '../model/istio.js';
import type { AppRequest, Explanation, SourceWorkload } from './types.js';

export interface ExplainOptions {
  /** Locate deciding fields in files (default true); the access matrix only needs verdicts. */
  locate?: boolean;
}

export function explainRequest(
  ctx: SimulationContext,
  source: SourceWorkload,
  request: AppRequest,
  options: ExplainOptions = {},
): Explanation {
  // The application's resolver and its sidecar read the name (request-host.ts).
  const read = requestHost(ctx.index, {
    host: request.host,
    namespace: source.namespace,
    http: request.scheme === 'http',
    resources: ctx.cs.resources,
    hasPort: (entry) => findServicePort([entry], request.port) !== undefined,
  });
  const host = 'host' in read ? read.host : request.host;
  const sent = host === request.host ? request : { ...request, host };
  const simulate = (
    assumedOldest: ReadonlyMap<string, Resource>,
    assumedShares: ReadonlyMap<string, number>,
  ): OrderedRun => {
    const t = new Trace(options.locate ?? true, assumedOldest, assumedShares);
    if (request.scheme !== 'http' && request.method !== 'GET') {
      t.note(
        `the method ${request.method} is not visible inside the application's TLS; it does not change the result`,
      );
    }
    if ('undetermined' in read) {
      t.decide('application', read.undetermined.reason);
      const { missing, reason } = read.undetermined;
      return { t, outcome: undetermined(missing, reason) };
    }
    if (read.entry && read.note) t.decide('sidecar', read.note, read.entry, ['spec', 'hosts']);
    else if (read.note) t.note(read.note);
    return { t, outcome: fromSidecar(ctx, t, source, sent) };
  };
  // Each creation order is simulated with every share it meets: another order may meet other splits.
  const { t, outcome, shares } = settleCreationOrder(
    acrossCreationOrders((oldest) =>
      settleShares(acrossShares((assumedShares) => simulate(oldest, assumedShares))),
    ),
  );
  return {
    source,
    request,
    ...outcome,
    ...(t.gateway ? { gateway: t.gateway } : {}),
    ...(t.upstream ? { upstream: t.upstream } : {}),
    hops: t.hops,
    decisions: t.decisions,
    notes: t.notes,
    ...(shares ? { shares } : {}),
  };
}

/** A simulator over one analysed revision; reuse it for many requests. */
export function createSimulator(
  analysis: Analysis,
): (source: SourceWorkload, request: AppRequest) => Explanation {
  const ctx = simulationContext(analysis);
  return (source, request) => explainRequest(ctx, source, request);
}
