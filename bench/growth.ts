/**
 * Growth benchmark (issue 15): each dimension of a repository grown alone from 1x to 10x
 * (bench/scale-repo.ts), and what 10x the input costs in time: parsing the YAML (the yardstick, which
 * grows with the bytes), lint + render (analyze, the rules, the rendered YAML), diff (a pull request
 * adding one file: resource diff and its comment) and access (the access matrices of base and head,
 * and their changes). Target: at most 12x the time for 10x the input, in every dimension and step.
 * At 10,000 gateways also lint + render against parsing the same YAML (target: within 2.5x) and the
 * peak RSS of a process that only lints and renders them (target: under 1 GB).
 *   node dist/bench/growth.js [dimension...] [--dimension a,b] [--rounds N] [--factor N]
 * Dimensions: see DIMENSIONS (all unless named). One round unless told (a 10x round of the gateways
 * is minutes of CPU); `--factor 3` for a quick look at 1x -> 3x while developing. Each row is printed
 * as soon as its dimension is measured, and each step's time goes to stderr as it ends.
 *
 * Times are CPU time (user + system), not wall time: the machine's cores are shared, and wall time
 * counts the other processes' turns. Each dimension runs in its own process. Speed still drifts, so
 * the sizes alternate within one process: every round times 1x and then 10x, each step after a full
 * GC, and a growth factor is the median of the rounds' ratios. A round holds what `egress-lint diff`
 * holds at each step, no more (the base is dropped before the head's access matrix, as the CLI does)
 * and nothing of a round outlives it.
 */
