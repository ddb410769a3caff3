/**
 * The project config file `.github/egress-lint.yml`, read by the CLI and the app alike. Parsing is
 * pure: the surfaces read the text. An invalid file is an error with file:line:column, never a guess.
 */
import type { ValidateFunction } from 'ajv';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { RULES } from '../../rules/index.js';
import configSchema from '../../schemas/egress-lint-config.json' with { type: 'json' };
import { cyclicAliasMessage, findCyclicAlias } from '../load/cyclic-alias.js';
import { findTooDeepDocuments, MAX_NESTING_DEPTH } from '../load/depth-guard.js';
import { findUnsupportedKey, unsupportedKeyMessage } from '../load/mapping-keys.js';
import { readSimpleYaml } from '../load/simple-yaml.js';
import { plainScalarResolver } from '../load/yaml-dialect.js';
import { yamlSourceMap } from '../load/source-map.js';
import { formatPath, type FieldPath } from '../model/field-path.js';
import type { Severity } from '../model/finding.js';
import { isObject } from '../model/resource.js';
import { CONFIG_SCHEMAS, validatorsOf } from '../schema/compiled.js';
import { pointerToPath, suggest } from '../schema/messages.js';

export const CONFIG_FILE = '.github/egress-lint.yml';

/**
 * Repository paths that look meant as the config but are not read (`.github/egress-lint.yaml`, a root
 * `.egress-lint.yml`, `egress_lint.yml`...). They are warned about, not accepted: the GitHub App reads
 * exactly CONFIG_FILE from the base branch, and the CLI must check what the App checks.
 */
export function isNearMissConfigPath(path: string): boolean {
  return (
    /^(?:\.github\/)?\.?egress[-_.]?lint(?:[-_.]?config)?\.ya?ml$/i.test(path) &&
    path !== CONFIG_FILE
  );
}

export type OutboundMode = 'REGISTRY_ONLY' | 'ALLOW_ANY' | 'ALLOW_ANY_DYNAMIC_DNS';
export type RuleSetting = Severity | 'off';
export type CommentMode = 'always' | 'on-change' | 'off';

export interface MeshDefaults {
  /** Undefined: not stated in the config file (then Istio's default, ALLOW_ANY, applies). */
  outboundTrafficPolicy?: OutboundMode;
  rootNamespace: string;
  gatewayNamespace: string;
  gatewayLabel: string;
  policyNamespace: string;
  defaultNamespace: string;
  trustDomain: string;
  /** The cluster's DNS domain: Services are `<name>.<namespace>.svc.<clusterDomain>`. */
  clusterDomain: string;
}

export interface ProjectConfig {
  /** Where the config came from, for messages; undefined for built-in defaults. */
  file?: string;
  paths: string[];
  ignore: string[];
  rules: Record<string, RuleSetting>;
  failOn: Severity | 'never';
  comment: CommentMode;
  mesh: MeshDefaults;
  limits: { maxFileBytes: number };
  docsBaseUrl?: string;
}

export const DEFAULT_MESH: MeshDefaults = {
  rootNamespace: 'istio-system',
  gatewayNamespace: 'istio-system',
  gatewayLabel: 'istio',
  policyNamespace: 'istio-egress',
  defaultNamespace: 'default',
  trustDomain: 'cluster.local',
  clusterDomain: 'cluster.local',
};

export const DEFAULT_CONFIG: ProjectConfig = {
  paths: [],
  ignore: [],
  rules: {},
  failOn: 'error',
  comment: 'on-change',
  mesh: DEFAULT_MESH,
  limits: { maxFileBytes: 4 * 1024 * 1024 },
};

/** One thing wrong with the config file, at its line and column. */
export interface ConfigProblem {
  line: number;
  column: number;
  message: string;
}

