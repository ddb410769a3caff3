/**
 * `npm run bench`: every benchmark in its own process (so each reports its own peak memory), figures
 * printed. Speed and memory targets are checked here by reading the figures, never in timed unit tests.
 *   npm run bench            all benchmarks
 *   npm run bench -- render  only the named ones
 *   npm run bench -- growth:gateways,authz   arguments after a colon go to the benchmark
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Name -> script (in dist/bench) and a one-line description of what it measures. */
const BENCHMARKS: Record<string, string> = {
  render: 'render 1,000 policies (3 rules x 3 destinations): wall time, peak RSS, ratio to parsing',
  lint: 'lint + render at 100 / 1,000 / 10,000 policies: ratio to parsing, growth per policy',
  diff: 'diff + PR comment over generated repositories: a typical PR and everything added',
  access: 'simulator: access matrix and access changes at 10 / 100 / 1,000 policies',
  growth:
    'each dimension from 1x to 10x alone (gateways, destinations, from namespaces, hand-written, authz): growth factors, ratio to parsing and peak RSS at 10,000 gateways',
  app: 'GitHub App: 100 pull request events of a 200-file repository against the local API double',
};

const wanted = process.argv.slice(2);
for (const wish of wanted.length ? wanted : Object.keys(BENCHMARKS)) {
  const [name = '', args] = wish.split(/:(.*)/s);
  const script = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  if (!BENCHMARKS[name] || !existsSync(script)) {
    console.error(
      `unknown benchmark "${name}"; have: ${Object.keys(BENCHMARKS)
        .filter((n) => existsSync(fileURLToPath(new URL(`./${n}.js`, import.meta.url))))
        .join(', ')}`,
    );
    process.exitCode = 2;
    continue;
  }
  console.log(`== ${name}: ${BENCHMARKS[name]}`);
  const r = spawnSync(process.execPath, ['--expose-gc', script, ...(args ? args.split(',') : [])], {
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exitCode = 1;
  console.log('');
}
