/**
 * Our JSON Schemas are valid JSON Schema. The validators that use them skip this check (it compiled
 * the meta-schema in every process, a tenth of a command's start-up), so it is made here, once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support.js';

const SCHEMAS = join(ROOT, 'schemas');

function metaSchemaErrors(schema: object): string[] {
  const ajv = new Ajv({ allErrors: true });
  return ajv.validateSchema(schema)
    ? []
    : (ajv.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe('schemas/', () => {
  const files = readdirSync(SCHEMAS).filter((f) => f.endsWith('.json'));

  it.each(files)('%s is valid against the JSON Schema meta-schema', (file) => {
    const schema = JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')) as object;
    expect(metaSchemaErrors(schema)).toEqual([]);
  });

  it('the check finds a broken schema', () => {
    expect(metaSchemaErrors({ type: 'object', properties: { a: { type: 'nope' } } })).not.toEqual(
      [],
    );
    expect(metaSchemaErrors({ required: 'name' })).not.toEqual([]);
  });

  it('covers every schema the validators load', () => {
    expect(files.sort()).toEqual([
      'asm-egress-traffic-policy.v1.json',
      'asm-egress-traffic-policy.v1beta1.json',
      'egress-lint-config.json',
      'gateway-api.json',
      'istio-gateway.v1beta1.json',
    ]);
  });
});
