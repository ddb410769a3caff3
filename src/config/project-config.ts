/**
 * The project config file `.github/egress-lint.yml`, read by the CLI and the app alike. Parsing is
 * pure: the surfaces read the text. An invalid file is an error with file:line:column, never a guess.
 */
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { LineCounter, parseDocument } from 'yaml';
import configSchema from '../../schemas/egress-lint-config.json' with { type: 'json' };
import { formatPath } from '../model/field-path.js';
import type { Severity } from '../model/finding.js';
import { pointerToPath } from '../schema/messages.js';
import { yamlSourceMap } from '../load/source-map.js';

export const CONFIG_FILE = '.github/egress-lint.yml';

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

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    message: string,
  ) {
    super(`${file}:${line}:${column}: ${message}`);
    this.name = 'ConfigError';
  }
}

const ajv = new Ajv({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validateConfig = ajv.compile(configSchema);

/** Parse and check the config text; throws ConfigError (with the first problem's position). */
export function parseProjectConfig(text: string, file = CONFIG_FILE): ProjectConfig {
  const lines = new LineCounter();
  // YAML 1.2: under 1.1, `comment: off` and `rule: off` would read as the boolean false.
  const doc = parseDocument(text, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
    version: '1.2',
  });
  const firstError = doc.errors[0];
  if (firstError) {
    const p = lines.linePos(firstError.pos[0]);
    throw new ConfigError(
      file,
      p.line,
      p.col,
      `invalid YAML: ${firstError.message.replace(/ at line \d+[\s\S]*$/, '')}`,
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (e) {
    throw new ConfigError(file, 1, 1, `cannot read config: ${(e as Error).message}`);
  }
  if (!validateConfig(raw)) {
    const e = validateConfig.errors![0]!;
    const path = pointerToPath(raw, e.instancePath);
    const map = yamlSourceMap(doc, lines);
    const extra =
      e.keyword === 'additionalProperties'
        ? (e.params as { additionalProperty: string }).additionalProperty
        : undefined;
    const at = map.locate(extra ? [...path, extra] : path);
    const where = formatPath(extra ? [...path, extra] : path) || 'config';
    const detail =
      extra !== undefined
        ? 'is not a known setting'
        : e.keyword === 'enum'
          ? `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
          : (e.message ?? 'is invalid');
    throw new ConfigError(file, at.line, at.column, `${where} ${detail}`);
  }
  return mergeConfig(
    raw as Partial<Omit<ProjectConfig, 'mesh' | 'limits'>> & {
      mesh?: Partial<MeshDefaults>;
      limits?: { maxFileBytes?: number };
    },
    file,
  );
}

function mergeConfig(
  raw: Partial<Omit<ProjectConfig, 'mesh' | 'limits'>> & {
    mesh?: Partial<MeshDefaults>;
    limits?: { maxFileBytes?: number };
  },
  file: string,
): ProjectConfig {
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