import { openSync, writeSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { RULES } from '../rules/index.js';
import { analyzeSources } from '../src/analyze.js';
import { parseProjectConfig } from '../src/config/project-config.js';
import { compareRevisions, type StepRunner } from '../src/diff/compare.js';
import { lint } from '../src/lint/engine.js';
import type { SourceFile } from '../src/load/load.js';
import { writeResourcesYaml } from '../src/render/emit.js';
import { renderMarkdown } from '../src/report/markdown.js';
import type { AccessChanges } from '../src/report/diff-report.js';
import { accessChangesReport, type AccessChange } from '../src/simulate/access.js';
import { inChild, median, peakRssMb, table } from './measure.js';
import { DIMENSIONS, generateScaleRepo } from './scale-repo.js';

const CONFIG = parseProjectConfig('mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n', 'bench');
const FACTOR = 10;
const STEPS = ['parse', 'lint', 'diff', 'access'] as const;
type Step = (typeof STEPS)[number];
type Times = Record<Step, number>;

interface Size {
  files: readonly SourceFile[];
  texts: readonly string[];
  /** The pull request's base: every file but the last. */
  baseFiles: readonly SourceFile[];
}

/** What one process reports for a dimension: medians per size and step, and the growth per step. */
interface GrowthSample {
  dimension: string;
  counts: [number, number];
  megabytes: [number, number];
  small: Times;
  large: Times;
  growth: Times;
  /** Median of the rounds' (lint + render) / parse at 10x. */
  lintToParse: number;
  findings: [number, number];
  rendered: [number, number];
  changes: [number, number];
}

/** The rendered YAML goes where `egress-lint render > file` would send it, written as the CLI writes it. */
const devNull = openSync('/dev/null', 'w');
const toDevNull = (text: string): void => void writeSync(devNull, text);

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

function sizeOf(files: SourceFile[]): Size {
  return {
    files,
    texts: files.map((f) => f.content as string),
    baseFiles: files.slice(0, -1),
  };
}

/**
 * CPU time (user + system, every thread of the process: GC included) of `fn` in ms, after a full GC,
 * reported on stderr as it ends (a 10x step can take minutes on a shared machine). Wall time would
 * count the other processes sharing the machine's cores.
 */
function timed<T>(label: string, fn: () => T): [T, number] {
  gc();
  const t0 = process.cpuUsage();
  const value = fn();
  const { user, system } = process.cpuUsage(t0);
  const ms = (user + system) / 1000;
  process.stderr.write(`  ${label}: ${ms.toFixed(0)} ms CPU\n`);
  return [value, ms];
}

interface RoundOut {
  times: Times;
  findings: number;
  rendered: number;
  changes: number;
}

/**
 * One round on one size, holding what `egress-lint diff` holds: the head analysed and linted, then
 * base and head compared as the CLI compares them (`compareRevisions`, which drops the base before the
 * head's access matrix), then the comment. The rendered YAML is written as `egress-lint render` would.
 */
function round(size: Size, label: string): RoundOut {
  const [, parse] = timed(`${label} parse`, () => {
    for (const t of size.texts) for (const doc of parseAllDocuments(t)) doc.toJS();
  });
  const [head, lintMs] = timed(`${label} lint + render`, () => {
    const analysis = analyzeSources(size.files, CONFIG);
    const { findings } = lint(analysis, CONFIG, RULES);
    writeResourcesYaml(analysis.render.resources, toDevNull);
    return { analysis, findings };
  });
  const steps = stepTimer(label);
  const compared = compareRevisions(
    head.analysis,
    () => analyzeSources(size.baseFiles, CONFIG),
    steps.run,
  );
  const [, comment] = timed(`${label} diff comment`, () =>
    renderMarkdown({
      diff: compared.resources,
      findings: head.findings,
      failOn: 'error',
      ...withAccess(compared.access),
    }),
  );
  return {
    times: { parse, lint: lintMs, diff: steps.times.diff + comment, access: steps.times.access },
    findings: head.findings.length,
    rendered: head.analysis.render.resources.length,
    changes: compared.resources.changes.length,
  };
}

function withAccess(changes: AccessChange[]): { access?: AccessChanges } {
  const access = accessChangesReport(changes);
  return access ? { access } : {};
}

/**
 * Times compareRevisions' steps in CPU time, each summed over its parts. A full GC runs before a
 * step's first part only, as `timed` does before a step: the base dropped between the two parts of
 * `access` is collected inside the step, as it is in the CLI.
 */
function stepTimer(label: string): { run: StepRunner; times: Record<'diff' | 'access', number> } {
  const times = { diff: 0, access: 0 };
  const started = new Set<string>();
  const run: StepRunner = (step, work) => {
    if (!started.has(step)) gc();
    started.add(step);
    // The heap a part starts with: the scavenges' cost grows with it (docs/lint.md, eighth round).
    const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
    const t0 = process.cpuUsage();
    const value = work();
    const { user, system } = process.cpuUsage(t0);
    const ms = (user + system) / 1000;
    times[step] += ms;
    process.stderr.write(
      `  ${label} ${step}: ${times[step].toFixed(0)} ms CPU so far (this part ${ms.toFixed(0)} ms, from a heap of ${heapMb.toFixed(0)} MiB)\n`,
    );
    return value;
  };
  return { run, times };
}

function medians(outs: RoundOut[]): Times {
  const t = {} as Times;
  for (const s of STEPS) t[s] = median(outs.map((o) => o.times[s]));
  return t;
}

function measureGrowth(name: string, rounds: number, factor: number): GrowthSample {
  const dim = DIMENSIONS[name]!;
  const shapes = [dim.base, dim.grow(factor)] as const;
  const repos = shapes.map(generateScaleRepo);
  const [small, large] = repos.map((r) => sizeOf(r.files)) as [Size, Size];
  round(small, `${name} warm-up`); // JIT, module caches
  const outs: [RoundOut[], RoundOut[]] = [[], []];
  for (let i = 0; i < rounds; i++) {
    outs[0].push(round(small, `${name} 1x round ${i + 1}`));
    outs[1].push(round(large, `${name} ${factor}x round ${i + 1}`));
  }
  const growth = {} as Times;
  for (const s of STEPS)
    growth[s] = median(outs[1].map((o, i) => o.times[s] / outs[0][i]!.times[s]));
  const last = (k: 'findings' | 'rendered' | 'changes'): [number, number] => [
    outs[0][0]![k],
    outs[1][0]![k],
  ];
  return {
    dimension: name,
    counts: [dim.count(shapes[0]), dim.count(shapes[1])],
    megabytes: [repos[0]!.bytes / 1e6, repos[1]!.bytes / 1e6],
    small: medians(outs[0]),
    large: medians(outs[1]),
    growth,
    lintToParse: median(outs[1].map((o) => o.times.lint / o.times.parse)),
    findings: last('findings'),
    rendered: last('rendered'),
    changes: last('changes'),
  };
}

/** Peak RSS of a process that lints and renders the 10x repository once, as the CLI would. */
function measurePeakRss(name: string, factor: number): { rssMb: number } {
  const dim = DIMENSIONS[name]!;
  let files: SourceFile[] | undefined = generateScaleRepo(dim.grow(factor)).files;
  const analysis = analyzeSources(files, CONFIG);
  files = undefined;
  lint(analysis, CONFIG, RULES);
  writeResourcesYaml(analysis.render.resources, toDevNull);
  return { rssMb: peakRssMb() };
}

const HEADERS = [
  'dimension',
  'count',
  'MB',
  '1x parse/lint/diff/access',
  'Nx parse/lint/diff/access',
  'parse',
  'lint',
  'diff',
  'access',
  'lint/parse Nx',
  'peak RSS Nx MiB',
];

/** One table row per dimension, from its child's sample and peak RSS. */
function row(s: GrowthSample, rssMb: number): string[] {
  const ms = (t: Times): string => STEPS.map((k) => t[k].toFixed(0)).join(' / ');
  return [
    s.dimension,
    `${s.counts[0]} -> ${s.counts[1]}`,
    `${s.megabytes[0].toFixed(1)} -> ${s.megabytes[1].toFixed(1)}`,
    ms(s.small),
    ms(s.large),
    ...STEPS.map((k) => `x${s.growth[k].toFixed(1)}`),
    s.lintToParse.toFixed(2),
    rssMb.toFixed(0),
  ];
}

/**
 * Measures each dimension in a process of its own and prints its row as soon as it is measured (a
 * 10x round of a dimension is minutes of CPU on a shared machine), then the table and the notes.
 */
export function growthBenchmark(
  names: string[],
  options: { rounds: number; factor: number },
  print: (line: string) => void = console.log,
): void {
  const self = fileURLToPath(import.meta.url);
  const { rounds, factor } = options;
  const headers = HEADERS.map((h) => h.replace('Nx', `${factor}x`));
  const rows: string[][] = [];
  const notes: string[] = [];
  let worst = 0;
  print(
    `growth: each dimension alone from 1x to ${factor}x; CPU times (user + sys) in ms (medians of ${rounds} round${rounds === 1 ? '' : 's'}), growth = median of the rounds' ${factor}x/1x; load average ${loadAverage()}`,
  );
  print(headers.join(' | '));
  for (const name of names) {
    const args = [String(rounds), String(factor)];
    const s = inChild<GrowthSample>(self, ['--child', name, ...args], true);
    const { rssMb } = inChild<{ rssMb: number }>(self, ['--rss', name, String(factor)]);
    rows.push(row(s, rssMb));
    print(`${rows[rows.length - 1]!.join(' | ')}   (load average ${loadAverage()})`);
    worst = Math.max(worst, ...STEPS.filter((k) => k !== 'parse').map((k) => s.growth[k]));
    notes.push(
      `  ${name}: ${DIMENSIONS[name]!.label}; findings ${s.findings.join(' -> ')}, rendered ${s.rendered.join(' -> ')}, diff changes ${s.changes.join(' -> ')}`,
    );
  }
  const target = (factor * 1.2).toFixed(1);
  print('');
  print(table(headers, rows));
  for (const n of notes) print(n);
  print(
    `worst growth of lint, diff, access: x${worst.toFixed(1)} for x${factor} input (target <= ${target})`,
  );
  print('targets at 10,000 gateways: lint/parse <= 2.5, peak RSS < 1024 MiB (the gateways row)');
}

/** The 1, 5 and 15 minute load averages: how busy the shared machine was while measuring. */
function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

/** `[dimension...] [--rounds N] [--factor N]`: one round and 10x unless told. */
export function parseGrowthArgs(args: readonly string[]): {
  names: string[];
  rounds: number;
  factor: number;
} {
  const options = { rounds: 1, factor: FACTOR };
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--rounds' || arg === '--factor') {
      const n = Number(args[++i]);
      if (!Number.isInteger(n) || n < 1 || (arg === '--factor' && n < 2))
        throw new Error(
          `${arg} needs a whole number${arg === '--factor' ? ' of 2 or more' : ' of 1 or more'}, got ${String(args[i])}`,
        );
      options[arg === '--rounds' ? 'rounds' : 'factor'] = n;
    } else if (arg === '--dimension') names.push(...String(args[++i] ?? '').split(','));
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else names.push(arg);
  }
  const unknown = names.filter((n) => !(n in DIMENSIONS));
  if (unknown.length > 0)
    throw new Error(
      `unknown dimension ${unknown.join(', ')}; have: ${Object.keys(DIMENSIONS).join(', ')}`,
    );
  return { names: names.length ? names : Object.keys(DIMENSIONS), ...options };
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  console.log(JSON.stringify(measureGrowth(args[1]!, Number(args[2]), Number(args[3]))));
} else if (args[0] === '--rss') {
  console.log(JSON.stringify(measurePeakRss(args[1]!, Number(args[2]))));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const { names, ...options } = parseGrowthArgs(args);
    growthBenchmark(names, options);
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 2;
  }
}
