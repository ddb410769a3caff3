// Prints "N passed, N failed" from vitest's JSON report. A run that produced no report (the build in
// global setup failed, say) counts as one failure rather than as an empty success.
import { readFileSync } from 'node:fs';

const [file, status] = process.argv.slice(2);
let passed = 0;
let failed = 0;
try {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  if (failed === 0 && status !== '0') failed = 1;
} catch {
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
