/**
 * `npm run bench`: every benchmark, each in fresh processes, figures printed. Speed and memory targets
 * are checked here by reading the figures, never in timed unit tests.
 *   npm run bench            all benchmarks
 *   npm run bench -- render  only the named ones
 */
import { renderBenchmark } from './render.js';

const BENCHMARKS: Record<string, () => Promise<string> | string> = {
  render: () => renderBenchmark(1000),
};

const wanted = process.argv.slice(2);
for (const name of wanted.length ? wanted : Object.keys(BENCHMARKS)) {
  const bench = BENCHMARKS[name];
  if (!bench) {
    console.error(`unknown benchmark "${name}"; have: ${Object.keys(BENCHMARKS).join(', ')}`);
    process.exitCode = 2;
    continue;
  }
  console.log(`== ${name}`);
  console.log(await bench());
  console.log('');
}
