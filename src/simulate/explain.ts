/**
 * `explain`: what the mesh does with one request from one workload, evaluated the way the client's
 * sidecar and the egress gateway would, over the rendered and hand-written resources together.
 */
import type { Analysis } from '../analyze.js';
import { simulationContext, type SimulationContext } from './context.js';
import { fromSidecar } from './sidecar.js';
import { Trace } from './trace.js';
import { acrossCreationOrders, settleCreationOrder, type OrderedRun } from './creation-order.js';
import { acrossShares, settleShares } from './splits.js';
import type { Resource } from '../model/resource.js';
import { resolveRequestHost } from '../model/istio.js';
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
  // The application's resolver reads a short name in its own namespace (the pod's DNS search path).
  const host = resolveRequestHost(
    request.host,
    source.namespace,
    ctx.index.clusterDomain,
    (fqdn) =>
      ctx.index.kubernetesServiceFor(fqdn) !== undefined ||
      ctx.index.serviceEntriesForHost(fqdn).length > 0,
  );
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
    if (host !== request.host)
      t.note(`${request.host} is a short name: in namespace ${source.namespace} it is ${host}`);
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
