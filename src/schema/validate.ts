/**
 * Schema stage: every resource of a kind we know is checked against its schema. Findings carry the
 * `schema` rule id and point at the offending field. Kinds we do not know pass through untouched.
 */
import istioFieldNames from './istio-field-names.json' with { type: 'json' };
import { formatPath } from '../model/field-path.js';
import type { Finding } from '../model/finding.js';
import { ASM_GROUP, GATEWAY_API_GROUP, KIND, NETWORKING_GROUP } from '../model/kinds.js';
import { get, isObject, type Resource } from '../model/resource.js';
import { RESOURCE_SCHEMAS, validatorsOf } from './compiled.js';
import { badPorts, isKnownField, ISTIO_KINDS, unknownFields } from './istio.js';
import { closestNames, findingAt, schemaFindings, type SchemaError } from './messages.js';
import { serviceEntryFindings } from './service-entry.js';

/** Each validator looked up on first use (compiled by the build, or then: see compiled.ts). */
const validator = validatorsOf(RESOURCE_SCHEMAS);
const check =
  (name: string): ((d: unknown) => SchemaError[]) =>
  (d) => {
    const fn = validator(name);
    return fn(d) ? [] : [...(fn.errors ?? [])];
  };

/** Our own kinds: apiVersion/kind -> validator. */
const ASM_KINDS = new Map<string, (d: unknown) => SchemaError[]>([
  [`${ASM_GROUP}/v1/${KIND.egressPolicy}`, check('policyV1')],
  [`${ASM_GROUP}/v1beta1/${KIND.egressPolicy}`, check('policyV1beta1')],
  [`${ASM_GROUP}/v1beta1/${KIND.istioGateway}`, check('istioGatewayV1beta1')],
]);

/**
 * Gateway API kinds (any version) -> the fields egress-lint reads, typed as the CRDs type them;
 * other fields are not ours to judge (no unknown-field findings).
 */
const GATEWAY_API_KINDS = new Map<string, (d: unknown) => SchemaError[]>([
  ['Gateway', check('gatewayApiGateway')],
  ['HTTPRoute', check('gatewayApiRoute')],
  ['TLSRoute', check('gatewayApiRoute')],
  ['TCPRoute', check('gatewayApiRoute')],
  ['GRPCRoute', check('gatewayApiGrpcRoute')],
  ['ReferenceGrant', check('gatewayApiReferenceGrant')],
]);

// A Map: the key is a document's `kind`, which may be `constructor` or `__proto__`.
const SUPPORTED_VERSIONS = new Map<string, string[]>([
  [KIND.egressPolicy, ['v1', 'v1beta1']],
  [KIND.istioGateway, ['v1beta1']],
]);

/** Schema findings for one resource, in document order. */
export function validateResource(r: Resource): Finding[] {
  return checkResource(r).sort((a, b) => a.line - b.line || a.column - b.column);
}

function checkResource(r: Resource): Finding[] {
  const key = `${r.apiVersion}/${r.kind}`;
  const asm = ASM_KINDS.get(key);
  if (asm) {
    // Hosts the policy schema admits but Istio refuses are the render stage's (istio-rejects.ts).
    return schemaFindings(r, asm(r.body));
  }
  const gatewayApiCheck = r.group === GATEWAY_API_GROUP ? GATEWAY_API_KINDS.get(r.kind) : undefined;
  if (gatewayApiCheck) return schemaFindings(r, gatewayApiCheck(r.body));
  const versions = r.group === ASM_GROUP ? SUPPORTED_VERSIONS.get(r.kind) : undefined;
  if (versions) {
    return [
      findingAt(
        r,
        ['apiVersion'],
        `${r.kind} ${r.apiVersion} is not a version egress-lint knows; use ${versions.map((v) => `${ASM_GROUP}/${v}`).join(' or ')}`,
      ),
    ];
  }
  const istio = ISTIO_KINDS.get(key);
  if (!istio) return [];
  const findings = schemaFindings(r, istio.validate(r.body));
  if (istio.checkUnknownFields) {
    for (const path of unknownFields(istio.validate, r.body)) {
      const key = String(path[path.length - 1]);
      const parent = path.slice(0, -1);
      const hint = suggestIstioField(istio.validate, r.body, parent, key);
      findings.push(
        findingAt(
          r,
          path,
          `unknown field ${formatPath(path)}${hint ? ` (did you mean ${hint}?)` : ''}; the API server drops it, so it has no effect`,
        ),
      );
    }
  }
  for (const { path, value } of badPorts(r.body)) {
    findings.push(
      findingAt(
        r,
        path,
        `${formatPath(path)} must be a port number from 1 to 65535 (got ${value})`,
      ),
    );
  }
  findings.push(
    ...subsetNameFindings(r),
    ...emptyGatewayFindings(r),
    ...meshWildcardHostFindings(r),
    ...serviceEntryFindings(r),
    ...egressProxyFindings(r),
  );
  return findings;
}

