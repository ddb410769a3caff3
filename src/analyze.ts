/**
 * The core pipeline, without I/O: load -> schema -> model -> render. Surfaces hand it file contents
 * and the project config; lint and simulate build on what it returns.
 */
import type { ProjectConfig } from './config/project-config.js';
import { buildConfigSet, type ConfigSet } from './model/config-set.js';
import { buildIstioIndex, type IstioIndex } from './model/istio.js';
import { compareFindings, type Finding } from './model/finding.js';
import type { Resource } from './model/resource.js';
import { loadSources, type SourceFile } from './load/load.js';
import { acceptedResources, renderConfigSet, type RenderResult } from './render/render.js';
import { validateResource } from './schema/validate.js';

export interface Analysis {
  configSet: ConfigSet;
  render: RenderResult;
  /** Findings of the load, schema and render stages, in stable order. */
  findings: Finding[];
  stats: { files: number; documents: number; resources: number };
}

export interface AnalyzeOptions {
  /** The load stage; the app passes one that reuses per-file results across pull requests. */
  load?: typeof loadSources;
}

export function analyzeSources(
  files: readonly SourceFile[],
  config: ProjectConfig,
  options: AnalyzeOptions = {},
): Analysis {
  const loaded = (options.load ?? loadSources)(files, {
    defaultNamespace: config.mesh.defaultNamespace,
    limits: { maxFileBytes: config.limits.maxFileBytes },
  });
  const findings = [...loaded.findings];
  const invalid = new Set<Resource>();
  for (const r of loaded.resources) {
    const problems = validateResource(r);
    if (problems.length > 0) {
      invalid.add(r);
      findings.push(...problems);
    }
  }
  const configSet = buildConfigSet(loaded.resources, invalid, config.mesh);
  const render = renderConfigSet(configSet);
  findings.push(...render.findings);
  findings.sort(compareFindings);
  return {
    configSet,
    render,
    findings,
    stats: { files: loaded.files, documents: loaded.documents, resources: loaded.resources.length },
  };
}

/**
 * The Istio index of an analysis (hand-written and rendered resources), built once: lint and the
 * simulator read the same one, and its lookups are remembered inside it.
 */
const indexes = new WeakMap<Analysis, IstioIndex>();

export function istioIndexOf(analysis: Analysis): IstioIndex {
  let index = indexes.get(analysis);
  if (!index)
    indexes.set(
      analysis,
      (index = buildIstioIndex(analysis.configSet, acceptedResources(analysis.render))),
    );
  return index;
}
