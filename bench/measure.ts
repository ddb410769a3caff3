/** Small timing helpers shared by the benchmarks: median of repeated runs, peak RSS of a child run. */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median wall time in ms of `runs` runs after one warm-up. */
export function time(fn: () => unknown, runs = 5): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Run this script again in a fresh process with `args`, and parse the JSON it prints last. With
 * `progress` the child's stderr goes straight to ours (long runs report as they go).
 */
export function inChild<T>(script: string, args: string[], progress = false): T {
  const r = spawnSync(process.execPath, ['--expose-gc', script, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', progress ? 'inherit' : 'pipe'],
  });
  if (r.status !== 0)
    throw new Error(`${script} ${args.join(' ')} failed${progress ? '' : `:\n${r.stderr}`}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    line(cells[0]!),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.slice(1).map(line),
  ].join('\n');
}