/**
 * Istio's webhook rejects a Gateway without servers ("gateway must have at least one server",
 * pkg/config/validation/validation.go ValidateGateway), so the VirtualServices bound to it bind nowhere.
 */
function emptyGatewayFindings(r: Resource): Finding[] {
  if (r.kind !== KIND.gateway || r.group !== NETWORKING_GROUP) return [];
  const servers = get(r.body, ['spec', 'servers']);
  if (Array.isArray(servers) && servers.length > 0) return [];
  return [
    findingAt(
      r,
      servers === undefined ? ['spec'] : ['spec', 'servers'],
      'Gateway has no servers; Istio rejects it ("gateway must have at least one server"), so no VirtualService binds to it: add a server (port, protocol, hosts) or delete the Gateway',
    ),
  ];
}

/**
 * Istio's webhook rejects a VirtualService for sidecars (`gateways` empty or listing `mesh`) with host
 * `*` ("wildcard host * is not allowed for virtual services bound to the mesh gateway",
 * pkg/config/validation/validation.go validateVirtualService). So no sidecar ever gets a tls match
 * with sniHost `*`, which must be within the hosts (validateSniHost).
 */
function meshWildcardHostFindings(r: Resource): Finding[] {
  if (r.kind !== KIND.virtualService || r.group !== NETWORKING_GROUP) return [];
  const gateways = get(r.body, ['spec', 'gateways']);
  const forMesh = !Array.isArray(gateways) || gateways.length === 0 || gateways.includes('mesh');
  const hosts = get(r.body, ['spec', 'hosts']);
  if (!forMesh || !Array.isArray(hosts)) return [];
  return hosts.flatMap((h, i) =>
    h === '*'
      ? [
          findingAt(
            r,
            ['spec', 'hosts', i],
            'host * is not allowed for a VirtualService bound to the mesh (sidecars); Istio rejects it ("wildcard host * is not allowed for virtual services bound to the mesh gateway"): name the hosts, or bind it only to gateways',
          ),
        ]
      : [],
  );
}

/**
 * Istio's webhook rejects a Sidecar whose egressProxy comes without mode ALLOW_ANY ("egress_proxy
 * must be set only with ALLOW_ANY outbound_traffic_policy mode") or without a port
 * (pkg/config/validation/validation.go validateSidecarOutboundTrafficPolicy).
 */
function egressProxyFindings(r: Resource): Finding[] {
  if (r.kind !== KIND.sidecar || r.group !== NETWORKING_GROUP) return [];
  const policy = get(r.body, ['spec', 'outboundTrafficPolicy']);
  if (!isObject(policy) || !isObject(policy.egressProxy)) return [];
  const path = ['spec', 'outboundTrafficPolicy', 'egressProxy'];
  if (policy.mode !== 'ALLOW_ANY')
    return [
      findingAt(
        r,
        path,
        `egressProxy needs outboundTrafficPolicy.mode ALLOW_ANY (here ${typeof policy.mode === 'string' ? policy.mode : 'REGISTRY_ONLY, the default'}); Istio rejects this Sidecar ("egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode")`,
      ),
    ];
  if (get(policy.egressProxy, ['port', 'number']) === undefined)
    return [
      findingAt(
        r,
        path,
        'egressProxy needs a port (port.number); Istio rejects this Sidecar ("egress_proxy port must be non-nil")',
      ),
    ];
  return [];
}

/** Istio's webhook rejects DestinationRules whose subset names are not DNS-1123 labels. */
function subsetNameFindings(r: Resource): Finding[] {
  if (r.kind !== KIND.destinationRule) return [];
  const spec = r.body.spec;
  if (!isObject(spec) || !Array.isArray(spec.subsets)) return [];
  const out: Finding[] = [];
  spec.subsets.forEach((s, i) => {
    if (!isObject(s) || typeof s.name !== 'string') return;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s.name) || s.name.length > 63) {
      out.push(
        findingAt(
          r,
          ['spec', 'subsets', i, 'name'],
          `subset name "${s.name}" is not a DNS-1123 label (lower case letters, digits and "-"); Istio rejects this DestinationRule`,
        ),
      );
    }
  });
  return out;
}

/**
 * "Did you mean": the camelCase spelling (protobuf JSON accepts snake_case, the API server does not),
 * then Istio field names a small edit away; each candidate is confirmed against the schema at that place.
 */
function suggestIstioField(
  validate: (d: unknown) => SchemaError[],
  body: Record<string, unknown>,
  parent: readonly (string | number)[],
  key: string,
): string | undefined {
  const camel = key.replace(/[_-]([a-z])/g, (_, c: string) => c.toUpperCase());
  const candidates = camel !== key ? [camel] : [];
  const rest = istioFieldNames.filter((n) => n !== key && n !== camel);
  candidates.push(...closestNames(key, rest, 3));
  return candidates.find((c) => isKnownField(validate, body, parent, c));
}
