/** Typed view of a schema-valid ASMEgressTrafficPolicy. */
import type { FieldPath } from './field-path.js';
import { protocolClass, type Protocol, type ProtocolClass } from './protocol.js';
import type { Resource } from './resource.js';

export interface PolicySource {
  /** Index in the rule's `from` list. */
  index: number;
  namespace: string;
  /** Pod labels; undefined selects every workload in the namespace. */
  workloadSelector?: Readonly<Record<string, string>>;
  path: FieldPath;
}

export interface Destination {
  ruleIndex: number;
  /** Index in the rule's `to` list. */
  index: number;
  path: FieldPath;
  name?: string;
  hosts: readonly string[];
  port: { name?: string; number: number; protocol: Protocol };
  protocolClass: ProtocolClass;
  /** `byEgressGateway.port` as written; undefined means allocated (v1 only). */
  gatewayPort?: number;
  httpsUpgrade?: { enabled: boolean; port?: number };
  /** The port the gateway connects to with TLS, when the upgrade is in effect (HTTP only). */
  upgradePort?: number;
  /** The sources of the rule this destination belongs to. */
  from: readonly PolicySource[];
}

export interface EgressRule {
  index: number;
  name?: string;
  path: FieldPath;
  from: readonly PolicySource[];
  to: readonly Destination[];
}

export interface EgressPolicy {
  resource: Resource;
  version: string;
  /** spec.byEgressGateway.name */
  gateway: string;
  rules: readonly EgressRule[];
  /** All destinations of all rules, in document order. */
  destinations: readonly Destination[];
}

export const DEFAULT_UPGRADE_PORT = 443;

interface RawPolicySpec {
  byEgressGateway: { name: string };
  egressRules: {
    name?: string;
    from: { namespace: string; workloadSelector?: Record<string, string> }[];
    to: {
      name?: string;
      hosts: string[];
      port: { name?: string; number: number; protocol: Protocol };
      byEgressGateway?: { port?: number };
      httpsUpgrade?: { enabled?: boolean; port?: number };
    }[];
  }[];
}

/** Build the typed view. Call only for resources that passed the schema. */
export function readEgressPolicy(resource: Resource): EgressPolicy {
  const spec = resource.body.spec as RawPolicySpec;
  const rules: EgressRule[] = spec.egressRules.map((raw, ruleIndex) => {
    const rulePath: FieldPath = ['spec', 'egressRules', ruleIndex];
    const from: PolicySource[] = raw.from.map((f, index) => ({
      index,
      namespace: f.namespace,
      ...(f.workloadSelector && Object.keys(f.workloadSelector).length > 0
        ? { workloadSelector: f.workloadSelector }
        : {}),
      // concat, not spread: a spread literal keeps spare capacity, and every source and destination
      // keeps its path for the whole run.
      path: rulePath.concat('from', index),
    }));
    const to: Destination[] = raw.to.map((t, index) => {
      const cls = protocolClass(t.port.protocol);
      const upgrade = t.httpsUpgrade;
      const upgrading = upgrade?.enabled === true && t.port.protocol === 'HTTP';
      return {
        ruleIndex,
        index,
        path: rulePath.concat('to', index),
        ...(t.name !== undefined ? { name: t.name } : {}),
        hosts: t.hosts,
        port: t.port,
        protocolClass: cls,
        ...(t.byEgressGateway?.port !== undefined ? { gatewayPort: t.byEgressGateway.port } : {}),
        ...(upgrade
          ? {
              httpsUpgrade: {
                enabled: upgrade.enabled === true,
                ...(upgrade.port !== undefined ? { port: upgrade.port } : {}),
              },
            }
          : {}),
        ...(upgrading ? { upgradePort: upgrade?.port ?? DEFAULT_UPGRADE_PORT } : {}),
        from,
      };
    });
    return {
      index: ruleIndex,
      ...(raw.name !== undefined ? { name: raw.name } : {}),
      path: rulePath,
      from,
      to,
    };
  });
  return {
    resource,
    version: resource.version,
    gateway: spec.byEgressGateway.name,
    rules,
    // concat, not flatMap: flatMap pushes, and the list is kept with its spare room.
    destinations: ([] as Destination[]).concat(...rules.map((r) => r.to)),
  };
}
