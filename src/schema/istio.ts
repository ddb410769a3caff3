/**
 * Istio's own schemas (Istio 1.29, via @kubernetes-models/istio), plus what those generated schemas
 * leave to the API server and Istio's webhook: unknown fields (the API server prunes them silently,
 * e.g. `sni_hosts`), port ranges, subset names.
 */
import { DestinationRule as DestinationRuleV1 } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { Gateway as GatewayV1 } from '@kubernetes-models/istio/networking.istio.io/v1/Gateway';
import { ServiceEntry as ServiceEntryV1 } from '@kubernetes-models/istio/networking.istio.io/v1/ServiceEntry';
import { Sidecar as SidecarV1 } from '@kubernetes-models/istio/networking.istio.io/v1/Sidecar';
import { VirtualService as VirtualServiceV1 } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { DestinationRule as DestinationRuleV1alpha3 } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/DestinationRule';
import { Gateway as GatewayV1alpha3 } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/Gateway';
import { ServiceEntry as ServiceEntryV1alpha3 } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/ServiceEntry';
import { Sidecar as SidecarV1alpha3 } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/Sidecar';
import { VirtualService as VirtualServiceV1alpha3 } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/VirtualService';
import { DestinationRule as DestinationRuleV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import { Gateway as GatewayV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/Gateway';
import { ServiceEntry as ServiceEntryV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/ServiceEntry';
import { Sidecar as SidecarV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/Sidecar';
import { VirtualService as VirtualServiceV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { AuthorizationPolicy as AuthorizationPolicyV1 } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { PeerAuthentication as PeerAuthenticationV1 } from '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication';
import { AuthorizationPolicy as AuthorizationPolicyV1beta1 } from '@kubernetes-models/istio/security.istio.io/v1beta1/AuthorizationPolicy';
import { PeerAuthentication as PeerAuthenticationV1beta1 } from '@kubernetes-models/istio/security.istio.io/v1beta1/PeerAuthentication';
import { IstioOperator } from '@kubernetes-models/istio/install.istio.io/v1alpha1/IstioOperator';
import { LRUCache } from 'lru-cache';
import type { FieldPath } from '../model/field-path.js';
import { isObject } from '../model/resource.js';
import type { SchemaError } from './messages.js';

type ValidateFn = (data: unknown) => SchemaError[];

interface ModelClass {
  prototype: { validate(): void };
}

function fromModel(cls: ModelClass): ValidateFn {
  return (data) => {
    try {
      cls.prototype.validate.call(data);
      return [];
    } catch (e) {
      const errors = (e as { errors?: SchemaError[] }).errors;
      if (!errors) throw e;
      return errors;
    }
  };
}

export interface IstioKind {
  validate: ValidateFn;
  /** Whether to report fields the schema does not know (false where the schema holds free-form parts). */
  checkUnknownFields: boolean;
}

const strict = (cls: ModelClass): IstioKind => ({
  validate: fromModel(cls),
  checkUnknownFields: true,
});

/** Keyed by apiVersion + '/' + kind. */
export const ISTIO_KINDS: ReadonlyMap<string, IstioKind> = new Map([
  ['networking.istio.io/v1/ServiceEntry', strict(ServiceEntryV1)],
  ['networking.istio.io/v1beta1/ServiceEntry', strict(ServiceEntryV1beta1)],
  ['networking.istio.io/v1alpha3/ServiceEntry', strict(ServiceEntryV1alpha3)],
  ['networking.istio.io/v1/VirtualService', strict(VirtualServiceV1)],
  ['networking.istio.io/v1beta1/VirtualService', strict(VirtualServiceV1beta1)],
  ['networking.istio.io/v1alpha3/VirtualService', strict(VirtualServiceV1alpha3)],
  ['networking.istio.io/v1/DestinationRule', strict(DestinationRuleV1)],
  ['networking.istio.io/v1beta1/DestinationRule', strict(DestinationRuleV1beta1)],
  ['networking.istio.io/v1alpha3/DestinationRule', strict(DestinationRuleV1alpha3)],
  ['networking.istio.io/v1/Gateway', strict(GatewayV1)],
  ['networking.istio.io/v1beta1/Gateway', strict(GatewayV1beta1)],
  ['networking.istio.io/v1alpha3/Gateway', strict(GatewayV1alpha3)],
  ['networking.istio.io/v1/Sidecar', strict(SidecarV1)],
  ['networking.istio.io/v1beta1/Sidecar', strict(SidecarV1beta1)],
  ['networking.istio.io/v1alpha3/Sidecar', strict(SidecarV1alpha3)],
  ['security.istio.io/v1/AuthorizationPolicy', strict(AuthorizationPolicyV1)],
  ['security.istio.io/v1beta1/AuthorizationPolicy', strict(AuthorizationPolicyV1beta1)],
  ['security.istio.io/v1/PeerAuthentication', strict(PeerAuthenticationV1)],
  ['security.istio.io/v1beta1/PeerAuthentication', strict(PeerAuthenticationV1beta1)],
  // IstioOperator carries free-form `values`; only its typed parts are checked.
  [
    'install.istio.io/v1alpha1/IstioOperator',
    { validate: fromModel(IstioOperator), checkUnknownFields: false },
  ],
]);

/** Parts of every object that the API server owns and whose schema is open. */
const SKIP_UNKNOWN = new Set(['status', 'metadata']);

/**
 * Fields the schema does not describe. The generated validators are compiled code, so we ask them:
 * a function is not a valid value for any JSON-Schema type, so a known field given one fails with an
 * error at its own path, while an unknown field passes. One validator run answers for every key of one
 * object node; answers are remembered (knownField).
 */
export function unknownFields(validate: ValidateFn, body: Record<string, unknown>): FieldPath[] {
  const found: FieldPath[] = [];
  const visit = (path: FieldPath, node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit([...path, i], item));
      return;
    }
    if (!isObject(node)) return;
    const keys = Object.keys(node).filter(
      (k) => !(path.length === 0 && (SKIP_UNKNOWN.has(k) || k === 'apiVersion' || k === 'kind')),
    );
    const known = knownFields(validate, body, path, keys);
    for (const k of keys) {
      if (known.has(k)) visit([...path, k], node[k]);
      else found.push([...path, k]);
    }
  };
  visit([], body);
  return found;
}

/** Whether `key` would be a known field next to `path` (used for "did you mean"). */
export function isKnownField(
  validate: ValidateFn,
  body: Record<string, unknown>,
  path: FieldPath,
  key: string,
): boolean {
  return isObject(getAt(body, path)) && knownFields(validate, body, path, [key]).has(key);
}

/**
 * Istio's schemas come from its CRDs, which Kubernetes requires to be structural: the fields an
 * object may have are set by where it is (its path, whatever the array indices), never by the values
 * around it. So each answer holds for every resource of the kind, and is remembered.
 */
const answers = new WeakMap<ValidateFn, LRUCache<string, boolean>>();
const PROBE = (): void => undefined;

/** Which of `keys` the schema knows on the object at `path` of `body`. */
function knownFields(
  validate: ValidateFn,
  body: Record<string, unknown>,
  path: FieldPath,
  keys: readonly string[],
): Set<string> {
  let memo = answers.get(validate);
  if (!memo) answers.set(validate, (memo = new LRUCache({ max: 20_000 })));
  const where = JSON.stringify(path.map((s) => (typeof s === 'number' ? 0 : s)));
  const known = new Set<string>();
  const unanswered: string[] = [];
  for (const k of keys) {
    const answer = memo.get(`${where}\0${k}`);
    if (answer === undefined) unanswered.push(k);
    else if (answer) known.add(k);
  }
  if (unanswered.length === 0) return known;
  const probed: Record<string, unknown> = { ...(getAt(body, path) as Record<string, unknown>) };
  for (const k of unanswered) probed[k] = PROBE;
  const base = toPointer(path);
  const failed = new Set<string>();
  for (const e of validate(setAt(body, path, probed))) {
    if (!e.instancePath.startsWith(`${base}/`)) continue;
    const rest = e.instancePath.slice(base.length + 1);
    failed.add(rest.split('/')[0]!.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  for (const k of unanswered) {
    memo.set(`${where}\0${k}`, failed.has(k));
    if (failed.has(k)) known.add(k);
  }
  return known;
}

function toPointer(path: FieldPath): string {
  return path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function getAt(root: unknown, path: FieldPath): unknown {
  let v = root;
  for (const seg of path) v = (v as Record<string | number, unknown> | undefined)?.[seg];
  return v;
}

/** A copy of `root` with the value at `path` replaced; only the spine is copied. */
function setAt(root: unknown, path: FieldPath, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = root.slice();
    copy[head as number] = setAt(root[head as number], rest, value);
    return copy;
  }
  const obj = root as Record<string, unknown>;
  return { ...obj, [head as string]: setAt(obj[head as string], rest, value) };
}

/** Port numbers the generated schemas accept but Istio rejects (its CEL rules are not in them). */
export function badPorts(body: unknown): { path: FieldPath; value: number }[] {
  const out: { path: FieldPath; value: number }[] = [];
  const visit = (path: FieldPath, node: unknown, parentKey: string | number | undefined): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit([...path, i], item, parentKey));
      return;
    }
    if (!isObject(node)) return;
    for (const [k, v] of Object.entries(node)) {
      const isPortField =
        (k === 'number' && (parentKey === 'port' || parentKey === 'ports')) ||
        k === 'port' ||
        k === 'targetPort';
      if (isPortField && typeof v === 'number' && (!Number.isInteger(v) || v < 1 || v > 65535)) {
        out.push({ path: [...path, k], value: v });
      } else visit([...path, k], v, k);
    }
  };
  visit([], (body as Record<string, unknown>).spec, undefined);
  return out.map((p) => ({ ...p, path: ['spec', ...p.path] }));
}
