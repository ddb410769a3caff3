/**
 * Render benchmark (issue 2): a generated repository of 1,000 policies (3 rules x 3 destinations
 * each). Prints wall time, peak RSS, and the ratio to just parsing the same YAML. Each measurement runs
 * in its own process so peak RSS belongs to that work alone. Target: ratio <= 2.
 *   node dist/bench/render.js [policies]
 */
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { analyzeSources } from '../src/analyze.js';
import { DEFAULT_CONFIG } from '../src/config/project-config.js';
import { resourcesToYaml } from '../src/render/emit.js';
import { generatePolicyRepo } from './generate.js';
import { inChild, peakRssMb, table, time } from './measure.js';

interface Sample {
  ms: number;
  rssMb: number;
  resources?: number;
  outputBytes?: number;
}

function measure(mode: 'parse' | 'render', policies: number): Sample {
  const { files } = generatePolicyRepo(policies);
  const texts = files.map((f) => f.content as string);
  if (mode === 'parse') {
    const ms = time(() => texts.map((t) => parseAllDocuments(t).map((d) => d.toJS())));
    return { ms, rssMb: peakRssMb() };
  }
  let resources = 0;
  let outputBytes = 0;
  const ms = time(() => {
    const analysis = analyzeSources(files, DEFAULT_CONFIG);
    const yaml = resourcesToYaml(analysis.render.resources);
    resources = analysis.render.resources.length;
    outputBytes = yaml.length;
  });
  return { ms, rssMb: peakRssMb(), resources, outputBytes };
}

export function renderBenchmark(policies = 1000): string {
  const self = fileURLToPath(import.meta.url);
  const parse = inChild<Sample>(self, ['--child', 'parse', String(policies)]);
  const render = inChild<Sample>(self, ['--child', 'render', String(policies)]);
  const { bytes } = generatePolicyRepo(policies);
  return [
    `render: ${policies} policies x 3 rules x 3 destinations (${(bytes / 1024).toFixed(0)} KiB of YAML -> ${render.resources} resources, ${((render.outputBytes ?? 0) / 1024).toFixed(0)} KiB rendered)`,
    table(
      ['step', 'wall ms (median of 5)', 'peak RSS MiB'],
      [
        ['parse YAML only (baseline)', parse.ms.toFixed(1), parse.rssMb.toFixed(0)],
        ['load + validate + render + write YAML', render.ms.toFixed(1), render.rssMb.toFixed(0)],
      ],
    ),
    `ratio render/parse: ${(render.ms / parse.ms).toFixed(2)} (target <= 2)`,
  ].join('\n');
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  console.log(JSON.stringify(measure(args[1] as 'parse' | 'render', Number(args[2]))));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(renderBenchmark(args[0] ? Number(args[0]) : 1000));
}
