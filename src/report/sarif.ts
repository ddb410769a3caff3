/**
 * `lint --format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. Every catalog rule is listed
 * (id, descriptions, helpUri to its docs page, default level as the project config sets it), every
 * finding is a result with a precise region, and suppressed findings stay in as results carrying a
 * `suppressions` entry, so code scanning shows them as dismissed in source rather than losing them.
 * Findings without a file (a rule that crashed) are tool execution notifications instead: code scanning
 * rejects the whole upload when one result has no location ("expected at least one location").
 */
import { createHash } from 'node:crypto';
import type { ProjectConfig } from '../config/project-config.js';
import { IGNORE_ANNOTATION, INTERNAL_ERROR_RULE, type LintResult } from '../lint/engine.js';
import type { RuleMeta } from '../lint/rule.js';
import { docsUrl, type Finding, type Severity } from '../model/finding.js';
import { describe } from '../model/resource.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const TOOL_URI = 'https://github.com/egress-lint/egress-lint';

export interface SarifOptions {
  rules: readonly RuleMeta[];
  config: Pick<ProjectConfig, 'rules' | 'docsBaseUrl'>;
  version: string;
}

type Level = 'error' | 'warning' | 'note' | 'none';

const LEVEL: Record<Severity, Level> = { error: 'error', warning: 'warning', info: 'note' };

export function toSarif(result: Pick<LintResult, 'findings'>, options: SarifOptions): object {
  const metas = new Map(options.rules.map((m) => [m.id, m]));
  // Findings of rules outside the catalog (internal errors) still need a rule entry to point at.
  for (const f of result.findings) {
    if (!metas.has(f.ruleId))
      metas.set(f.ruleId, { id: f.ruleId, severity: f.severity, description: f.ruleId, kinds: [] });
  }
  const ids = [...metas.keys()];
  const ruleIndex = new Map(ids.map((id, i) => [id, i]));
  const placed = result.findings.filter((f) => f.file);
  const unplaced = result.findings.filter((f) => !f.file);
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'egress-lint',
            version: options.version,
            semanticVersion: options.version,
            informationUri: TOOL_URI,
            rules: ids.map((id) => sarifRule(metas.get(id)!, options.config)),
          },
        },
        invocations: [
          {
            executionSuccessful: !unplaced.some((f) => f.ruleId === INTERNAL_ERROR_RULE),
            ...(unplaced.length
              ? {
                  toolExecutionNotifications: unplaced.map((f) =>
                    notification(f, ruleIndex.get(f.ruleId)!),
                  ),
                }
              : {}),
          },
        ],
        columnKind: 'utf16CodeUnits',
        results: placed.map((f) => sarifResult(f, ruleIndex.get(f.ruleId)!)),
      },
    ],
  };
}

export function formatSarif(result: Pick<LintResult, 'findings'>, options: SarifOptions): string {
  return `${JSON.stringify(toSarif(result, options), null, 2)}\n`;
}

function sarifRule(meta: RuleMeta, config: SarifOptions['config']): object {
  const setting = config.rules[meta.id];
  const helpUri = docsUrl(meta.id, config.docsBaseUrl);
  return {
    id: meta.id,
    name: meta.id,
    shortDescription: { text: meta.description },
    fullDescription: { text: meta.description },
    helpUri,
    help: {
      text: `${meta.description}. See ${helpUri}`,
      markdown: `${meta.description}. See [${meta.id}](${helpUri}).`,
    },
    defaultConfiguration:
      setting === 'off'
        ? { enabled: false, level: 'none' }
        : { level: LEVEL[setting ?? meta.severity] },
    properties: { tags: ['egress', ...meta.kinds.filter((k) => k !== '*')] },
  };
}

function sarifResult(f: Finding, ruleIndex: number): object {
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [location(f)],
    partialFingerprints: { 'egressLint/v1': fingerprint(f) },
    ...(f.suppressed
      ? {
          suppressions: [
            {
              kind: 'inSource',
              justification: `${IGNORE_ANNOTATION} annotation on ${f.resource ? describe(f.resource) : 'the resource'}`,
            },
          ],
        }
      : {}),
  };
}

/** A finding with no place in a file, as a notification of the run, pointing at its rule. */
function notification(f: Finding, ruleIndex: number): object {
  return {
    level: LEVEL[f.severity],
    message: { text: f.message },
    associatedRule: { id: f.ruleId, index: ruleIndex },
  };
}

function location(f: Finding): object {
  const region = {
    startLine: f.line,
    startColumn: f.column,
    ...(f.endLine !== undefined ? { endLine: f.endLine } : {}),
    ...(f.endColumn !== undefined ? { endColumn: f.endColumn } : {}),
  };
  return {
    physicalLocation: { artifactLocation: artifactLocation(f.file), region },
    ...(f.resource
      ? {
          logicalLocations: [
            {
              name: f.resource.name,
              fullyQualifiedName: `${f.resource.kind}/${f.resource.namespace}/${f.resource.name}${f.field ? `#${f.field}` : ''}`,
              kind: 'resource',
            },
          ],
        }
      : {}),
  };
}

/**
 * Paths are relative to where egress-lint ran (the repository root in CI), which is how code scanning
 * resolves them; absolute paths (files outside the working directory) become file: URIs.
 */
export function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  const slashed = file.replace(/\\/g, '/');
  const encode = (path: string): string => path.split('/').map(encodeURIComponent).join('/');
  if (/^[A-Za-z]:\//.test(slashed))
    return { uri: `file:///${encode(slashed).replace('%3A', ':')}` };
  if (slashed.startsWith('/')) return { uri: `file://${encode(slashed)}` };
  return { uri: encode(slashed.replace(/^\.\//, '')), uriBaseId: '%SRCROOT%' };
}

/**
 * Code scanning matches alerts across commits by fingerprint. Line numbers shift with every edit above
 * a finding; rule, file, resource, field and message identify it better.
 */
function fingerprint(f: Finding): string {
  const r = f.resource;
  const key = [
    f.ruleId,
    f.file,
    r ? `${r.kind}/${r.namespace}/${r.name}` : '',
    f.field ?? (r ? '' : `${f.line}`),
    f.message,
  ].join('\u0000');
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}
