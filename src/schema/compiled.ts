/**
 * Our own JSON schemas (the ASM kinds, the Gateway API fields we read, the config file) as Ajv
 * validators. The build compiles them once into Ajv's standalone code (scripts/build.mjs writes
 * dist/schemas/validators/<set>.cjs from `standaloneSource`), so a process start neither loads Ajv's
 * compiler nor compiles a schema: that was some 140 ms of CPU of the 500 ms an `egress-lint lint` of a
 * small folder costs. Run from the sources (the tests), or without that file, each validator is
 * compiled here on first use, with the same options; test/schema/compiled.test.ts holds the two equal.
 *
 * Ajv is CommonJS, so it is required only when something must be compiled.
 */
import { createRequire } from 'node:module';
import type { Ajv, Options, ValidateFunction } from 'ajv';
import type * as AjvModule from 'ajv';
import configSchema from '../../schemas/egress-lint-config.json' with { type: 'json' };
import policyV1 from '../../schemas/asm-egress-traffic-policy.v1.json' with { type: 'json' };
import policyV1beta1 from '../../schemas/asm-egress-traffic-policy.v1beta1.json' with { type: 'json' };
import istioGatewayV1beta1 from '../../schemas/istio-gateway.v1beta1.json' with { type: 'json' };
import gatewayApi from '../../schemas/gateway-api.json' with { type: 'json' };

export interface ValidatorSet {
  /** The compiled file: dist/schemas/validators/<name>.cjs. */
  name: string;
  options: Options;
  schemas: readonly object[];
  /** Each validator: its name -> the schema id (or `id#/pointer`) it validates against. */
  validators: Readonly<Record<string, string>>;
}

// validateSchema off: checking our own schemas against the JSON Schema meta-schema compiled that
// meta-schema in every process; test/schema/schema-files.test.ts checks them once instead.
/** Resources: every error (allErrors), with the schema and data at fault (verbose) for the messages. */
export const RESOURCE_SCHEMAS: ValidatorSet = {
  name: 'resources',
  options: {
    allErrors: true,
    verbose: true,
    strict: true,
    allowUnionTypes: true,
    validateSchema: false,
  },
  schemas: [policyV1, policyV1beta1, istioGatewayV1beta1, gatewayApi],
  validators: {
    policyV1: policyV1.$id,
    policyV1beta1: policyV1beta1.$id,
    istioGatewayV1beta1: istioGatewayV1beta1.$id,
    gatewayApiGateway: `${gatewayApi.$id}#/$defs/Gateway`,
    gatewayApiRoute: `${gatewayApi.$id}#/$defs/route`,
    gatewayApiGrpcRoute: `${gatewayApi.$id}#/$defs/grpcRoute`,
    gatewayApiReferenceGrant: `${gatewayApi.$id}#/$defs/ReferenceGrant`,
  },
};

export const CONFIG_SCHEMAS: ValidatorSet = {
  name: 'config',
  options: { allErrors: true, strict: true, validateSchema: false },
  schemas: [configSchema],
  validators: { config: configSchema.$id },
};

const require = createRequire(import.meta.url);

/**
 * A set's validators by name: the build's compiled ones, or compiled here; either way loaded on first
 * use, so that a command that validates nothing of the set does not load it.
 */
export function validatorsOf(set: ValidatorSet): (name: string) => ValidateFunction {
  let validator: ((name: string) => ValidateFunction) | undefined;
  return (name) => {
    if (!validator) {
      const compiled = compiledValidators(set);
      validator = compiled ? (n) => compiled[n]! : compilingValidators(set);
    }
    return validator(name);
  };
}

/** The set's validators compiled in this process, each on first use. */
export function compilingValidators(set: ValidatorSet): (name: string) => ValidateFunction {
  let ajv: Ajv | undefined;
  return (name) => {
    ajv ??= ajvFor(set);
    return ajv.getSchema(set.validators[name]!)!;
  };
}

/** The build's standalone validators of the set, when this module runs from the build. */
export function compiledValidators(
  set: ValidatorSet,
): Record<string, ValidateFunction> | undefined {
  let path: string;
  try {
    path = require.resolve(`../../schemas/validators/${set.name}.cjs`);
  } catch {
    return undefined;
  }
  return require(path) as Record<string, ValidateFunction>;
}

function ajvFor(set: ValidatorSet, options: Options = {}): Ajv {
  const { Ajv } = require('ajv') as typeof AjvModule;
  const addFormats = require('ajv-formats') as (a: Ajv) => Ajv;
  const ajv = new Ajv({ ...set.options, ...options });
  addFormats(ajv);
  for (const schema of set.schemas) ajv.addSchema(schema);
  return ajv;
}

/** The standalone CommonJS module the build writes for `set`. */
export function standaloneSource(set: ValidatorSet): string {
  const { default: standaloneCode } = require('ajv/dist/standalone') as {
    default: (ajv: Ajv, refs: Record<string, string>) => string;
  };
  return standaloneCode(ajvFor(set, { code: { source: true } }), { ...set.validators });
}
