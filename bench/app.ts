/**
 * The app under load: 100 pull_request events on a 200-policy repository (bench/generate.ts), handled
 * concurrently by the real app (production wiring, src/app/index.ts) against the API double over HTTP
 * on 127.0.0.1 (in a child process). Prints handling time per event (p50/p95/max), API calls per pull
 * request, cache effect and peak RSS.
 *
 *   npm run build && node dist/bench/app.js
 *   BENCH_PULLS=300 BENCH_POLICIES=1000 node --expose-gc dist/bench/app.js   (also prints the retained heap)
 *
 * GitHub's pacing of writes (one content-creating request per second per installation) is switched
 * off here: with it, 100 pull requests of one installation take at least 100 s x writes per PR,
 * whatever the app does. What is measured is the app's own cost.
 */
import { fork } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { PerformanceObserver } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { getHeapStatistics } from 'node:v8';
import { pino } from 'pino';
import { Probot } from 'probot';
import { pullRequestComment } from '../src/app/comment.js';
import { ATTEMPT_FAILED, EVENT_HANDLED } from '../src/app/handlers.js';
import { createEgressLintApp } from '../src/app/index.js';
import { appOctokit } from '../src/app/octokit.js';
import { FakeRepo } from '../test/support/fake-github.js';
import { pullRequestEvent } from '../test/support/webhooks.js';
import type { DoubleReady, DoubleStats } from './api-double.js';

const APP_ID = 31337;
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

const child = fork(new URL('./api-double.js', import.meta.url), {
  env: { ...process.env, BENCH_APP_ID: String(APP_ID), BENCH_PUBLIC_KEY: publicKey },
});
const ask = <T>(type: string | undefined): Promise<T> =>
  new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    if (type) child.send({ type });
  });
const ready = await ask<DoubleReady>(undefined);

const logs: Record<string, unknown>[] = [];
// Errors and warnings too: a failed event must say why (deadline, out of memory, GitHub), not only that it failed.
const problems: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === EVENT_HANDLED || entry.msg === ATTEMPT_FAILED) logs.push(entry);
      else if (Number(entry.level) >= 40) problems.push(entry);
    }
    done();
  },
});
const probot = new Probot({
  appId: APP_ID,
  privateKey,
  baseUrl: `http://${ready.host}/api/v3`,
  log: pino({ level: 'info' }, sink),
  Octokit: appOctokit({ pacedWrites: false }),
});
// The production app without its sweep of abandoned check runs: that is start-up and background work
// (a call per open pull request), not the cost of handling events measured here.
// BENCH_DEADLINE_MS: a shorter check deadline than the production 5 minutes, to see how close the
// checks come to it (the log's checkMs is the time on the deadline's clock).
const deadlineMs = Number(process.env.BENCH_DEADLINE_MS ?? 5 * 60 * 1000);
await probot.load(createEgressLintApp({ reporter: pullRequestComment, deadlineMs }));

// Payloads from GitHub's examples, pointed at the double's repository.
const repo = new FakeRepo(ready.repo.owner, ready.repo.name, 'https://github.test');
const events = ready.pulls.map((p) => {
  const pull = repo.openPull(p.number, p.baseSha, p.headSha);
  return { id: randomUUID(), payload: pullRequestEvent('opened', repo, pull) };
});

// Garbage collection's share of the time: what a heap cap costs, if anything.
const gcPauses = { count: 0, ms: 0 };
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcPauses.count++;
    gcPauses.ms += entry.duration;
  }
});
gcObserver.observe({ entryTypes: ['gc'] });

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const rssBefore = process.memoryUsage().rss;
const cpuBefore = process.cpuUsage();
const started = performance.now();
// On a machine shared with others a whole run can take an hour: every 10 events a progress line
// (stderr) gives what a run cut short still measured.
const finished: number[] = [];
const progress = (): void => {
  const spent = process.cpuUsage(cpuBefore);
  const cpuMs = (spent.user + spent.system) / 1e3;
  const ordered = [...finished].sort((a, b) => a - b);
  console.error(
    `  progress ${finished.length}/${events.length} handled after ${((performance.now() - started) / 1000).toFixed(0)} s: CPU ${(cpuMs / 1000).toFixed(1)} s (${(cpuMs / finished.length).toFixed(0)} ms per handled PR), handling p50 ${ordered[Math.floor(ordered.length / 2)]!.toFixed(0)} ms, peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`,
  );
};
const durations = await Promise.all(
  events.map(async (e) => {
    const t0 = performance.now();
    await probot.receive({ id: e.id, name: 'pull_request', payload: e.payload } as Parameters<
      Probot['receive']
    >[0]);
    const ms = performance.now() - t0;
    finished.push(ms);
    if (finished.length % 10 === 0 && finished.length < events.length) progress();
    return ms;
  }),
);
const wall = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
gcObserver.disconnect();
const stats = await ask<DoubleStats>('stats');
child.disconnect();

