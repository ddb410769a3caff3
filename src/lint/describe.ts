/** Wording shared by rule messages: where something was written, and what a destination is called. */
import type { Destination, EgressPolicy } from '../model/egress-policy.js';
import type { FieldPath } from '../model/field-path.js';
import { describe, locate, type Resource } from '../model/resource.js';
import { suggest } from '../schema/messages.js';

/** `file:line` of a field, for messages that point at a second place ("already claimed at ..."). */
export function writtenAt(resource: Resource, path: FieldPath = []): string {
  const at = locate(resource, path);
  return at ? `${at.file}:${at.line}` : describe(resource);
}

export function policyRef(policy: EgressPolicy): string {
  return `${policy.resource.namespace}/${policy.resource.name}`;
}

/** `to[1] ("api") of rule 0 in istio-egress/egress-by-gw`: how users find an entry of a policy. */
export function destinationRef(policy: EgressPolicy, d: Destination): string {
  const name = d.name ? ` ("${d.name}")` : '';
  return `egressRules[${d.ruleIndex}].to[${d.index}]${name} of ${policyRef(policy)}`;
}

/** `host:port` of a destination, its first host standing for the others. */
export function hostPort(d: Destination): string {
  return `${d.hosts[0]}:${d.port.number}`;
}

/**
 * The `namespace/name` a reference the repository does not have most likely meant: one of the same
 * name in another namespace (the namespace left out or wrong), else one a typo away.
 */
export function likelyRef(ref: string, refs: readonly string[]): string | undefined {
  const name = ref.slice(ref.indexOf('/') + 1);
  return refs.find((r) => r.slice(r.indexOf('/') + 1) === name) ?? suggest(ref, refs);
}
