import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { likelyRef } from '../src/lint/describe.js';
import { listText } from '../src/lint/wording.js';
import { GATEWAY_API_GROUP } from '../src/model/kinds.js';
import {
  stringList,
  type GatewayApiListener,
  type Refusal,
  type Unattached,
} from '../src/model/istio.js';
import { describe, get } from '../src/model/resource.js';

/**
 * A Gateway API route attaches to the listeners of a Gateway that its parentRef names (port,
 * sectionName) and that take it: a hostname overlapping the route's, the route's namespace allowed,
 * its kind carried (pilot/pkg/config/kube/gateway/conversion.go referenceAllowed,
 * extractParentReferenceInfo). A parentRef no listener takes is dropped: Istio says so only in the
 * route's status, and the route does nothing on that Gateway. The model (gateway-api.ts) records
 * such parentRefs only where the repository shows why; a Gateway of another class or not modelled,
 * and a Namespace whose labels decide, are left alone. A Gateway the repository does not show is
 * reported only when a name close to one it shows makes a mistake likely.
 */
export default defineRule({
  meta: {
    id: 'gateway-api-route-unattached',
    severity: 'warning',
    description:
      'Gateway API route (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute) whose parentRef names a Gateway no listener of which takes it (sectionName or port, hostnames, namespace or kind not allowed), or a Gateway the repository does not show while it has one of a close name; the route does nothing there',
    kinds: ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'Gateway'],
  },
  check(ctx) {
    for (const u of ctx.index.gatewayApiUnattached()) {
      ctx.report({
        resource: u.route,
        path: ['spec', 'parentRefs', u.index],
        message: unattachedMessage(u),
      });
    }
    reportUnshownGateways(ctx);
  },
});

function reportUnshownGateways({ configSet, index, report }: RuleContext): void {
  // A Gateway the repository does not show may come from elsewhere: only a name close to one it
  // shows (the namespace left out, a typo) is likely a mistake. Schema-invalid ones count as shown.
  const gateways = configSet.resources
    .filter((r) => r.kind === 'Gateway' && r.group === GATEWAY_API_GROUP)
    .map((g) => `${g.namespace}/${g.name}`);
  const shown = new Set(gateways);
  const guesses = new Map<string, string | undefined>();
  for (const { route, index: i, ref } of index.gatewayApiUnshownGateways()) {
    if (shown.has(ref)) continue;
    if (!guesses.has(ref)) guesses.set(ref, likelyRef(ref, gateways));
    const guess = guesses.get(ref);
    if (!guess) continue;
    const written = get(route.body, ['spec', 'parentRefs', i, 'namespace']);
    const meaning =
      typeof written === 'string'
        ? ''
        : ` (a parentRef without namespace means ${route.namespace})`;
    report({
      resource: route,
      path: ['spec', 'parentRefs', i],
      message: `the repository shows no Gateway ${ref}${meaning}; did you mean ${guess}? Unless the cluster has ${ref} from elsewhere, this ${route.kind} attaches to nothing there`,
    });
  }
}

function unattachedMessage(u: Unattached): string {
  const gateway = describe(u.gateway);
  const head = `no listener of ${gateway} takes this ${u.route.kind}, so it does nothing there (Istio says so only in the route's status: Accepted False, ${u.status})`;
  // Listeners the parentRef does not name (another sectionName or port) are not what it meant.
  const named = u.refusals.filter(
    (r): r is { listener: GatewayApiListener; why: ListenerRefusal } =>
      r.why !== 'port' && r.why !== 'sectionName',
  );
  if (named.length === 0) return `${head}: ${unnamed(u)}`;
  const hostnames = stringList(get(u.route.body, ['spec', 'hostnames']));
  return `${head}: ${named.map((r) => refusalText(r.listener, r.why, u, hostnames)).join('; ')}`;
}

/** No listener has the sectionName and port the parentRef names. */
function unnamed(u: Unattached): string {
  const ref = ['spec', 'parentRefs', u.index];
  const section = get(u.route.body, [...ref, 'sectionName']);
  const port = get(u.route.body, [...ref, 'port']);
  const wanted = [
    ...(typeof section === 'string' ? [`named ${section}`] : []),
    ...(typeof port === 'number' ? [`on port ${port}`] : []),
  ].join(' ');
  const have = u.refusals.map((r) => `${r.listener.name} on port ${r.listener.port}`);
  return `it has no listener ${wanted} (its listeners: ${listText(have)})`;
}

/** Why a listener the parentRef names refuses the route. */
type ListenerRefusal = Exclude<Refusal, 'port' | 'sectionName'>;

function refusalText(
  l: GatewayApiListener,
  why: ListenerRefusal,
  u: Unattached,
  hostnames: readonly string[],
): string {
  const listener = `listener ${l.name} (port ${l.port}, ${l.protocol})`;
  const ns = u.route.namespace;
  switch (why) {
    case 'hostname':
      return `${listener} is for ${l.hostname ?? '*'}, which none of the route's hostnames (${listText(hostnames)}) overlaps`;
    case 'namespace':
      return l.from === 'Same'
        ? `${listener} takes routes from its own namespace ${l.gateway.namespace} only (allowedRoutes.namespaces.from Same, the default), not from ${ns}`
        : `${listener} takes routes from the namespaces its allowedRoutes selector picks, and it does not pick ${ns}`;
    case 'protocol':
      return `${listener} carries ${listText([...l.protocolKinds], 'or')}, not ${u.route.kind}`;
    case 'kinds':
      return l.kinds.length > 0
        ? `${listener} takes only ${listText([...l.kinds], 'or')} (allowedRoutes.kinds)`
        : `${listener} takes no route: allowedRoutes.kinds lists no kind its protocol carries`;
  }
}
