/** JSON-Schema (ajv) errors -> findings that read like a reviewer wrote them, at the offending field. */
import type { ErrorObject } from 'ajv';
import { formatPath, type FieldPath } from '../model/field-path.js';
import { docsUrl, type Finding } from '../model/finding.js';
import { findingLocation, get, refOf, type Resource } from '../model/resource.js';

export const SCHEMA_RULE = 'schema';

/** The subset of ajv's ErrorObject that precompiled validators (ours and @kubernetes-models') share. */
export type SchemaError = Pick<ErrorObject, 'instancePath' | 'keyword' | 'params'> & {
  message?: string;
  parentSchema?: { properties?: Record<string, unknown> } | unknown;
};

const PATTERN_NAMES: [RegExp, string][] = [
  [
    /^\^\[a-z0-9\]\(\[-a-z0-9\]\*\[a-z0-9\]\)\?\$$/,
    'a DNS-1123 label (lower case letters, digits and "-", at most 63 characters)',
  ],
  [
    /^\^\[a-z0-9\]\(\[-a-z0-9\]\*\[a-z0-9\]\)\?\(\\\.\[a-z0-9\]/,
    'a DNS-1123 name (lower case letters, digits, "-" and ".")',
  ],
  [/^\^\(\\\*\\\.\)\?\[A-Za-z0-9\]/, 'a host name such as api.example.com or *.example.com'],
];

export function pointerToPath(body: unknown, pointer: string): FieldPath {
  if (!pointer) return [];
  const out: (string | number)[] = [];
  let node: unknown = body;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key: string | number = Array.isArray(node) && /^\d+$/.test(seg) ? Number(seg) : seg;
    out.push(key);
    node =
      node !== null && typeof node === 'object'
        ? (node as Record<string | number, unknown>)[key]
        : undefined;
  }
  return out;
}

export function schemaFindings(
  resource: Resource,
  errors: readonly SchemaError[],
  ruleId = SCHEMA_RULE,
): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const e of prune(errors)) {
    const { path, message } = describe(resource.body, e);
    const key = `${formatPath(path)}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(findingAt(resource, path, message, ruleId));
  }
  return out;
}

export function findingAt(
  resource: Resource,
  path: FieldPath,
  message: string,
  ruleId = SCHEMA_RULE,
): Finding {
  return {
    ruleId,
    severity: 'error',
    message,
    ...findingLocation(resource, path),
    resource: refOf(resource),
    docs: docsUrl(ruleId),
  };
}

/**
 * oneOf/anyOf report their own failure plus every branch's; the branch errors are what users can act
 * on when there is one branch, noise when there are several. Keep the summary, drop branch details that
 * sit at the same path.
 */
function prune(errors: readonly SchemaError[]): SchemaError[] {
  const combinators = new Set(
    errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.instancePath),
  );
  return errors.filter(
    (e) =>
      e.keyword === 'oneOf' ||
      e.keyword === 'anyOf' ||
      e.keyword === 'if' ||
      !combinators.has(e.instancePath) ||
      e.keyword === 'additionalProperties',
  );
}

function describe(body: unknown, e: SchemaError): { path: FieldPath; message: string } {
  const path = pointerToPath(body, e.instancePath);
  const name = formatPath(path) || 'the document';
  const value = get(body, path);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const missing = String(p.missingProperty);
      return { path, message: `${formatPath([...path, missing])} is required` };
    }
    case 'additionalProperties': {
      const extra = String(p.additionalProperty);
      const known = knownProperties(e.parentSchema);
      const hint = suggest(extra, known);
      return {
        path: [...path, extra],
        message: `unknown field ${formatPath([...path, extra])}${hint ? ` (did you mean ${hint}?)` : ''}`,
      };
    }
    case 'enum':
      return {
        path,
        message: `${name} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${show(value)})`,
      };
    case 'const':
      return {
        path,
        message: `${name} must be ${JSON.stringify(p.allowedValue)} (got ${show(value)})`,
      };
    case 'type':
      return { path, message: `${name} must be ${article(String(p.type))} (got ${show(value)})` };
    case 'pattern': {
      const friendly = PATTERN_NAMES.find(([re]) => re.test(String(p.pattern)))?.[1];
      return {
        path,
        message: `${name} ${show(value)} is not ${friendly ?? `matching ${String(p.pattern)}`}`,
      };
    }
    case 'minimum':
    case 'maximum':
      return {
        path,
        message: `${name} must be ${e.keyword === 'minimum' ? '>=' : '<='} ${String(p.limit)} (got ${show(value)})`,
      };
    case 'minItems':
      return {
        path,
        message: `${name} needs at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`,
      };
    case 'maxItems':
      return {
        path,
        message: `${name} allows at most ${String(p.limit)} items (has ${Array.isArray(value) ? value.length : '?'})`,
      };
    case 'minLength':
      return {
        path,
        message:
          p.limit === 1
            ? `${name} must not be empty`
            : `${name} must be at least ${String(p.limit)} characters long`,
      };
    case 'maxLength':
      return { path, message: `${name} must be at most ${String(p.limit)} characters long` };
    case 'uniqueItems':
      return {
        path,
        message: `${name} lists the same item twice (items ${Math.min(Number(p.i), Number(p.j))} and ${Math.max(Number(p.i), Number(p.j))})`,
      };
    case 'oneOf':
    case 'anyOf':
      return {
        path,
        message: `${name} does not fit any allowed form (${e.keyword}); check for fields that exclude each other`,
      };
    case 'format':
      return { path, message: `${name} must be a valid ${String(p.format)}` };
    default:
      return { path, message: `${name} ${e.message ?? `fails ${e.keyword}`}` };
  }
}

function knownProperties(parentSchema: unknown): string[] {
  const props = (parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props) : [];
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The closest known name, for "did you mean": snake_case spellings first, then small edit distances. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  return closestNames(name, known, 1)[0];
}

/**
 * Up to `limit` known names close to `name`, closest first: its camelCase spelling, a spelling that
 * differs only in case, then names a small edit away (earlier ones first among equals).
 */
export function closestNames(name: string, known: readonly string[], limit: number): string[] {
  const camel = name.replace(/[_-]([a-z])/g, (_, c: string) => c.toUpperCase());
  const lower = name.toLowerCase();
  const within = Math.max(2, Math.floor(name.length / 4)) + 1;
  const ranked: { name: string; rank: number }[] = [];
  for (const k of known) {
    const kLower = k.toLowerCase();
    let rank: number;
    if (camel !== name && k === camel) rank = -2;
    else if (kLower === lower) rank = -1;
    // An edit distance is at least the difference in length: most names need no computing.
    else if (Math.abs(k.length - name.length) >= within) continue;
    else rank = editDistance(lower, kLower);
    if (rank < within) ranked.push({ name: k, rank });
  }
  return ranked
    .sort((a, b) => a.rank - b.rank)
    .slice(0, limit)
    .map((r) => r.name);
}

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