const sorted = [...durations].sort((a, b) => a - b);
const pct = (p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const perPr = events.map((e) =>
  Object.values(stats.perDelivery[e.id] ?? {}).reduce((a, b) => a + b, 0),
);
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const blobCalls = events.map((e) => stats.perDelivery[e.id]?.['git/get-blob'] ?? 0);
const typical = stats.perDelivery[events[events.length - 1]!.id] ?? {};
const completed = stats.checkRuns.filter((r) => r.conclusion !== null);

console.log(
  `egress-lint app: ${events.length} pull_request events, ${ready.pulls.length} PRs on a ${Number(process.env.BENCH_POLICIES ?? 200)}-policy repository, handled concurrently`,
);
console.log(
  `  handling time    p50 ${pct(50).toFixed(0)} ms   p95 ${pct(95).toFixed(0)} ms   max ${sorted[sorted.length - 1]!.toFixed(0)} ms   (all ${events.length} in ${wall.toFixed(0)} ms)`,
);
const checkMs = logs.map((l) => Number(l.checkMs ?? 0)).sort((a, b) => a - b);
const usedMs = logs.map((l) => Number(l.deadlineUsedMs ?? l.checkMs ?? 0));
console.log(
  `  check time       p50 ${checkMs[Math.floor(checkMs.length / 2)]} ms   p95 ${checkMs[Math.min(checkMs.length - 1, Math.ceil(0.95 * checkMs.length) - 1)]} ms   max ${checkMs[checkMs.length - 1]} ms from its start (after its turn); at most ${Math.max(...usedMs)} ms of it counted against the ${deadlineMs} ms deadline`,
);
console.log(
  `  app CPU          ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s user+sys, ${((cpu.user + cpu.system) / 1e3 / events.length).toFixed(0)} ms per PR (this process only, not the API double)`,
);
console.log(
  `  API calls per PR mean ${(sum(perPr) / perPr.length).toFixed(1)}   min ${Math.min(...perPr)}   max ${Math.max(...perPr)}   (total ${stats.requests}, incl. token)`,
);
console.log(
  `  blob fetches     ${sum(blobCalls)} for ${events.length} PRs (each blob once, shared cache); last PR: ${JSON.stringify(typical)}`,
);
console.log(
  `  results          ${completed.length}/${stats.checkRuns.length} check runs completed (${completed.filter((r) => r.conclusion === 'success').length} success), ${stats.comments} comments`,
);
console.log(
  `  peak RSS         ${mb(process.resourceUsage().maxRSS * 1024)} (RSS before the events ${mb(rssBefore)})`,
);
console.log(
  `  GC pauses        ${(gcPauses.ms / 1000).toFixed(1)} s in ${gcPauses.count} collections; heap limit ${mb(getHeapStatistics().heap_size_limit)}`,
);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  gc();
  console.log(
    `  retained heap    ${mb(process.memoryUsage().heapUsed)} after GC (caches: blobs, trees, per-file loads, analyses)`,
  );
}
if (stats.violations.length) console.log(`  OpenAPI violations: ${stats.violations.join('; ')}`);
const failed = logs.filter((l) => l.msg === ATTEMPT_FAILED);
for (const p of problems.slice(0, 10)) {
  const err = p.err as { type?: string; message?: string } | undefined;
  console.error(
    `  ${String(p.msg)}: ${String(p.reason ?? '')} ${err ? `[${err.type}: ${err.message}]` : ''}`,
  );
}
if (problems.length > 10)
  console.error(`  ... and ${problems.length - 10} more warnings or errors`);
if (failed.length || completed.length !== events.length || stats.violations.length) {
  console.error(
    `FAILED: ${failed.length} events failed, ${events.length - completed.length} check runs not completed`,
  );
  process.exitCode = 1;
}
