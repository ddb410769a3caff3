/**
 * Lint stage: run the rules over the analysed config set, then apply what the project config says
 * (severity overrides, rules turned off) and inline suppressions. Suppressed findings are kept and
 * marked, so they are counted rather than silently lost.
 */
import { istioIndexOf, type Analysis } from '../analyze.js';
import type { ProjectConfig } from '../config/project-config.js';
import {
  compareFindings,
  docsUrl,
  summarize,
  type Finding,
  type FindingSummary,
} from '../model/finding.js';
import type { IstioIndex } from '../model/istio.js';
import {
  findingLocation,
  identityKey,
  refOf,
  splitApiVersion,
  type Resource,
} from '../model/resource.js';
import type { Rule, RuleContext } from './rule.js';
import { followsFromRejection } from '../render/istio-rejects.js';

export const IGNORE_ANNOTATION = 'egress-lint.io/ignore';
export const INTERNAL_ERROR_RULE = 'internal-error';

export interface LintSummary extends FindingSummary {
  files: number;
  resources: number;
}

export interface LintResult {
  /** Every finding (stage and rule), config applied, in stable order; suppressed ones are marked. */
  findings: Finding[];
  summary: LintSummary;
  index: IstioIndex;
}

export function lint(
  analysis: Analysis,
  config: ProjectConfig,
  rules: readonly Rule[],
): LintResult {
  const cs = analysis.configSet;
  const index = istioIndexOf(analysis);
  const raw: Finding[] = [...analysis.findings];
  // The resource each rule finding is about: suppression is looked up on it (or its policy) directly.
  const reported = new Map<Finding, Resource>();
  const followsFromRejected = followsFromRejection(analysis.render.rejected);

  for (const rule of rules) {
    if (!rule.check || config.rules[rule.meta.id] === 'off') continue;
    const ctx: RuleContext = {
      configSet: cs,
      rendered: analysis.render.resources,
      allocation: analysis.render.allocation,
      index,
      mesh: cs.mesh,
      config,
      report({ resource, path = [], message, severity }) {
        if (followsFromRejected(resource)) return;
        const finding: Finding = {
          ruleId: rule.meta.id,
          severity: severity ?? rule.meta.severity,
          message,
          ...findingLocation(resource, path),
          resource: refOf(resource),
          docs: '',
        };
        raw.push(finding);
        reported.set(finding, resource);
      },
    };
    try {
      rule.check(ctx);
    } catch (e) {
      // A rule bug must not cost the user the other rules' results.
      raw.push({
        ruleId: INTERNAL_ERROR_RULE,
        severity: 'error',
        message: `rule ${rule.meta.id} failed: ${(e as Error).message}`,
        file: '',
        line: 1,
        column: 1,
        docs: '',
      });
    }
  }

  // What only rules read goes now, before the caller renders, diffs or simulates with the index.
  index.releaseLintViews();
  const findings = applyConfig(raw, config, cs.resources, reported);
  return {
    findings,
    summary: {
      ...summarize(findings),
      files: analysis.stats.files,
      resources: analysis.stats.resources,
    },
    index,
  };
}

function applyConfig(
  raw: readonly Finding[],
  config: ProjectConfig,
  loaded: readonly Resource[],
  reported: ReadonlyMap<Finding, Resource>,
): Finding[] {
  // Stage findings (schema, render) only carry a reference to a loaded resource; find it by identity,
  // the first of a name winning. Built on demand: most runs have no stage finding on a resource.
  let byIdentity: Map<string, Resource> | undefined;
  const loadedResource = (ref: NonNullable<Finding['resource']>): Resource | undefined => {
    if (!byIdentity) {
      byIdentity = new Map();
      for (const r of loaded)
        if (!byIdentity.has(identityKey(r))) byIdentity.set(identityKey(r), r);
    }
    const { group } = splitApiVersion(ref.apiVersion);
    return byIdentity.get(
      identityKey({ group, kind: ref.kind, namespace: ref.namespace, name: ref.name }),
    );
  };
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const f of raw) {
    const setting = config.rules[f.ruleId];
    if (setting === 'off') continue;
    const severity = setting ?? f.severity;
    const key = `${f.ruleId}|${f.file}|${f.line}|${f.column}|${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const finding: Finding = { ...f, severity, docs: docsUrl(f.ruleId, config.docsBaseUrl) };
    const resource = reported.get(f) ?? (f.resource ? loadedResource(f.resource) : undefined);
    if (resource && isSuppressed(f.ruleId, resource)) finding.suppressed = true;
    out.push(finding);
  }
  return out.sort(compareFindings);
}

/** `egress-lint.io/ignore: "rule-a,rule-b"` (or `all`) on the resource, or on what it was rendered or converted from. */
function isSuppressed(ruleId: string, r: Resource): boolean {
  const owner = r.rendered?.policy ?? r.converted?.from ?? r;
  const ignore = owner.annotations[IGNORE_ANNOTATION];
  if (ignore === undefined) return false;
  const ids = ignore.split(',').map((s) => s.trim());
  return ids.includes(ruleId) || ids.includes('all');
}
