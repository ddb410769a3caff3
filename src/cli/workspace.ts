/** Shared by every command: find the root and config, read the files, run the core pipeline. */
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { join, relative, resolve, isAbsolute } from 'node:path';
import { analyzeSources, type Analysis } from '../analyze.js';
import { AnalysisMemo } from '../analysis-memo.js';
import { CONFIG_FILE, type ProjectConfig } from '../config/project-config.js';
import {
  collectFiles,
  displayPath,
  nearMissConfigFiles,
  readProjectConfig,
  scanRoot,
  UsageError,
  type CollectOptions,
  type ReadResult,
} from '../io/files.js';
import { docsUrl, failsAt, summarize, type Finding } from '../model/finding.js';
import type { LintResult } from '../lint/engine.js';
import type { SourceFile } from '../load/load.js';
import type { CliIO } from './io.js';

/** The path argument that means standard input, and how findings name it. */
export const STDIN_ARG = '-';
export const STDIN_NAME = '<stdin>';

export interface Workspace {
  root: string;
  config: ProjectConfig;
  files: SourceFile[];
  /** Files that could not be read, as findings (the rest are still checked). */
  readFindings: Finding[];
  /**
   * When only some files were named: their paths. The rest of the project is read too, so that
   * cross-file rules (gateway-not-found, port checks...) see the gateways and mesh settings it
   * declares, but findings are reported for these files only.
   */
  focus?: ReadonlySet<string>;
}

export interface WorkspaceOptions {
  /** An empty selection is fine (else a usage error: a typo in `paths` must not pass CI silently). */
  allowEmpty?: boolean;
  /** Named files are checked in the context of the rest of the project (lint). */
  context?: boolean;
  /** `--fail-on`: overrides the config's failOn. */
  failOn?: FailOn;
}

export type FailOn = ProjectConfig['failOn'];
export const FAIL_ON_CHOICES: readonly FailOn[] = ['error', 'warning', 'info', 'never'];

/** The options every checking command shares: `--fail-on` and `--allow-empty`. */
export function addCheckOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit 1 on findings at or above this severity (overrides failOn in the config)',
      ).choices(FAIL_ON_CHOICES),
    )
    .option(
      '--allow-empty',
      'exit 0 when no YAML file is selected (default: a usage error, exit 2)',
    );
}

export function withFailOn(config: ProjectConfig, failOn: FailOn | undefined): ProjectConfig {
  return failOn ? { ...config, failOn } : config;
}

export async function openWorkspace(
  paths: readonly string[],
  configPath: string | undefined,
  io: CliIO,
  options: WorkspaceOptions = {},
): Promise<Workspace> {
  const fsPaths = paths.filter((p) => p !== STDIN_ARG);
  const fromStdin = fsPaths.length < paths.length;
  const root = await scanRoot(fsPaths.length || fromStdin ? fsPaths : ['.'], io.cwd);
  const config = withFailOn(await readProjectConfig(configPath, root, io.cwd), options.failOn);
  if (!configPath) await warnNearMissConfigs(root, io);
  const collect = collectOptions(config, root, io.cwd);
  const read: ReadResult =
    fsPaths.length || !fromStdin
      ? await collectFiles(fsPaths.length ? fsPaths : [root], collect)
      : { files: [], unreadable: [] };
  if (fromStdin) read.files.unshift(await readStdinSource(io, config.limits.maxFileBytes));
  if (read.files.length === 0 && read.unreadable.length === 0 && !options.allowEmpty)
    throw new UsageError(noFilesMessage(fsPaths, config));
  const ws: Workspace = { root, config, files: read.files, readFindings: readFindingsOf(read) };
  return options.context && !fromStdin && isPartial(fsPaths, root, io.cwd)
    ? withProjectContext(ws, collect)
    : ws;
}

/** Standard input as one file, limited like files on disk. */
export async function readStdinSource(io: CliIO, maxBytes: number): Promise<SourceFile> {
  let content: Uint8Array;
  try {
    content = await io.readStdin();
  } catch (e) {
    throw new UsageError(`cannot read standard input: ${(e as Error).message}`);
  }
  if (content.length > maxBytes)
    return { path: STDIN_NAME, content: new Uint8Array(0), size: content.length };
  return { path: STDIN_NAME, content };
}

async function warnNearMissConfigs(root: string, io: CliIO): Promise<void> {
  for (const name of await nearMissConfigFiles(root)) {
    io.stderr(
      `egress-lint: warning: ${displayPath(join(root, name), io.cwd)} is not read; the config file is ${CONFIG_FILE} (the GitHub App reads only that name), so rename it\n`,
    );
  }
}

function noFilesMessage(paths: readonly string[], config: ProjectConfig): string {
  const where = paths.length ? paths.join(' ') : '.';
  const selection = config.paths.length
    ? ` with paths ${JSON.stringify(config.paths)} from ${config.file}`
    : '';
  const ignored = config.ignore.length ? ` and ignore ${JSON.stringify(config.ignore)}` : '';
  return `no YAML files to check under ${where}${selection}${ignored}; check the paths (or pass --allow-empty if nothing to check is fine)`;
}

/** Some files or folders were named, all inside a project root (it has a config file or is a git work tree). */
function isPartial(paths: readonly string[], root: string, cwd: string): boolean {
  if (paths.length === 0) return false;
  if (!existsSync(join(root, CONFIG_FILE)) && !existsSync(join(root, '.git'))) return false;
  return paths.every((p) => {
    const rel = relative(root, resolve(cwd, p));
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  });
}

async function withProjectContext(ws: Workspace, collect: CollectOptions): Promise<Workspace> {
  const focus = new Set([...ws.files.map((f) => f.path), ...ws.readFindings.map((f) => f.file)]);
  const project = await collectFiles([ws.root], collect);
  const context = project.files.filter((f) => !focus.has(f.path));
  return { ...ws, files: [...ws.files, ...context], focus };
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

/**
 * Small inputs analysed in this process, by content (see analysis-memo.ts): the two sides of a diff
 * that hold the same files are analysed once, and so is an input that `run` is handed again. Inputs
 * of up to 256 KiB, 2 MiB of them at most: what that holds (about 120 MB at worst) is small beside
 * the analysis of an input too large to keep.
 */
const ANALYSES = new AnalysisMemo({
  maxSourceBytes: 256 * 1024,
  maxTotalSourceBytes: 2 * 1024 * 1024,
  maxEntries: 32,
});

export function analyzeWorkspace(ws: Workspace): Analysis {
  return ANALYSES.analysis(
    ws.files,
    ws.config,
    () => {
      const analysis = analyzeSources(ws.files, ws.config);
      if (ws.readFindings.length) analysis.findings.unshift(...ws.readFindings);
      return analysis;
    },
    ws.readFindings,
  );
}

/** With a focus, only the named files' findings count (their context was read to check them). */
export function focusResult(result: LintResult, ws: Workspace): LintResult {
  const { focus } = ws;
  if (!focus) return result;
  const findings = result.findings.filter((f) => focus.has(f.file));
  return {
    ...result,
    findings,
    summary: { ...result.summary, ...summarize(findings), files: focus.size },
  };
}

export function exitCodeFor(findings: readonly Finding[], config: ProjectConfig): 0 | 1 {
  return failsAt(findings, config.failOn) ? 1 : 0;
}
