/**
 * AuthorizationPolicy evaluation at the egress gateway, the way Istio builds its RBAC filters:
 * CUSTOM first (the external authorizer decides), then DENY, then ALLOW (when ALLOW policies apply
 * and none matches, the request is denied). On a TCP filter chain the HTTP-only fields (hosts,
 * methods, paths, request principals, request.* conditions) cannot be checked: an ALLOW rule that uses
 * them is dropped, a DENY rule is kept without them and so denies more (pilot/pkg/security/authz).
 *
 * Conditions we cannot know (the client IP, JWTs, headers other than Host, the service account when
 * not given) evaluate to "unknown": they do not decide, and the simulation notes what they would change.
 */
import type { FieldPath } from '../model/field-path.js';
import {
  authzAction,
  authzInactiveReason,
  isHttpOnlyCondition,
  PerObjectMemo,
  stringList,
  type AuthzAction,
  type IstioIndex,
  type Workload,
  workloadPolicyIndexOf,
} from '../model/istio.js';
import { KIND } from '../model/kinds.js';
import { describe, get, isObject, type Resource } from '../model/resource.js';
import type { Trace } from './trace.js';

type Tri = 'yes' | 'no' | 'unknown';

const and = (xs: Tri[]): Tri =>
  xs.includes('no') ? 'no' : xs.includes('unknown') ? 'unknown' : 'yes';
const or = (xs: Tri[]): Tri =>
  xs.includes('yes') ? 'yes' : xs.includes('unknown') ? 'unknown' : 'no';
const not = (x: Tri): Tri => (x === 'yes' ? 'no' : x === 'no' ? 'yes' : 'unknown');

export interface PeerIdentity {
  trustDomain: string;
  namespace: string;
  /** Unknown when the user did not say. */
  serviceAccount?: string;
}

export interface AuthzRequest {
  /** The gateway pods. */
  workload: Workload;
  /** True on an HTTP filter chain (the gateway terminates TLS and parses HTTP). */
  http: boolean;
  /** The peer identity, present only when the connection is mTLS with a mesh certificate. */
  identity?: PeerIdentity;
  host: string;
  method: string;
  path: string;
  /** The port the gateway listens on (the Service's target port). */
  port: number;
  /** The SNI of the connection reaching the gateway. */
  sni?: string;
}

export interface AuthzDecision {
  allowed: boolean;
  /** The policy (and field) that denied, when one did. */
  policy?: Resource;
  path?: FieldPath;
  reason: string;
}

/** Istio string matching for policy values: exact, `prefix*`, `*suffix`, or `*` (any non-empty value). */
function valueMatches(pattern: string, value: string | undefined, ignoreCase = false): boolean {
  if (value === undefined) return false;
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  if (p === '*') return v !== '';
  if (p.startsWith('*')) return v.endsWith(p.slice(1));
  if (p.endsWith('*')) return v.startsWith(p.slice(0, -1));
  return p === v;
}

interface Field {
  name: string;
  values: string[];
  negated: boolean;
  evaluate: (value: string) => Tri;
  httpOnly: boolean;
}

/** The fields of a `to.operation`, `from.source` or `when` entry that the specs evaluate (and their `not` forms). */
function fieldsOf(
  where: 'operation' | 'source' | 'when',
  obj: unknown,
  specs: Record<string, { evaluate: (v: string) => Tri }>,
): Field[] {
  const out: Field[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const notName = `not${name[0]!.toUpperCase()}${name.slice(1)}`;
    for (const [key, negated] of [
      [name, false],
      [notName, true],
    ] as const) {
      const values = stringList(get(obj, [key]));
      if (values.length)
        out.push({
          name: key,
          values,
          negated,
          evaluate: spec.evaluate,
          httpOnly: isHttpOnlyCondition(where, where === 'when' ? String(get(obj, ['key'])) : key),
        });
    }
  }
  return out;
}

interface RuleResult {
  match: Tri;
  /** HTTP-only fields met on a TCP chain. */
  httpOnly: string[];
  unknown: string[];
}

/**
 * A principal pattern against the client's identity. Without the service account only the
 * `<trust domain>/ns/<namespace>/sa/` part is known, which still decides many patterns.
 */
function principalMatches(pattern: string, id: PeerIdentity): Tri {
  const known = `${id.trustDomain}/ns/${id.namespace}/sa/`;
  if (id.serviceAccount !== undefined)
    return valueMatches(pattern, known + id.serviceAccount) ? 'yes' : 'no';
  if (pattern === '*') return 'yes';
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    if (known.startsWith(prefix)) return 'yes';
    return prefix.startsWith(known) ? 'unknown' : 'no';
  }
  if (pattern.startsWith('*')) return 'unknown';
  return pattern.startsWith(known) ? 'unknown' : 'no';
}

