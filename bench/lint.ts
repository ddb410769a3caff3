/**
 * Lint benchmark (issue 3): analyze (load, schema, model, render) + lint (rules) against only parsing
 * the same YAML, on generated repositories of 100, 1,000 and 10,000 policies (3 rules x 3 destinations
 * each, bench/generate.ts). Targets: total <= 2x the parse baseline, and time per policy flat from 100
 * to 10,000 (linear growth).
 *   node dist/bench/lint.js [sizes, e.g. 100,1000]
 *
 * Each size runs in its own process, so its peak RSS is its own and the heap one size leaves behind
 * does not slow the next. After a warm-up, every round times the baseline and then analyze + lint, with
 * a full GC before each, so both see the same machine load and start from a clean heap; the medians
 * count. Analyze and lint are shown apart, so a slow run says whether the pipeline or the rules are to
 * blame.
 */
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { RULES } from '../rules/index.js';
import { analyzeSources } from '../src/analyze.js';
import { parseProjectConfig } from '../src/config/project-config.js';
import { lint } from '../src/lint/engine.js';
import { generatePolicyRepo } from './generate.js';
import { inChild, median, peakRssMb, table } from './measure.js';

interface Sample {
  policies: number;
  megabytes: number;
  parseMs: number;
  analyzeMs: number;
  lintMs: number;
  findings: number;
  rendered: number;
  rssMb: number;
}

/** A clean repository: the generated policies do not trip registry-only-missing. */
const CONFIG = parseProjectConfig('mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n', 'bench');
const DEFAULT_SIZES = [100, 1000, 10_000];

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

function measure(policies: number): Sample {
  const { files, bytes } = generatePolicyRepo(policies);
  const texts = files.map((f) => f.content as string);
  const rounds = policies >= 10_000 ? 2 : 5;
  const parse: number[] = [];
  const analyze: number[] = [];
  const rules: number[] = [];
  let findings = 0;
  let rendered = 0;
  for (let round = 0; round <= rounds; round++) {
    gc();
    const t0 = performance.now();
    for (const t of texts) for (const doc of parseAllDocuments(t)) doc.toJS();
    const t1 = performance.now();
    gc();
    const t2 = performance.now();
    const analysis = analyzeSources(files, CONFIG);
    const t3 = performance.now();
    findings = lint(analysis, CONFIG, RULES).findings.length;
    const t4 = performance.now();
    rendered = analysis.render.resources.length;
    if (round === 0) continue; // warm-up: JIT, caches
    parse.push(t1 - t0);
    analyze.push(t3 - t2);
    rules.push(t4 - t3);
  }
  return {
    policies,
    megabytes: bytes / 1e6,
    parseMs: median(parse),
    analyzeMs: median(analyze),
    lintMs: median(rules),
    findings,
    rendered,
    rssMb: peakRssMb(),
  };
}

export function lintBenchmark(sizes = DEFAULT_SIZES): string {
  const self = fileURLToPath(import.meta.url);
  const samples = sizes.map((n) => inChild<Sample>(self, ['--child', String(n)]));
  const total = (s: Sample): number => s.analyzeMs + s.lintMs;
  const perPolicy = samples.map((s) => total(s) / s.policies);
  return [
    'lint: analyze (load, schema, model, render) + lint (rules) vs parsing the YAML only; medians',
    table(
      [
        'policies',
        'MB',
        'parse ms',
        'analyze ms',
        'lint ms',
        'total ms',
        'ratio',
        'µs/policy',
        'findings',
        'rendered',
        'peak RSS MiB',
      ],
      samples.map((s, i) => [
        s.policies,
        s.megabytes.toFixed(1),
        s.parseMs.toFixed(0),
        s.analyzeMs.toFixed(0),
        s.lintMs.toFixed(0),
        total(s).toFixed(0),
        (total(s) / s.parseMs).toFixed(2),
        (perPolicy[i]! * 1000).toFixed(0),
        s.findings,
        s.rendered,
        s.rssMb.toFixed(0),
      ]),
    ),
    `worst ratio total/parse: ${Math.max(...samples.map((s) => total(s) / s.parseMs)).toFixed(2)} (target <= 2)`,
    `time per policy from one size to the next (linear growth: ~1, below 1 while fixed costs fade): ${samples
      .slice(1)
      .map(
        (s, i) =>
          `${samples[i]!.policies} -> ${s.policies}: x${(perPolicy[i + 1]! / perPolicy[i]!).toFixed(2)}`,
      )
      .join(', ')}`,
  ].join('\n');
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  console.log(JSON.stringify(measure(Number(args[1]))));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(lintBenchmark(args[0] ? args[0].split(',').map(Number) : DEFAULT_SIZES));
}
