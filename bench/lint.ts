/**
 * Lint benchmark: how analyze + lint (load, schema, model, render, rules) compares with only parsing the
 * same YAML, on generated policy repositories of 100, 1,000 and 10,000 policies (bench/generate.ts).
 * Target: analyze + lint <= 2x the parse baseline, and time per policy flat from 100 to 10,000.
 *
 *   node dist/bench/lint.js [--sizes 100,1000,10000] [--runs 5]
 *
 * Each size runs in its own process, so its peak RSS is its own and the heap left by one size does not
 * slow the next. After a warm-up, `runs` rounds each time the baseline and then analyze + lint (so
 * both see the same machine load); each phase's fastest round counts. `analyze` and `lint` are shown
 * apart, so a slow run says whether the pipeline stages or the rules are to blame.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { RULES } from '../rules/index.js';
import { analyzeSources } from '../src/analyze.js';
import { parseProjectConfig } from '../src/config/project-config.js';
import { lint } from '../src/lint/engine.js';
import type { SourceFile } from '../src/load/load.js';
import { generatePolicyRepo } from './generate.js';

interface SizeResult {
  policies: number;
  files: number;
  megabytes: number;
  parseMs: number;
  /** Load, schema, model and render (analyzeSources). */
  analyzeMs: number;
  /** The lint engine and rules alone. */
  rulesMs: number;
  /** analyzeMs + rulesMs of the fastest run. */
  lintMs: number;
  findings: number;
  rendered: number;
  peakRssMb: number;
}

const CONFIG = parseProjectConfig('mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n', 'bench');

function text(f: SourceFile): string {
  return typeof f.content === 'string' ? f.content : Buffer.from(f.content).toString('utf8');
}

/** The baseline: what any YAML-reading tool has to do at least. */
function parseOnly(files: readonly SourceFile[]): number {
  let documents = 0;
  for (const f of files) {
    for (const doc of parseAllDocuments(text(f))) {
      doc.toJS();
      documents++;
    }
  }
  return documents;
}

/**
 * One warm-up, then `runs` rounds; each round times the parse baseline and then analyze + lint, so
 * both see the same machine load. Each phase's fastest round counts.
 */
function measure(policies: number, runs: number): SizeResult {
  const repo = generatePolicyRepo(policies);
  let findings = 0;
  let rendered = 0;
  let parseMs = Infinity;
  let fastest = { analyzeMs: Infinity, rulesMs: Infinity };
  for (let round = 0; round <= runs; round++) {
    const t0 = performance.now();
    parseOnly(repo.files);
    const t1 = performance.now();
    const analysis = analyzeSources(repo.files, CONFIG);
    const t2 = performance.now();
    findings = lint(analysis, CONFIG, RULES).findings.length;
    const t3 = performance.now();
    rendered = analysis.render.resources.length;
    if (round === 0) continue; // warm-up: JIT, caches
    parseMs = Math.min(parseMs, t1 - t0);
    if (t3 - t1 < fastest.analyzeMs + fastest.rulesMs)
      fastest = { analyzeMs: t2 - t1, rulesMs: t3 - t2 };
  }
  return {
    policies,
    files: repo.files.length,
    megabytes: repo.bytes / 1e6,
    parseMs,
    ...fastest,
    lintMs: fastest.analyzeMs + fastest.rulesMs,
    findings,
    rendered,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

function table(results: readonly SizeResult[]): string {
  const rows = [
    [
      'policies',
      'files',
      'MB',
      'parse ms',
      'analyze ms',
      'lint ms',
      'total ms',
      'ratio',
      'us/policy',
      'findings',
      'rendered',
      'peak RSS MB',
    ],
    ...results.map((r) => [
      String(r.policies),
      String(r.files),
      r.megabytes.toFixed(1),
      r.parseMs.toFixed(0),
      r.analyzeMs.toFixed(0),
      r.rulesMs.toFixed(0),
      r.lintMs.toFixed(0),
      (r.lintMs / r.parseMs).toFixed(2),
      ((r.lintMs * 1000) / r.policies).toFixed(0),
      String(r.findings),
      String(r.rendered),
      r.peakRssMb.toFixed(0),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => cell.padStart(widths[c]!)).join('  ')).join('\n');
}

const one = arg('size');
if (one) {
  // Child: one size, result as JSON on stdout.
  process.stdout.write(JSON.stringify(measure(Number(one), Number(arg('runs') ?? 1))));
} else {
  const sizes = (arg('sizes') ?? '100,1000,10000').split(',').map(Number);
  const results: SizeResult[] = [];
  for (const size of sizes) {
    const runs = arg('runs') ?? (size >= 10_000 ? '1' : '5');
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--size', String(size), '--runs', runs],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      },
    );
    if (child.status !== 0) {
      process.stderr.write(child.stderr);
      process.exit(1);
    }
    results.push(JSON.parse(child.stdout) as SizeResult);
  }
  console.log(
    'egress-lint lint benchmark: analyze (load, schema, model, render) + lint (rules) vs YAML parse only',
  );
  console.log(
    `(generated repositories: N policies x 3 rules x 3 destinations; Node ${process.version})\n`,
  );
  console.log(table(results));
  const perPolicy = results.map((r) => r.lintMs / r.policies);
  const growth = perPolicy.length > 1 ? perPolicy[perPolicy.length - 1]! / perPolicy[0]! : 1;
  const worst = Math.max(...results.map((r) => r.lintMs / r.parseMs));
  console.log(
    `\nworst ratio ${worst.toFixed(2)} (target <= 2); time per policy, largest vs smallest: x${growth.toFixed(2)} (linear: ~1)`,
  );
}
