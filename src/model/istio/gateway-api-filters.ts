/**
 * HTTPRoute and GRPCRoute rule filters as Istio converts them into the action of an HTTP route
 * (pilot/pkg/config/kube/gateway/conversion.go convertHTTPRoute, convertGRPCRoute,
 * createRedirectFilter, createRewriteFilter, createMirrorFilter). Header modifiers change no route
 * decision and are left out; a filter not listed here is why the rule is not modelled.
 */
import type { FieldPath } from '../field-path.js';
import { get, isObject, type JsonObject } from '../resource.js';

/** The host a backendRef names, or `!why` when it is not modelled (gateway-api.ts backendHost). */
export type BackendResolver = (ref: JsonObject) => string;

const HEADER_FILTERS = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier']);

/** The filters each route kind has (GRPCRoute has no redirect or rewrite), by the field they fill. */
const FILTERS = new Map<string, ReadonlyMap<string, string>>([
  [
    'HTTPRoute',
    new Map([
      ['RequestRedirect', 'requestRedirect'],
      ['URLRewrite', 'urlRewrite'],
      ['RequestMirror', 'requestMirror'],
    ]),
  ],
  ['GRPCRoute', new Map([['RequestMirror', 'requestMirror']])],
]);

/** A converted action, and which filter (by index) each of its fields comes from. */
export interface RuleAction {
  action: JsonObject;
  filters: [FieldPath, number][];
}

/**
 * The action of a converted HTTP route: a redirect (which Envoy applies before any route), else the
 * backends, else a direct 500 (no backend of weight > 0); with the rule's rewrite and mirrors.
 */
export function ruleAction(
  kind: string,
  rule: JsonObject,
  path: FieldPath,
  backends: readonly JsonObject[],
  resolve: BackendResolver,
): RuleAction | { why: string; path: FieldPath } {
  const out: JsonObject = {};
  const mirrors: JsonObject[] = [];
  const links: [FieldPath, number][] = [];
  const filters = Array.isArray(rule.filters) ? rule.filters : [];
  for (let k = 0; k < filters.length; k++) {
    const at: FieldPath = [...path, 'filters', k];
    const type = String(get(filters[k], ['type']));
    if (HEADER_FILTERS.has(type)) continue;
    const field = FILTERS.get(kind)?.get(type);
    if (field === undefined) return { why: `filter ${type} is not modelled`, path: at };
    const f = get(filters[k], [field]);
    if (type === 'RequestRedirect') {
      out.redirect = redirect(isObject(f) ? f : {});
      links.push([['redirect'], k]);
    }
    if (type === 'URLRewrite' && Object.assign(out, rewrite(isObject(f) ? f : {})).rewrite)
      links.push([['rewrite'], k]);
    if (type === 'RequestMirror') {
      const mirror = isObject(f) ? mirrorPolicy(f, resolve) : '!it names no backend';
      if (typeof mirror === 'string')
        return { why: `the mirror's backendRef: ${mirror.slice(1)}`, path: at };
      links.push([['mirrors', mirrors.length], k]);
      mirrors.push(mirror);
    }
  }
  if (mirrors.length > 0) out.mirrors = mirrors;
  if (out.redirect) return { action: out, filters: links };
  const action =
    backends.length > 0 ? { route: [...backends] } : { directResponse: { status: 500 } };
  return { action: { ...out, ...action }, filters: links };
}

/** createRedirectFilter: Istio's HTTPRedirect; the port, when not given, derived as Gateway API says. */
function redirect(f: JsonObject): JsonObject {
  const out: JsonObject = {};
  if (typeof f.statusCode === 'number') out.redirectCode = f.statusCode;
  if (typeof f.hostname === 'string') out.authority = f.hostname;
  if (typeof f.scheme === 'string') out.scheme = f.scheme;
  if (typeof f.port === 'number') out.port = f.port;
  else out.derivePort = f.scheme !== undefined ? 'FROM_PROTOCOL_DEFAULT' : 'FROM_REQUEST_PORT';
  const type = get(f, ['path', 'type']);
  if (type === 'ReplaceFullPath') out.uri = get(f, ['path', 'replaceFullPath']);
  if (type === 'ReplacePrefixMatch') out.prefixRewrite = get(f, ['path', 'replacePrefixMatch']);
  return out;
}

/** createRewriteFilter: `rewrite` with uri (a prefix; `/` removes it), a full-path regex, authority. */
function rewrite(f: JsonObject): JsonObject {
  const out: JsonObject = {};
  const type = get(f, ['path', 'type']);
  const prefix = get(f, ['path', 'replacePrefixMatch']);
  if (type === 'ReplacePrefixMatch' && typeof prefix === 'string')
    out.uri = prefix.replace(/\/$/, '') || '/';
  const full = get(f, ['path', 'replaceFullPath']);
  if (type === 'ReplaceFullPath' && typeof full === 'string')
    out.uriRegexRewrite = { match: '/.*', rewrite: full };
  if (typeof f.hostname === 'string') out.authority = f.hostname;
  return Object.keys(out).length > 0 ? { rewrite: out } : {};
}

/** createMirrorFilter: the backend as a destination, with the share from `fraction` or `percent`. */
function mirrorPolicy(f: JsonObject, resolve: BackendResolver): JsonObject | string {
  const ref = f.backendRef;
  if (!isObject(ref)) return '!it names no backend';
  const host = resolve(ref);
  if (host.startsWith('!')) return host;
  const out: JsonObject = { destination: { host, port: { number: ref.port } } };
  const fraction = f.fraction;
  if (isObject(fraction) && typeof fraction.numerator === 'number') {
    const denominator = typeof fraction.denominator === 'number' ? fraction.denominator : 100;
    out.percentage = { value: (100 * fraction.numerator) / denominator };
  } else if (typeof f.percent === 'number') out.percentage = { value: f.percent };
  return out;
}
