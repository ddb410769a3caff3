/**
 * Diff benchmark: a generated policy repository against itself with a few policies changed (a typical
 * pull request), and against nothing (everything added: the largest comment to budget). Prints
 * figures; run with `node dist/bench/diff.js [policies...]` after `npm run build`.
 */
import { analyzeSources } from '../src/analyze.js';
import { DEFAULT_CONFIG } from '../src/config/project-config.js';
import { diffRevisions } from '../src/diff/diff.js';
import type { SourceFile } from '../src/load/load.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { generatePolicyRepo } from './generate.js';

function timed<T>(f: () => T): [T, number] {
  const start = process.hrtime.bigint();
  const value = f();
  return [value, Number(process.hrtime.bigint() - start) / 1e6];
}

/** Every hundredth policy moves its HTTP destinations from gateway port 80 to 8080. */
function changeSome(files: readonly SourceFile[]): SourceFile[] {
  return files.map((f, i) =>
    i % 100 === 1 ? { ...f, content: String(f.content).replace(/port: 80\n/g, 'port: 8080\n') } : f,
  );
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
for (const policies of sizes.length ? sizes : [100, 1000]) {
  const repo = generatePolicyRepo(policies);
  const [base, analyzeMs] = timed(() => analyzeSources(repo.files, DEFAULT_CONFIG));
  const head = analyzeSources(changeSome(repo.files), DEFAULT_CONFIG);
  const [diff, diffMs] = timed(() => diffRevisions(base, head));
  const [md, mdMs] = timed(() => renderMarkdown({ diff, findings: [], failOn: 'error' }));
  const empty = analyzeSources([], DEFAULT_CONFIG);
  const [all, allMs] = timed(() => diffRevisions(empty, head));
  const patchBytes = all.changes.reduce((n, c) => n + c.patch.length, 0);
  const [allMd, allMdMs] = timed(() =>
    renderMarkdown({ diff: all, findings: [], failOn: 'error' }),
  );
  const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);
  console.log(
    `${policies} policies (${mb(repo.bytes)} MB of YAML, ${base.render.resources.length} rendered resources): ` +
      `analyze ${analyzeMs.toFixed(0)} ms; ` +
      `PR diff ${diffMs.toFixed(0)} ms (${diff.changes.length} changes), comment ${mdMs.toFixed(0)} ms (${md.length} chars); ` +
      `all-added diff ${allMs.toFixed(0)} ms (${mb(patchBytes)} MB of patches), comment ${allMdMs.toFixed(0)} ms (${allMd.length} chars); ` +
      `heap ${mb(process.memoryUsage().heapUsed)} MB`,
  );
}
