/**
 * Repositories for the growth benchmark (bench/growth.ts): one shape per dimension that issue 15
 * grows from 1x to 10x, every other dimension held still. Each repository is valid and lints clean
 * under REGISTRY_ONLY, so the time measured is the pipeline's, not the placing of findings.
 *
 * - gateways: egress gateways, each with its own policy `egress-by-<gateway>` (3 rules x 3
 *   destinations, every rule from one workload of the team's namespace);
 * - destinations: destinations per policy, on 5 gateways;
 * - from: `from` namespaces per policy (one rule of 3 destinations, on 5 gateways; every policy lists
 *   the same namespaces);
 * - hand-written: ServiceEntry + VirtualService + DestinationRule triples (TLS origination at the
 *   sidecar, istio.io's egress-tls-origination task), each exported to its own namespace only;
 * - authz: DENY AuthorizationPolicies on the egress gateways (by source namespace or principal).
 */
import type { SourceFile } from '../src/load/load.js';
import { egressGatewayYaml, policyYaml, withBytes, type GeneratedRepo } from './generate.js';

export interface ScaleShape {
  gateways: number;
  rulesPerPolicy: number;
  destinationsPerRule: number;
  /** `from` namespaces per rule: 0 for one selected workload of the team's own namespace. */
  fromNamespaces: number;
  /** ServiceEntry + VirtualService + DestinationRule triples. */
  handWritten: number;
  authorizationPolicies: number;
}

export interface Dimension {
  /** What grows, as the growth table names it. */
  label: string;
  /** The shape at 1x. */
  base: ScaleShape;
  /** The shape at `factor` times the input along this dimension. */
  grow: (factor: number) => ScaleShape;
  /** What the figure counts, at 1x (for the table). */
  count: (shape: ScaleShape) => number;
}

const FIVE_GATEWAYS: ScaleShape = {
  gateways: 5,
  rulesPerPolicy: 3,
  destinationsPerRule: 3,
  fromNamespaces: 0,
  handWritten: 0,
  authorizationPolicies: 0,
};

function dimension(
  label: string,
  base: ScaleShape,
  field: keyof ScaleShape,
  count: (shape: ScaleShape) => number = (s) => s[field],
): Dimension {
  return { label, base, grow: (factor) => ({ ...base, [field]: base[field] * factor }), count };
}

export const DIMENSIONS: Record<string, Dimension> = {
  gateways: dimension(
    'egress gateways, one policy each',
    { ...FIVE_GATEWAYS, gateways: 1000 },
    'gateways',
  ),
  destinations: dimension(
    'destinations per policy (5 gateways)',
    { ...FIVE_GATEWAYS, rulesPerPolicy: 10, destinationsPerRule: 20 },
    'destinationsPerRule',
    (s) => s.rulesPerPolicy * s.destinationsPerRule,
  ),
  from: dimension(
    '`from` namespaces per policy (5 gateways)',
    { ...FIVE_GATEWAYS, rulesPerPolicy: 1, fromNamespaces: 500 },
    'fromNamespaces',
  ),
  'hand-written': dimension(
    'hand-written ServiceEntries, VirtualServices, DestinationRules (each)',
    { ...FIVE_GATEWAYS, handWritten: 1000 },
    'handWritten',
  ),
  authz: dimension(
    'AuthorizationPolicies on the gateways (5 gateways)',
    { ...FIVE_GATEWAYS, authorizationPolicies: 100 },
    'authorizationPolicies',
  ),
};

export function generateScaleRepo(shape: ScaleShape): GeneratedRepo {
  const files: SourceFile[] = [];
  for (let g = 0; g < shape.gateways; g++) {
    const gateway = `egressgateway-${g}`;
    files.push({ path: `gateways/${gateway}.yaml`, content: egressGatewayYaml(gateway) });
    const content = policyYaml({
      name: `egress-by-${gateway}`,
      gateway,
      rules: shape.rulesPerPolicy,
      destinationsPerRule: shape.destinationsPerRule,
      from: (r) =>
        shape.fromNamespaces === 0
          ? [{ namespace: `team-${g}`, app: `app-${r}` }]
          : Array.from({ length: shape.fromNamespaces }, (_, n) => ({ namespace: `team-${n}` })),
      host: (r, d) => `api-${g}-${r}-${d}.example.com`,
    });
    files.push({ path: `policies/egress-by-${gateway}.yaml`, content });
  }
  for (let i = 0; i < shape.handWritten; i++)
    files.push({ path: `istio/ext-${i}.yaml`, content: tlsOriginationYaml(i) });
  for (let i = 0; i < shape.authorizationPolicies; i++) {
    files.push({
      path: `authz/deny-${i}.yaml`,
      content: denyPolicyYaml(i, `egressgateway-${i % shape.gateways}`),
    });
  }
  return withBytes(files);
}

/** ServiceEntry, VirtualService and DestinationRule: plain HTTP on 80 leaves the sidecar as TLS on 443. */
function tlsOriginationYaml(i: number): string {
  const host = `ext-${i}.example.org`;
  const meta = `metadata:\n  name: ext-${i}\n  namespace: app-${i % 100}\n`;
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
${meta}spec:
  hosts:
  - ${host}
  location: MESH_EXTERNAL
  ports:
  - number: 80
    name: http
    protocol: HTTP
  - number: 443
    name: https
    protocol: HTTPS
  resolution: DNS
  exportTo:
  - .
---
apiVersion: networking.istio.io/v1
kind: VirtualService
${meta}spec:
  hosts:
  - ${host}
  exportTo:
  - .
  http:
  - match:
    - port: 80
    route:
    - destination:
        host: ${host}
        port:
          number: 443
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
${meta}spec:
  host: ${host}
  exportTo:
  - .
  trafficPolicy:
    portLevelSettings:
    - port:
        number: 443
      tls:
        mode: SIMPLE
        sni: ${host}
`;
}

/** A DENY policy on one egress gateway's pods, by source namespace or, every other one, principal. */
function denyPolicyYaml(i: number, gateway: string): string {
  const source =
    i % 2 === 0
      ? `namespaces:\n        - blocked-${i}`
      : `principals:\n        - cluster.local/ns/blocked-${i}/sa/default`;
  return `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-${i}
  namespace: istio-system
spec:
  action: DENY
  selector:
    matchLabels:
      istio: ${gateway}
  rules:
  - from:
    - source:
        ${source}
`;
}
