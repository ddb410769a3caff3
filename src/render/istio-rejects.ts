/**
 * What Istio's webhook refuses of what we render. A policy host the policy schema admits but Istio
 * does not take as a ServiceEntry host (an IP address: its last label is all digits) gets the
 * ServiceEntry rendered for its destination rejected whole (ValidateServiceEntry), and the TLS
 * origination DestinationRule too when it is the first host (ValidateDestinationRule: the host must be
 * a domain). The Gateway, the VirtualService and the gateway's DestinationRule take IPs and stay
 * (pkg/config/validation/agent/validation.go validateSidecarOrGatewayHostnamePart, validation.go
 * validateVirtualService and validateSniHost), and every other destination of the policy is unaffected.
 * The rejected resources are still written by `render` (that is what would be applied); they take no
 * part in the model.
 */
import type { ConfigSet } from '../model/config-set.js';
import type { Destination, EgressPolicy } from '../model/egress-policy.js';
import { docsUrl, type Finding } from '../model/finding.js';
import { ipLiteral, serviceEntryHostProblem } from '../model/istio/addresses.js';
import { KIND } from '../model/kinds.js';
import { findingLocation, refOf, type Resource } from '../model/resource.js';
import { listText } from '../lint/wording.js';

export interface IstioRejects {
  /** Rendered resources Istio's webhook refuses. */
  resources: Resource[];
  /** One per host that makes it refuse them, on that host of the policy. */
  findings: Finding[];
}

/** The resources rendered for `policy` (`own`) that Istio rejects, and why, in the policy's terms. */
export function istioRejects(
  cs: ConfigSet,
  policy: EgressPolicy,
  own: readonly Resource[],
): IstioRejects {
  const out: IstioRejects = { resources: [], findings: [] };
  for (const d of policy.destinations) {
    const bad = d.hosts.flatMap((host, k) => {
      const problem = serviceEntryHostProblem(host);
      return problem ? [{ host, k, problem }] : [];
    });
    if (bad.length === 0) continue;
    const firstBad = bad[0]!.k === 0;
    const dropped = own.filter(
      (r) =>
        (r.kind === KIND.serviceEntry && r.rendered?.path === d.path) ||
        (firstBad && r.kind === KIND.destinationRule && isOriginationRule(r, d)),
    );
    out.resources.push(...dropped);
    for (const { host, k, problem } of bad) {
      out.findings.push({
        ruleId: 'render',
        severity: 'error',
        message: rejectionMessage(cs, d, host, problem, dropped.length > 1),
        ...findingLocation(policy.resource, [...d.path, 'hosts', k]),
        resource: refOf(policy.resource),
        docs: docsUrl('render'),
      });
    }
  }
  return out;
}

function isOriginationRule(r: Resource, d: Destination): boolean {
  const path = r.rendered?.path;
  return (
    path !== undefined &&
    path.length === d.path.length + 1 &&
    path.at(-1) === 'httpsUpgrade' &&
    d.path.every((p, i) => path[i] === p)
  );
}

function rejectionMessage(
  cs: ConfigSet,
  d: Destination,
  host: string,
  problem: string,
  origination: boolean,
): string {
  const what = ipLiteral(host) ? `${host} is an IP address` : `${problem.replace(/^host /, '')}`;
  const rejected = origination
    ? 'the ServiceEntry and the TLS origination DestinationRule rendered for this destination'
    : 'the ServiceEntry rendered for this destination';
  return `${what}, and Istio takes only DNS names as ServiceEntry hosts: it rejects ${rejected} whole, so none of ${listText([...d.hosts])} is registered, while the Gateway server, VirtualService and DestinationRule subset rendered for it are accepted. ${outcome(cs, d)}; the policy's other destinations are not affected. Name the hosts by DNS name (an address is registered by a ServiceEntry's spec.addresses)`;
}

/** What the clients of the destination get once its hosts are unregistered. */
function outcome(cs: ConfigSet, d: Destination): string {
  const http = d.protocolClass === 'http';
  const upstream = `${d.hosts[0]}:${d.upgradePort ?? d.port.number}`;
  const from = listText([...new Set(d.from.map((f) => f.namespace))].sort());
  // Istio keeps a sidecar's HTTP routes on port 80 for a host no service registers (route.go).
  if (http && d.port.number === 80)
    return `Sidecars in ${from} still send HTTP on port 80 to the egress gateway, which has no service ${upstream} to forward to: requests get 503`;
  const byMode = new Map<boolean, Set<string>>();
  for (const f of d.from) {
    const blocks = cs.mesh.outboundFor(f.namespace, f.workloadSelector).mode === 'REGISTRY_ONLY';
    byMode.set(blocks, (byMode.get(blocks) ?? new Set()).add(f.namespace));
  }
  const parts: string[] = [];
  const blocked = byMode.get(true);
  const open = byMode.get(false);
  if (blocked)
    parts.push(
      `under REGISTRY_ONLY sidecars in ${listText([...blocked].sort())} drop the traffic (${http ? 'HTTP 502' : 'connection refused'})`,
    );
  if (open)
    parts.push(
      `outside REGISTRY_ONLY sidecars in ${listText([...open].sort())} send it straight to the hosts, around the egress gateway`,
    );
  const text = parts.join(', and ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Whether a rendered resource belongs to a destination whose ServiceEntry Istio rejects: what rules
 * find on it (no ServiceEntry for its hosts...) follows from that rejection, which the render finding
 * on the policy host already says, with the right fix.
 */
export function followsFromRejection(rejected: ReadonlySet<Resource>): (r: Resource) => boolean {
  if (rejected.size === 0) return () => false;
  const destinations = [...rejected].flatMap((r) =>
    r.kind === KIND.serviceEntry && r.rendered ? [r.rendered] : [],
  );
  return (r) =>
    r.rendered !== undefined &&
    destinations.some(
      (d) =>
        d.policy === r.rendered!.policy &&
        d.path.every((segment, i) => r.rendered!.path[i] === segment),
    );
}