function evaluateRule(rule: unknown, req: AuthzRequest): RuleResult {
  const httpOnly: string[] = [];
  const unknown: string[] = [];
  const id = req.identity;
  const principalTri = (p: string): Tri => {
    if (!id) return 'no';
    const m = principalMatches(p, id);
    if (m === 'unknown') unknown.push('the service account');
    return m;
  };
  const unknownTri = (what: string) => (): Tri => {
    unknown.push(what);
    return 'unknown';
  };
  const check = (fields: Field[]): Tri =>
    and(
      fields.map((f) => {
        if (f.httpOnly && !req.http) {
          httpOnly.push(f.name);
          return 'yes'; // dropped: the caller decides what a rule with HTTP-only fields means on TCP
        }
        const m = or(f.values.map(f.evaluate));
        return f.negated ? not(m) : m;
      }),
    );

  const sources = Array.isArray(get(rule, ['from'])) ? (get(rule, ['from']) as unknown[]) : [];
  const operations = Array.isArray(get(rule, ['to'])) ? (get(rule, ['to']) as unknown[]) : [];
  const conditions = Array.isArray(get(rule, ['when'])) ? (get(rule, ['when']) as unknown[]) : [];

  const from = sources.length
    ? or(
        sources.map((s) =>
          check(
            fieldsOf('source', get(s, ['source']), {
              principals: { evaluate: principalTri },
              namespaces: {
                evaluate: (ns) => (id ? (valueMatches(ns, id.namespace) ? 'yes' : 'no') : 'no'),
              },
              serviceAccounts: {
                // `namespace/name`, Istio's shorthand for the principal in the mesh's trust domain.
                evaluate: (sa) => {
                  const [ns, name] = sa.split('/');
                  return id ? principalTri(`${id.trustDomain}/ns/${ns}/sa/${name}`) : 'no';
                },
              },
              ipBlocks: { evaluate: unknownTri('the client IP') },
              remoteIpBlocks: { evaluate: unknownTri('the client IP') },
              requestPrincipals: { evaluate: unknownTri('request JWTs') },
            }),
          ),
        ),
      )
    : 'yes';
  const to = operations.length
    ? or(
        operations.map((o) =>
          check(
            fieldsOf('operation', get(o, ['operation']), {
              hosts: {
                evaluate: (h) => (valueMatches(h, req.host, true) ? 'yes' : 'no'),
              },
              methods: {
                evaluate: (m) => (valueMatches(m, req.method) ? 'yes' : 'no'),
              },
              paths: {
                evaluate: (p) => (valueMatches(p, req.path) ? 'yes' : 'no'),
              },
              ports: { evaluate: (p) => (p === String(req.port) ? 'yes' : 'no') },
            }),
          ),
        ),
      )
    : 'yes';
  const when = and(
    conditions.map((c) => {
      const key = String(get(c, ['key']) ?? '');
      return check(
        fieldsOf('when', c, { values: whenEvaluator(key, req, principalTri, unknownTri) }),
      );
    }),
  );
  return {
    match: and([from, to, when]),
    httpOnly: [...new Set(httpOnly)],
    unknown: [...new Set(unknown)],
  };
}

function whenEvaluator(
  key: string,
  req: AuthzRequest,
  principalTri: (p: string) => Tri,
  unknownTri: (what: string) => () => Tri,
): { evaluate: (v: string) => Tri } {
  const is =
    (value: string | undefined) =>
    (v: string): Tri =>
      valueMatches(v, value) ? 'yes' : 'no';
  switch (key) {
    case 'source.namespace':
      return { evaluate: is(req.identity?.namespace) };
    case 'source.principal':
      return { evaluate: principalTri };
    case 'destination.port':
      return { evaluate: is(String(req.port)) };
    case 'connection.sni':
      return { evaluate: is(req.sni) };
    case 'request.headers[host]':
    case 'request.headers[Host]':
    case 'request.headers[:authority]':
      return { evaluate: (v) => (valueMatches(v, req.host, true) ? 'yes' : 'no') };
    default:
      return { evaluate: unknownTri(`the condition ${key}`) };
  }
}

