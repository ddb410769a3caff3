/**
 * AuthorizationPolicy readings for egress gateways: actions, rules, the conditions Istio can only
 * check on HTTP or with mTLS.
 */
import type { FieldPath } from '../field-path.js';
import { get, isObject, type JsonObject, type Resource } from '../resource.js';
import { GATEWAY_API_GROUP } from '../kinds.js';
import { GATEWAY_NAME_LABEL } from './gateway-api.js';
import type { GatewayWorkload } from './gateways.js';
import { stringList } from './hosts.js';
import type { IstioIndex } from './index.js';
import { workloadSelectorOf, workloadsFitting } from './workloads.js';

export type AuthzAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

export function authzAction(policy: Resource): AuthzAction {
  const action = get(policy.body, ['spec', 'action']);
  return action === 'DENY' || action === 'AUDIT' || action === 'CUSTOM' ? action : 'ALLOW';
}

/**
 * Why a policy that a gateway's pods fall under (by namespace and selector) still does not act on
 * their traffic, if it does not:
 * - `targetRef`/`targetRefs`: Istio ignores the policy altogether on a workload without the
 *   `gateway.networking.k8s.io/gateway-name` label (a classic gateway), and on a Gateway API
 *   gateway's pods attaches it only when it lives in their namespace and a ref names their Gateway
 *   (pilot/pkg/model/policyattachment.go `ShouldAttachPolicy`);
 * - the annotation `istio.io/dry-run` set true: its rules are built as shadow rules, which only log
 *   and count (pilot/pkg/security/authz/builder/builder.go `isDryRun`, strconv.ParseBool).
 */
export function authzInactiveReason(
  policy: Resource,
  workload: Pick<GatewayWorkload, 'namespace' | 'labels'>,
): string | undefined {
  const refs = targetRefsOf(policy);
  if (refs.length > 0) {
    const gatewayName = workload.labels[GATEWAY_NAME_LABEL];
    if (gatewayName === undefined)
      return 'uses targetRef(s): Istio attaches it only to Kubernetes Gateway API gateways and waypoints, never to a gateway selected by its pods';
    if (!refs.some((ref) => namesGateway(ref, policy, workload.namespace, gatewayName)))
      return `uses targetRef(s) naming no Gateway ${workload.namespace}/${gatewayName}: Istio attaches it only to the Gateway API gateways it names in its own namespace`;
  }
  const dryRun = get(policy.body, ['metadata', 'annotations', 'istio.io/dry-run']);
  if (typeof dryRun === 'string' && PARSE_BOOL_TRUE.has(dryRun))
    return 'is annotated istio.io/dry-run: its rules are shadow rules, which only log, allowing and denying nothing';
  return undefined;
}

/** `targetRefs`, or the older single `targetRef` when there are none (policyattachment.go GetTargetRefs). */
function targetRefsOf(policy: Resource): JsonObject[] {
  const refs = get(policy.body, ['spec', 'targetRefs']);
  if (Array.isArray(refs) && refs.length > 0) return refs.filter(isObject);
  const ref = get(policy.body, ['spec', 'targetRef']);
  return isObject(ref) ? [ref] : [];
}

/** A ref attaching `policy` to the Gateway API Gateway `gatewayName` whose pods run in `namespace`. */
function namesGateway(
  ref: JsonObject,
  policy: Resource,
  namespace: string,
  gatewayName: string,
): boolean {
  const refNamespace = ref['namespace'];
  return (
    policy.namespace === namespace &&
    (refNamespace === undefined || refNamespace === '' || refNamespace === namespace) &&
    ref['group'] === GATEWAY_API_GROUP &&
    ref['kind'] === 'Gateway' &&
    ref['name'] === gatewayName
  );
}

/** What Go's strconv.ParseBool reads as true. */
const PARSE_BOOL_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

export interface AuthzRuleRef {
  policy: Resource;
  index: number;
  path: FieldPath;
  rule: JsonObject;
}

export function authzRules(policy: Resource): AuthzRuleRef[] {
  const rules = get(policy.body, ['spec', 'rules']);
  if (!Array.isArray(rules)) return [];
  return rules.flatMap((rule, index) =>
    isObject(rule) ? [{ policy, index, path: ['spec', 'rules', index] as FieldPath, rule }] : [],
  );
}

export interface AuthzCondition {
  /** The field as users write it: `hosts`, `methods`, `principals`, `request.headers[x-id]`... */
  field: string;
  path: FieldPath;
  /** Index of the `to` entry it belongs to; undefined for `from` and `when` conditions, which hold for every `to`. */
  toIndex?: number;
}

const HTTP_ONLY_OPERATION = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];

const HTTP_ONLY_SOURCE = ['requestPrincipals', 'notRequestPrincipals'];

