/**
 * Lint benchmark (issue 3): analyze (load, schema, model, render) + lint (rules) against only parsing
 * the same YAML, on generated repositories of 100, 1,000 and 10,000 policies (3 rules x 3 destinations
 * each, bench/generate.ts). Targets: total <= 2x the parse baseline, and time per policy flat from 100
 * to 10,000 (linear growth).
 *   node dist/bench/lint.js [sizes, e.g. 100,1000]
 *
 * Each size runs in its own process. After a warm-up, every round times the baseline and then
 * analyze + lint, each in a function of its own and after a full GC, so both see the same machine
 * (this one's speed drifts by a third within minutes) and neither works beside the other's heap. The
 * ratio is the median of the rounds' ratios; the times are medians too. Analyze and lint are shown
 * apart, so a slow run says whether the pipeline or the rules are to blame.
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
  /** Median of the rounds' (analyze + lint) / parse. */
  ratio: number;
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
  const rounds = policies >= 10_000 ? 3 : 7;
  const parse: number[] = [];
  const analyze: number[] = [];
  const rules: number[] = [];
  const ratios: number[] = [];
  let findings = 0;
  let rendered = 0;
  const parseAll = (): number => {
    const t0 = performance.now();
    for (const t of texts) for (const doc of parseAllDocuments(t)) doc.toJS();
    return performance.now() - t0;
  };
  // Nothing of a round outlives its function: a loop variable may stay reachable and would make the
  // next round work beside a dead heap.
  const analyzeAndLint = (): [number, number] => {
    const t0 = performance.now();
    const analysis = analyzeSources(files, CONFIG);
    const t1 = performance.now();
    findings = lint(analysis, CONFIG, RULES).findings.length;
    rendered = analysis.render.resources.length;
    return [t1 - t0, performance.now() - t1];
  };
  for (let round = 0; round <= rounds; round++) {
    gc();
    const p = parseAll();
    gc();
    const [a, l] = analyzeAndLint();
    if (round === 0) continue; // warm-up: JIT, caches
    parse.push(p);
    analyze.push(a);
    rules.push(l);
    ratios.push((a + l) / p);
  }
  return {
    policies,
    megabytes: bytes / 1e6,
    parseMs: median(parse),
    analyzeMs: median(analyze),
    lintMs: median(rules),
    ratio: median(ratios),
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
        s.ratio.toFixed(2),
        (perPolicy[i]! * 1000).toFixed(0),
        s.findings,
        s.rendered,
        s.rssMb.toFixed(0),
      ]),
    ),
    `worst ratio total/parse: ${Math.max(...samples.map((s) => s.ratio)).toFixed(2)} (target <= 2)`,
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
