/**
 * Checks requests against GitHub's REST OpenAPI description (the operations extracted into
 * test/fixtures/github-openapi): the route must be a known operation, path and query parameters must
 * fit their schemas, and a JSON body must validate against the operation's request-body schema.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

// From test/support (vitest) or dist/test/support (the compiled benchmark).
const FIXTURES = [
  new URL('../fixtures/github-openapi/', import.meta.url),
  new URL('../../../test/fixtures/github-openapi/', import.meta.url),
].find((u) => existsSync(u))!;

interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: { type?: string; enum?: unknown[] };
}

export interface OperationSpec {
  source: string;
  operationId: string;
  method: string;
  path: string;
  parameters: ParameterSpec[];
  requestBody: { required: boolean; schema: object } | null;
}

interface CompiledOperation {
  spec: OperationSpec;
  pattern: RegExp;
  pathParams: string[];
  body?: ValidateFunction;
}

export interface MatchedRequest {
  operationId: string;
  params: Record<string, string>;
}

export class GitHubOpenApi {
  readonly #operations: CompiledOperation[];

  constructor() {
    const ajv = new Ajv({ strict: false, allErrors: true });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    this.#operations = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(new URL(f, FIXTURES), 'utf8')) as OperationSpec)
      .map((spec) => {
        const pathParams: string[] = [];
        // {path} in the contents API spans slashes; every other parameter is one segment.
        const source = spec.path
          .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
          .replace(/\{(\w+)\}/g, (_, name: string) => {
            pathParams.push(name);
            return name === 'path' ? '(.+)' : '([^/]+)';
          });
        return {
          spec,
          pattern: new RegExp(`^${source}$`),
          pathParams,
          ...(spec.requestBody ? { body: ajv.compile(spec.requestBody.schema) } : {}),
        };
      });
  }

  get operationIds(): string[] {
    return this.#operations.map((o) => o.spec.operationId);
  }

  /** The operation a request is (path relative to the API root, e.g. `/repos/o/r/check-runs`). */
  match(method: string, pathname: string): MatchedRequest | undefined {
    for (const op of this.#operations) {
      if (op.spec.method !== method.toUpperCase()) continue;
      const m = op.pattern.exec(pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      op.pathParams.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
      return { operationId: op.spec.operationId, params };
    }
    return undefined;
  }

  /** Problems with the request, empty when it is a valid call of a known operation. */
  validate(method: string, url: string, body: unknown): string[] {
    const parsed = new URL(url, 'http://api.invalid');
    const where = `${method.toUpperCase()} ${parsed.pathname}`;
    const matched = this.match(method, parsed.pathname);
    if (!matched) return [`${where}: not an operation in the extracted OpenAPI description`];
    const op = this.#operations.find((o) => o.spec.operationId === matched.operationId)!;
    const errors: string[] = [];
    for (const p of op.spec.parameters) {
      const value =
        p.in === 'path'
          ? matched.params[p.name]
          : p.in === 'query'
            ? (parsed.searchParams.get(p.name) ?? undefined)
            : undefined;
      if (p.in === 'header') continue;
      if (value === undefined) {
        if (p.required) errors.push(`${where}: missing ${p.in} parameter ${p.name}`);
        continue;
      }
      const problem = checkScalar(value, p.schema);
      if (problem) errors.push(`${where}: ${p.in} parameter ${p.name}=${value} ${problem}`);
    }
    const known = new Set(op.spec.parameters.filter((p) => p.in === 'query').map((p) => p.name));
    for (const name of parsed.searchParams.keys())
      if (!known.has(name)) errors.push(`${where}: unknown query parameter ${name}`);

    const hasBody =
      body !== undefined && body !== null && !(typeof body === 'string' && body === '');
    if (!op.body) {
      if (hasBody && !(typeof body === 'object' && Object.keys(body as object).length === 0))
        errors.push(`${where}: takes no request body`);
    } else if (!hasBody) {
      if (op.spec.requestBody!.required) errors.push(`${where}: request body required`);
    } else {
      const json = typeof body === 'string' ? safeParse(body) : body;
      if (json === undefined) errors.push(`${where}: body is not JSON`);
      else if (!op.body(json)) {
        for (const e of op.body.errors ?? [])
          errors.push(`${where} (${op.spec.operationId}): body${e.instancePath} ${e.message}`);
      }
    }
    return errors;
  }
}

function checkScalar(value: string, schema: ParameterSpec['schema']): string | undefined {
  if (schema.type === 'integer' && !/^-?\d+$/.test(value)) return 'is not an integer';
  if (schema.type === 'boolean' && !/^(true|false)$/.test(value)) return 'is not a boolean';
  if (schema.enum && !schema.enum.map(String).includes(value))
    return `is not one of ${schema.enum.join(', ')}`;
  return undefined;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