const HTTP_ONLY_WHEN = /^request\.(headers\[|auth\.)/;

const IDENTITY_SOURCE = [
  'principals',
  'notPrincipals',
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
];

const IDENTITY_WHEN = /^source\.(principal|namespace|serviceAccount)$/;

/**
 * Whether Istio can evaluate a condition (a field of a rule's `to.operation` or `from.source`, or a
 * `when` key) only on HTTP: hosts, methods, paths, request principals, `request.*` keys.
 */
export function isHttpOnlyCondition(
  where: 'operation' | 'source' | 'when',
  field: string,
): boolean {
  if (where === 'operation') return HTTP_ONLY_OPERATION.includes(field);
  if (where === 'source') return HTTP_ONLY_SOURCE.includes(field);
  return HTTP_ONLY_WHEN.test(field);
}

function conditions(
  ref: AuthzRuleRef,
  operation: string[],
  source: string[],
  when: RegExp,
): AuthzCondition[] {
  const out: AuthzCondition[] = [];
  const present = (v: unknown): boolean => Array.isArray(v) && v.length > 0;
  const to = Array.isArray(ref.rule.to) ? ref.rule.to : [];
  to.forEach((t, i) => {
    for (const field of operation)
      if (present(get(t, ['operation', field])))
        out.push({ field, path: [...ref.path, 'to', i, 'operation', field], toIndex: i });
  });
  const from = Array.isArray(ref.rule.from) ? ref.rule.from : [];
  from.forEach((f, i) => {
    for (const field of source)
      if (present(get(f, ['source', field])))
        out.push({ field, path: [...ref.path, 'from', i, 'source', field] });
  });
  const whens = Array.isArray(ref.rule.when) ? ref.rule.when : [];
  whens.forEach((w, i) => {
    const key = get(w, ['key']);
    if (typeof key === 'string' && when.test(key))
      out.push({ field: key, path: [...ref.path, 'when', i, 'key'] });
  });
  return out;
}

/**
 * Conditions Istio can evaluate on HTTP only: on a TCP filter chain an ALLOW rule using them is skipped
 * (it allows nothing), and a DENY or AUDIT rule is built without them, so it matches more
 * (pilot/pkg/security/authz/model: generator.go returns an error for TCP, model.go checkError).
 */
export function httpOnlyConditions(ref: AuthzRuleRef): AuthzCondition[] {
  return conditions(ref, HTTP_ONLY_OPERATION, HTTP_ONLY_SOURCE, HTTP_ONLY_WHEN);
}

/** Conditions on the source's mesh identity, which Envoy reads from the client's mTLS certificate. */
export function identityConditions(ref: AuthzRuleRef): AuthzCondition[] {
  return conditions(ref, [], IDENTITY_SOURCE, IDENTITY_WHEN);
}

/**
 * Whether a condition of the rule can take part on this destination port: a `to` entry applies to
 * the ports its operation lists (all when it lists none); `from` and `when` conditions go with every
 * `to` entry (all ports when the rule has none).
 */
export function conditionAppliesToPort(
  ref: AuthzRuleRef,
  condition: AuthzCondition,
  port: number,
): boolean {
  const to = Array.isArray(ref.rule.to) ? ref.rule.to : [];
  const entries = condition.toIndex !== undefined ? [to[condition.toIndex]] : to;
  if (entries.length === 0) return true;
  return entries.some((t) => {
    const ports = stringList(get(t, ['operation', 'ports']));
    const notPorts = stringList(get(t, ['operation', 'notPorts']));
    return (ports.length === 0 || ports.includes(String(port))) && !notPorts.includes(String(port));
  });
}

/**
 * The egress gateways an AuthorizationPolicy applies to: it lives in their pods' namespace or in the
 * root namespace, and its selector picks their pods (or it has none). Whether it then acts on their
 * traffic is authzInactiveReason's answer.
 */
export function authzGatewayTargets(index: IstioIndex, policy: Resource): GatewayWorkload[] {
  const selector = workloadSelectorOf(policy);
  const workloads = index.gatewayWorkloads();
  // The workloads a selector fits share a label pair with it: looked up, not scanned per policy.
  const selected =
    !selector || Object.keys(selector).length === 0
      ? workloads
      : workloadsFitting(workloads, selector);
  return selected.filter(
    (w) => policy.namespace === index.rootNamespace || policy.namespace === w.namespace,
  );
}

/** The egress gateways whose traffic the policy acts on: its targets where it is not inactive. */
export function authzEnforcedOn(index: IstioIndex, policy: Resource): GatewayWorkload[] {
  return authzGatewayTargets(index, policy).filter((w) => !authzInactiveReason(policy, w));
}
