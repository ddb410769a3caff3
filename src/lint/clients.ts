/**
 * "Be right before being loud": a rule gives an error only where a client the repository shows is
 * hit (IstioIndex.clientNamespaces for sidecar routes: workloads with sidecars, a policy's `from`, a
 * route's `sourceNamespace`, a Sidecar...; for gateway routes, the gateway's pods). Namespaces it
 * does not show, "every other namespace" among them, are hypothetical clients: a warning at most.
 */
import { MESH, type IstioIndex } from '../model/istio.js';
import type { Severity } from '../model/finding.js';

/**
 * The namespaces among `namespaces` where the repository shows a client. Proxies of a gateway
 * (`on` other than mesh) are the gateway's pods, which the repository shows by naming the gateway.
 */
export function shownClients(
  index: IstioIndex,
  namespaces: Iterable<string>,
  on: string = MESH,
): string[] {
  const shown = index.clientNamespaces();
  return [...namespaces].filter((ns) => on !== MESH || shown.has(ns));
}

/** A severity override for a finding about these clients: `warning` when none of them is shown. */
export function severityForClients(
  index: IstioIndex,
  namespaces: Iterable<string>,
  on: string = MESH,
): { severity?: Severity } {
  return shownClients(index, namespaces, on).length > 0 ? {} : { severity: 'warning' };
}