/** Evaluate the policies that apply to the gateway pods; records each deciding step on the trace. */
export function evaluateAuthz(index: IstioIndex, req: AuthzRequest, t: Trace): AuthzDecision {
  const policies = index.authorizationPoliciesFor(req.workload).filter((p) => {
    const inactive = authzInactiveReason(p, req.workload);
    if (inactive) t.note(`${describe(p)} ${inactive}: it does not act on this gateway`);
    return !inactive;
  });
  const chain = req.http ? 'HTTP' : 'TCP';
  const byAction = (action: AuthzAction): Resource[] =>
    policies.filter((p) => authzAction(p) === action);

  const rulesOf = (p: Resource): unknown[] => {
    const rules = get(p.body, ['spec', 'rules']);
    return Array.isArray(rules) ? rules : [];
  };
  // A matching rule of a policy, with the way HTTP-only fields count on a TCP chain for this action.
  const firstMatch = (p: Resource, action: string): { index: number } | undefined => {
    const rules = rulesOf(p);
    for (let i = 0; i < rules.length; i++) {
      const r = evaluateRule(rules[i], req);
      if (r.httpOnly.length && action === 'ALLOW') {
        t.note(
          `${describe(p)} rule ${i} uses ${r.httpOnly.join(', ')}, which a ${chain} connection does not carry: Istio ignores that ALLOW rule here`,
        );
        continue;
      }
      if (r.httpOnly.length) {
        t.note(
          `${describe(p)} rule ${i} uses ${r.httpOnly.join(', ')}, which a ${chain} connection does not carry: Istio keeps the ${action} rule without them, so it applies to everything else it names`,
        );
      }
      if (r.match === 'yes') return { index: i };
      if (r.match === 'unknown') {
        t.note(
          `${describe(p)} rule ${i} would match depending on ${r.unknown.join(', ')}, which egress-lint cannot know${r.unknown.includes('the service account') ? ' (pass --service-account)' : ''}`,
        );
      }
    }
    return undefined;
  };
  const ruleLine = (i: number): FieldPath => ['spec', 'rules', i];

  for (const p of byAction('CUSTOM')) {
    const m = firstMatch(p, 'CUSTOM');
    if (m) {
      const provider = get(p.body, ['spec', 'provider', 'name']);
      t.decide(
        'egress-gateway',
        `CUSTOM ${describe(p)} sends the request to the external authorizer${typeof provider === 'string' ? ` ${provider}` : ''}`,
        p,
        ruleLine(m.index),
      );
      t.note(
        `the external authorizer of ${describe(p)} decides; egress-lint cannot know its answer`,
      );
    }
  }
  for (const p of byAction('DENY')) {
    const m = firstMatch(p, 'DENY');
    if (m) {
      t.decide(
        'egress-gateway',
        `DENY ${describe(p)} rule ${m.index} matches`,
        p,
        ruleLine(m.index),
      );
      return {
        allowed: false,
        policy: p,
        path: ruleLine(m.index),
        reason: `denied by DENY ${describe(p)}`,
      };
    }
  }
  const allows = byAction('ALLOW');
  if (allows.length === 0) {
    if (policies.length)
      t.decide(
        'egress-gateway',
        `no DENY AuthorizationPolicy matches (${policies.map(describe).join(', ')})`,
      );
    return { allowed: true, reason: 'no AuthorizationPolicy denies it' };
  }
  for (const p of allows) {
    const m = firstMatch(p, 'ALLOW');
    if (m) {
      t.decide(
        'egress-gateway',
        `ALLOW ${describe(p)} rule ${m.index} matches`,
        p,
        ruleLine(m.index),
      );
      return { allowed: true, reason: `allowed by ${describe(p)}` };
    }
  }
  const first = allows[0]!;
  t.decide(
    'egress-gateway',
    `ALLOW policies apply to the gateway and none matches: ${allows.map(describe).join(', ')}`,
    first,
    ['spec'],
  );
  return {
    allowed: false,
    policy: first,
    path: ['spec'],
    reason: `no rule of the ALLOW AuthorizationPolic${allows.length > 1 ? 'ies' : 'y'} ${allows.map((p) => `${p.namespace}/${p.name}`).join(', ')} matches`,
  };
}

/**
 * The gateway-scoped policies whose selector names `selectorKey` with another value than these pods
 * carry, for explaining why they do not apply. Remembered per index, namespace and value: every
 * request through a gateway asks, and with a policy per gateway a scan per request grew with
 * requests times gateways.
 */
export function policiesMissing(
  index: IstioIndex,
  workload: Workload,
  selectorKey: string,
): readonly Resource[] {
  const value = workload.labels[selectorKey];
  // A missing label and an empty one select differently: only the value's own text marks it present.
  const key = `${workload.namespace}\n${selectorKey}\n${value === undefined ? '-' : `=${value}`}`;
  return missingByIndex.get(index, key, () => {
    const policies = workloadPolicyIndexOf(
      index.ofKind(KIND.authorizationPolicy),
      index.rootNamespace,
    );
    return policies.selectingKey(workload, selectorKey).filter((p) => {
      const sel = get(p.body, ['spec', 'selector', 'matchLabels']);
      return isObject(sel) && typeof sel[selectorKey] === 'string' && sel[selectorKey] !== value;
    });
  });
}

const missingByIndex = new PerObjectMemo<IstioIndex, string, readonly Resource[]>();
