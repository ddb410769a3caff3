/** Shared by every command: find the root and config, read the files, run the core pipeline. */
import { analyzeSources, type Analysis } from '../analyze.js';
import type { ProjectConfig } from '../config/project-config.js';
import {
  collectFiles,
  readProjectConfig,
  scanRoot,
  type CollectOptions,
  type ReadResult,
} from '../io/files.js';
import { docsUrl, failsAt, type Finding } from '../model/finding.js';
import type { SourceFile } from '../load/load.js';
import type { CliIO } from './io.js';

export interface Workspace {
  root: string;
  config: ProjectConfig;
  files: SourceFile[];
  /** Files that could not be read, as findings (the rest are still checked). */
  readFindings: Finding[];
}

export async function openWorkspace(
  paths: readonly string[],
  configPath: string | undefined,
  io: CliIO,
): Promise<Workspace> {
  const root = await scanRoot(paths.length ? paths : ['.'], io.cwd);
  const config = await readProjectConfig(configPath, root, io.cwd);
  const read = await collectFiles(
    paths.length ? paths : [root],
    collectOptions(config, root, io.cwd),
  );
  return { root, config, files: read.files, readFindings: readFindingsOf(read) };
}

/** How the config selects files under `root` (`paths` globs, `ignore`, size limit). */
export function collectOptions(config: ProjectConfig, root: string, cwd: string): CollectOptions {
  return {
    cwd,
    root,
    paths: config.paths,
    ignore: config.ignore,
    maxFileBytes: config.limits.maxFileBytes,
  };
}

/** Files that exist but could not be read, as findings. */
export function readFindingsOf(read: ReadResult): Finding[] {
  return read.unreadable.map(({ path, reason }) => ({
    ruleId: 'yaml-syntax',
    severity: 'error',
    message: `cannot read file (${reason})`,
    file: path,
    line: 1,
    column: 1,
    docs: docsUrl('yaml-syntax'),
  }));
}

export function analyzeWorkspace(ws: Workspace): Analysis {
  const analysis = analyzeSources(ws.files, ws.config);
  if (ws.readFindings.length) analysis.findings.unshift(...ws.readFindings);
  return analysis;
}

export function exitCodeFor(findings: readonly Finding[], config: ProjectConfig): 0 | 1 {
  return failsAt(findings, config.failOn) ? 1 : 0;
}
