/**
 * Lint benchmark (issue 3): analyze (load, schema, model, render) + lint (rules) against only parsing
 * the same YAML, on generated repositories of 100, 1,000 and 10,000 policies (3 rules x 3 destinations
 * each, bench/generate.ts). Targets: total <= 2x the parse baseline, and time per policy flat from 100
 * to 10,000 (linear growth).
 *   node dist/bench/lint.js [sizes, e.g. 100,1000]
 *
 * The baseline and analyze + lint each run in their own process per size: a heap that has just held
 * a 10,000-policy analysis slows any parsing done in it (the baseline measured beside it took 13 s
 * instead of 7), and peak RSS then belongs to the work alone. After a warm-up, each round starts with
 * a full GC; the medians count. Analyze and lint are shown apart, so a slow run says whether the
 * pipeline or the rules are to blame.
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

type Measurement = 'parse' | 'lint';

/** A clean repository: the generated policies do not trip registry-only-missing. */
const CONFIG = parseProjectConfig('mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n', 'bench');
const DEFAULT_SIZES = [100, 1000, 10_000];

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

function measure(what: Measurement, policies: number): Partial<Sample> {
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
    if (what === 'parse') {
      for (const t of texts) for (const doc of parseAllDocuments(t)) doc.toJS();
      if (round > 0) parse.push(performance.now() - t0); // round 0 warms up the JIT
      continue;
    }
    // In a function of its own, so this round's analysis is garbage when the next round starts (a
    // loop variable may stay reachable and would make the next round work beside a dead heap).
    const [t1, t2] = ((): [number, number] => {
      const analysis = analyzeSources(files, CONFIG);
      const analyzed = performance.now();
      findings = lint(analysis, CONFIG, RULES).findings.length;
      rendered = analysis.render.resources.length;
      return [analyzed, performance.now()];
    })();
    if (round === 0) continue;
    analyze.push(t1 - t0);
    rules.push(t2 - t1);
  }
  return what === 'parse'
    ? { megabytes: bytes / 1e6, parseMs: median(parse), rssMb: peakRssMb() }
    : {
        analyzeMs: median(analyze),
        lintMs: median(rules),
        findings,
        rendered,
        rssMb: peakRssMb(),
      };
}

function sample(policies: number): Sample {
  const self = fileURLToPath(import.meta.url);
  const run = (what: Measurement) =>
    inChild<Partial<Sample>>(self, ['--child', what, String(policies)]);
  const parse = run('parse');
  const linted = run('lint');
  return { ...parse, ...linted, policies } as Sample;
}

export function lintBenchmark(sizes = DEFAULT_SIZES): string {
  const samples = sizes.map(sample);
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
  console.log(JSON.stringify(measure(args[1] as Measurement, Number(args[2]))));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(lintBenchmark(args[0] ? args[0].split(',').map(Number) : DEFAULT_SIZES));
}
