/**
 * Access matrix and access changes on generated repositories (bench/generate.ts): how long a PR
 * comment's "Access changes" takes for N policies. Run: npm run build &&
 * node dist/bench/access.js [policies...]   (default 10 100 1000)
 */
import { analyzeSources } from '../src/analyze.js';
import { parseProjectConfig } from '../src/config/project-config.js';
import { accessMatrix, accessUniverse, compareAccess } from '../src/simulate/access.js';
import { generatePolicyRepo } from './generate.js';

const config = parseProjectConfig('mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n');
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);

function timed<T>(f: () => T): [T, number] {
  const start = performance.now();
  const value = f();
  return [value, performance.now() - start];
}

console.log('policies  sources  destinations  seen-cells  matrix-ms  compare-ms  changes  heap-MB');
for (const policies of sizes.length ? sizes : [10, 100, 1000]) {
  const repo = generatePolicyRepo(policies);
  const head = analyzeSources(repo.files, config);
  // The pull request removes the last policy.
  const base = analyzeSources(repo.files.slice(0, -1), config);
  const universe = accessUniverse(head);
  const [matrix, matrixMs] = timed(() => accessMatrix(head, universe));
  const [changes, compareMs] = timed(() => compareAccess(base, head));
  const heap = process.memoryUsage().heapUsed / 1024 / 1024;
  console.log(
    [
      String(policies).padStart(8),
      String(matrix.sources.length).padStart(7),
      String(matrix.destinations.length).padStart(12),
      String(matrix.cells.length).padStart(10),
      matrixMs.toFixed(0).padStart(9),
      compareMs.toFixed(0).padStart(10),
      String(changes.length).padStart(7),
      heap.toFixed(0).padStart(7),
    ].join('  '),
  );
}