/**
 * The config cannot be used. Errors as data: `problems` lists every one found (in file order), and
 * `line`/`column` are the first's; the message has one `file:line:column: problem` line each.
 */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    message: string,
    more: readonly ConfigProblem[] = [],
  ) {
    const problems = [{ line, column, message }, ...more];
    super(problems.map((p) => `${file}:${p.line}:${p.column}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }

  static of(file: string, problems: readonly ConfigProblem[]): ConfigError {
    const [first, ...rest] = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
    return new ConfigError(file, first!.line, first!.column, first!.message, rest);
  }
}

const validator = validatorsOf(CONFIG_SCHEMAS);

// YAML 1.2: under 1.1, `comment: off` and `rule: off` would read as the boolean false.
const CONFIG_YAML_OPTIONS = {
  uniqueKeys: true,
  prettyErrors: false,
  version: '1.2',
  logLevel: 'error', // no library warnings on stderr: what they are about is checked here
} as const;
const resolveConfigScalar = plainScalarResolver(CONFIG_YAML_OPTIONS);

/** Parse and check the config text; throws ConfigError listing every problem found. */
export function parseProjectConfig(text: string, file = CONFIG_FILE): ProjectConfig {
  // Most configs are a few lines of plain block YAML, which the simple reader reads for a tenth of
  // the full parser's cost; anything else, and any problem (it needs positions), takes the full path.
  const simple = readSimpleYaml(text, resolveConfigScalar, MAX_NESTING_DEPTH / 2);
  const plain = simple?.length === 1 ? simple[0]!.value : undefined;
  if (plain && configValidator()(plain) && unknownRuleIds(plain).length === 0)
    return mergeConfig(plain as RawConfig, file);
  const read = readConfigDocument(text);
  if ('problems' in read) throw ConfigError.of(file, read.problems);
  const { doc, lines, raw } = read;
  const map = yamlSourceMap(doc, lines);
  const at = (path: FieldPath): { line: number; column: number } => map.locate(path);
  const problems = [...schemaProblems(raw, at), ...unknownRuleProblems(raw, at)];
  if (problems.length) throw ConfigError.of(file, problems);
  return mergeConfig(raw as RawConfig, file);
}

type ReadConfig =
  { doc: Document.Parsed; lines: LineCounter; raw: unknown } | { problems: ConfigProblem[] };

/** The YAML of the config file, guarded as policy files are: nesting depth, cyclic aliases, alias bombs. */
function readConfigDocument(text: string): ReadConfig {
  const deep = findTooDeepDocuments(text, MAX_NESTING_DEPTH)[0];
  if (deep) {
    const message = `nesting deeper than ${MAX_NESTING_DEPTH} levels; a config file needs three`;
    return { problems: [{ line: deep.line, column: deep.column, message }] };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...CONFIG_YAML_OPTIONS, lineCounter: lines });
  const pos = (offset: number): { line: number; column: number } => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (doc.errors.length) {
    return {
      problems: doc.errors.map((e) => ({
        ...pos(e.pos[0]),
        message: `invalid YAML: ${e.message.replace(/ at line \d+[\s\S]*$/, '')}`,
      })),
    };
  }
  const cyclic = findCyclicAlias(doc);
  if (cyclic)
    return { problems: [{ ...pos(cyclic.range![0]), message: cyclicAliasMessage(cyclic) }] };
  const badKey = findUnsupportedKey(doc);
  if (badKey)
    return { problems: [{ ...pos(badKey.offset), message: unsupportedKeyMessage(badKey) }] };
  try {
    return { doc, lines, raw: doc.toJS({ maxAliasCount: 100 }) ?? {} };
  } catch (e) {
    return {
      problems: [{ line: 1, column: 1, message: `cannot read config: ${(e as Error).message}` }],
    };
  }
}

type Locate = (path: FieldPath) => { line: number; column: number };

// Looked up when a config is first read (compiled by the build, or then: see schema/compiled.ts).
const configValidator = (): ValidateFunction => validator('config');

function schemaProblems(raw: unknown, at: Locate): ConfigProblem[] {
  const validate = configValidator();
  if (validate(raw)) return [];
  const seen = new Set<string>();
  const out: ConfigProblem[] = [];
  for (const e of validate.errors ?? []) {
    const parent = pointerToPath(raw, e.instancePath);
    const extra =
      e.keyword === 'additionalProperties'
        ? (e.params as { additionalProperty: string }).additionalProperty
        : undefined;
    const path = extra !== undefined ? [...parent, extra] : parent;
    const where = formatPath(path) || 'config';
    let detail: string;
    if (extra !== undefined) {
      const guess = suggest(extra, knownSettings(parent));
      detail = `is not a known setting${guess ? ` (did you mean ${guess}?)` : ''}`;
    } else if (e.keyword === 'enum') {
      detail = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    } else detail = e.message ?? 'is invalid';
    const message = `${where} ${detail}`;
    if (seen.has(message)) continue;
    seen.add(message);
    out.push({ ...at(path), message });
  }
  return out;
}

/** The settings the schema allows beside an unknown one, for "did you mean". */
function knownSettings(parent: FieldPath): string[] {
  let schema: { properties?: Record<string, unknown> } | undefined = configSchema;
  for (const key of parent) {
    const props: Record<string, unknown> | undefined = schema?.properties;
    schema =
      typeof key === 'string' && props && Object.hasOwn(props, key)
        ? (props[key] as typeof schema)
        : undefined;
  }
  return Object.keys(schema?.properties ?? {});
}

/** A rule id nobody checks is a typo that silently keeps the rule at its default. */
function unknownRuleProblems(raw: unknown, at: Locate): ConfigProblem[] {
  // Read here, not at module load: the rule catalog imports this module too.
  const RULE_IDS = RULES.map((r) => r.meta.id);
  return unknownRuleIds(raw).map((id) => {
    const guess = suggest(id, RULE_IDS);
    return {
      ...at(['rules', id]),
      message: `rules.${id} is not a rule egress-lint knows${guess ? `; did you mean ${guess}?` : ' (egress-lint rules lists them)'}`,
    };
  });
}

/** Rule ids under `rules` that no rule has. */
function unknownRuleIds(raw: unknown): string[] {
  const rules = isObject(raw) ? raw.rules : undefined;
  if (!isObject(rules)) return [];
  const known = new Set(RULES.map((r) => r.meta.id));
  return Object.keys(rules).filter((id) => !known.has(id));
}

type RawConfig = Partial<Omit<ProjectConfig, 'mesh' | 'limits'>> & {
  mesh?: Partial<MeshDefaults>;
  limits?: { maxFileBytes?: number };
};

function mergeConfig(raw: RawConfig, file: string): ProjectConfig {
  return {
    file,
    paths: raw.paths ?? DEFAULT_CONFIG.paths,
    ignore: raw.ignore ?? DEFAULT_CONFIG.ignore,
    rules: raw.rules ?? {},
    failOn: raw.failOn ?? DEFAULT_CONFIG.failOn,
    comment: raw.comment ?? DEFAULT_CONFIG.comment,
    mesh: { ...DEFAULT_MESH, ...raw.mesh },
    limits: { ...DEFAULT_CONFIG.limits, ...raw.limits },
    ...(raw.docsBaseUrl ? { docsBaseUrl: raw.docsBaseUrl } : {}),
  };
}
