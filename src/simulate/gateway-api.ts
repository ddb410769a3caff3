/**
 * Gateway API objects egress-lint does not convert (model/istio/gateway-api.ts lists them): a
 * request they may decide is undetermined, naming the object, rather than answered without it.
 */
import { unmodelledForHost, type GatewayWorkload, type Unmodelled } from '../model/istio.js';
import { describe } from '../model/resource.js';
import type { SimulationContext } from './context.js';
import { undetermined, type Outcome, type Trace } from './trace.js';

/** A Gateway API route that sidecars route `host` by (a ServiceEntry or Service parent), unmodelled. */
export function unmodelledMeshRoute(
  ctx: SimulationContext,
  t: Trace,
  host: string,
): Outcome | undefined {
  const found = unmodelledForHost(ctx.index.gatewayApiUnmodelled(), host)[0];
  return found && unmodelledOutcome(t, 'sidecar', found, `routes ${host} for the sidecars`);
}

/**
 * A Gateway API Gateway whose pods take the request on `port`, unmodelled as a whole or in a
 * listener or route on that port (listeners on other ports do not see the request).
 */
export function unmodelledAtGateway(
  t: Trace,
  ctx: SimulationContext,
  gw: GatewayWorkload,
  port: number,
): Outcome | undefined {
  const resource = gw.declaration?.resource;
  if (!resource) return undefined;
  const found = ctx.index
    .gatewayApiUnmodelled()
    .find((u) => u.gateway === resource && (u.port === undefined || u.port === port));
  return found && unmodelledOutcome(t, 'egress-gateway', found, `configures ${describe(resource)}`);
}

function unmodelledOutcome(
  t: Trace,
  at: 'sidecar' | 'egress-gateway',
  u: Unmodelled,
  role: string,
): Outcome {
  const what = describe(u.resource);
  const modelled =
    u.missing !== undefined ? 'the repository cannot tell' : 'egress-lint does not model it';
  t.decide(at, `${what} ${role}, but ${modelled}: ${u.why}`, u.resource, u.path);
  if (u.missing !== undefined)
    return {
      ...undetermined(u.missing, `${what} ${role} and decides this request, but ${u.why}`),
      expected: `depends on ${u.missing}`,
    };
  const missing = `how Istio applies ${what}`;
  return {
    ...undetermined(missing, `${what} ${role} and decides this request, but ${u.why}`),
    expected: `depends on ${missing}, which egress-lint does not model`,
  };
}
