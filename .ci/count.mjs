// Prints the one line CI reads, "N passed, N failed", and exits 1 if anything failed:
//   node .ci/count.mjs --steps <steps.txt> <vitest.json> <exit-status> [<vitest.json> <exit-status>...]
// Each vitest JSON report adds its tests; a run that produced no report (the build in global setup
// failed, say) or exited non-zero with nothing failed counts as one failure rather than an empty
// success. Each `PASS`/`FAIL` line of the steps file (the smoke test) adds one.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
let passed = 0;
let failed = 0;
if (args[0] === '--steps') {
  const lines = readText(args[1]).split('\n');
  passed += lines.filter((l) => l.startsWith('PASS ')).length;
  failed += lines.filter((l) => l.startsWith('FAIL ')).length;
  args.splice(0, 2);
}
for (let i = 0; i < args.length; i += 2) {
  const [file, status] = [args[i], args[i + 1]];
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    const runFailed = (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
    passed += report.numPassedTests ?? 0;
    failed += runFailed === 0 && status !== '0' ? 1 : runFailed;
  } catch {
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;

function readText(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return 'FAIL no steps file\n';
  }
}
