/**
 * Mutation fuzz: seeded mutants of the bundled seed configurations, each through every command (lint,
 * render, diff, explain). No input may end in an internal error, an exit code outside 0/1/2, output
 * that is not the JSON asked for, or a library's warning on stderr; and lint may not pass what render
 * fails. The commands run in-process through the same `run` the binary calls, reading each mutant from
 * standard input (no files to write); a sample goes through the real binary too. Each failure is
 * printed when found (seed, mutant number, command, what was wrong, the input) and the run goes on;
 * progress is printed every 1,000 mutants and the cost at the end. FUZZ_MUTANTS and FUZZ_SEED run more
 * by hand (20,000 with FUZZ_SEED=7, and with FUZZ_SEED=8, found nothing).
 *
 * What a mutant costs is its own analysis: the CLI remembers small analyses by content within a
 * process (src/analysis-memo.ts), so the unmutated seed on the base side of every `diff` is analysed
 * once per scenario, and a mutant's four commands share one analysis of it. Their outputs are the same
 * byte for byte as with every command analysing on its own (checked on 500 mutants); what the test
 * measures is the mutants, not the base.
 *
 * Cost on the shared 2-core machine (CPU from process.cpuUsage, which this test prints; wall time is
 * loaded): the 3,000 mutants took 24.0 s of CPU, 8.0 ms a mutant (64 s wall at a load of 11, with a
 * 20,000-mutant hand run beside it); the binary sample 12 s wall (8 process starts, some 0.45 s of CPU
 * each), vitest's imports some 6 s. Quiet, one core runs it all, so its wall time is about its CPU:
 * some 35 s. Before the analyses were shared, a mutant took 15.4 ms (2,500 mutants, both versions side
 * by side at a load of 14; the first 500 cost more, JIT warm-up); the default was then 1,400.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { captureIO } from '../helpers/revisions.js';
import { mulberry32, mutate } from '../helpers/mutate.js';
import { SEEDS, seedScenarios } from '../support.js';
import { BIN } from './run-cli.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const MUTANTS = Number(process.env.FUZZ_MUTANTS ?? 3000);
const BINARY_SAMPLE = 2;
/** Generous, and growing with a hand run's FUZZ_MUTANTS: a loaded machine may be several times slower. */
const TIMEOUT_MS = Math.max(600_000, MUTANTS * 200);
/** What Node prints for a process warning (the yaml library's, say) before its message. */
const PROCESS_WARNING = /\(node:\d+\) \w*Warning:/;

/** A hand run prints its progress this often, so a stopped run says how far it got. */
const PROGRESS_EVERY = 1000;

/**
 * Failures, each printed as soon as it is found (a long hand run stopped early still shows them),
 * and the first few kept for the test's verdict; the run goes on to the end.
 */
class FailureLog {
  readonly kept: string[] = [];
  count = 0;

  add(failure: string): void {
    this.count++;
    console.error(`fuzz failure ${this.count}: ${failure}`);
    if (this.kept.length < 5) this.kept.push(failure);
  }
}

/** CPU (all threads of this process) and wall time since `started`, for the figures in the header. */
function cost(started: { cpu: NodeJS.CpuUsage; wall: number }): string {
  const { user, system } = process.cpuUsage(started.cpu);
  const cpu = (user + system) / 1e3;
  return `${(cpu / 1e3).toFixed(1)} s of CPU (${(cpu / MUTANTS).toFixed(1)} ms a mutant), ${((Date.now() - started.wall) / 1e3).toFixed(1)} s wall`;
}

/** Values that have broken parsers and lookups before: prototype names, IPs, CIDRs, host:port... */
const NASTY_VALUES = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  '10.0.0.1',
  '10.0.0.0/8',
  '::1',
  '"[::1]:443"',
  'httpbin.org:443',
  '"*"',
  '"*.org"',
  '""',
  '-1',
  '0',
  '65536',
  '99999999999999999999',
  '1e400',
  'null',
  '[]',
  '{}',
  '{a: 1}',
  '&A {x: *A}',
  '&B [*B]',
  'yes',
  '"{{ .Values.host }}"',
  'x'.repeat(300),
  'ISTIO_MUTUAL',
  'REGISTRY_ONLY',
  'TLS',
  'TCP',
  'istio-system',
  '.',
  '"~"',
];
const NASTY_KEYS = ['__proto__', 'constructor', 'toString', 'kind', 'spec', 'hosts', '"": x'];

const REQUESTS = [
  ['default', 'http://httpbin.org/headers'],
  ['mytest/app=sleep-a', 'https://www.httpbin.org'],
  ['default', 'tcp://httpbin.org:443'],
  ['istio-system', 'http://test.com/headers'],
] as const;

interface Scenario {
  dir: string;
  /** The scenario's YAML files as one multi-document stream. */
  text: string;
}

function scenarios(): Scenario[] {
  return seedScenarios().map((name) => {
    const dir = join(SEEDS, name);
    const files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
    const text = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n---\n');
    return { dir, text };
  });
}

/** One edit: a textual one (see helpers/mutate.ts), or a nasty value or key put on a random line. */
function mutant(text: string, random: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  let out = text;
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits; e++) {
    const lines = out.split('\n');
    const i = Math.floor(random() * lines.length);
    const choice = random();
    if (choice < 0.4) out = mutate(out, random, pick);
    else if (choice < 0.8) {
      lines[i] = lines[i]!.replace(
        /(:\s|-\s)(.*)$/,
        (_, sep: string) => `${sep}${pick(NASTY_VALUES)}`,
      );
      out = lines.join('\n');
    } else {
      lines[i] = lines[i]!.replace(
        /^(\s*(?:- )?)[\w.-]+:/,
        (_, lead: string) => `${lead}${pick(NASTY_KEYS)}:`,
      );
      out = lines.join('\n');
    }
  }
  return out;
}

interface Outcome {
  code: number;
  out: string;
  err: string;
}

async function runWithStdin(args: string[], cwd: string, stdin: string): Promise<Outcome> {
  const io = captureIO(cwd, {}, false, stdin);
  const code = await run(args, io);
  return { code, out: io.out, err: io.err };
}

/**
 * Process warnings (the yaml library's, say) skip CliIO and go to the real stderr, on a later tick:
 * what `work` makes Node print, as Node prints it.
 */
async function processWarnings(work: () => Promise<unknown>): Promise<string[]> {
  const warnings: string[] = [];
  const onWarning = (w: Error): void =>
    void warnings.push(`(node:${process.pid}) ${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    await work();
    await new Promise((resolve) => setImmediate(resolve));
    return warnings;
  } finally {
    process.off('warning', onWarning);
  }
}

/** What is wrong with one command's outcome, or undefined. */
function problem(o: Outcome): string | undefined {
  if (![0, 1, 2].includes(o.code)) return `exit code ${o.code}`;
  if (/internal error|internal-error/i.test(o.err + o.out)) return 'internal error';
  if (PROCESS_WARNING.test(o.err)) return 'a process warning on stderr';
  if (o.code === 2)
    return o.err.startsWith('egress-lint: ') ? undefined : 'exit 2 without a message';
  try {
    JSON.parse(o.out);
  } catch {
    return 'invalid JSON on stdout';
  }
  return undefined;
}

function commands(s: Scenario, request: readonly [string, string]): string[][] {
  return [
    ['lint', '-', '--format', 'json'],
    ['render', '-', '--format', 'json'],
    ['diff', s.dir, '-', '--format', 'json'],
    ['explain', '-', '--from', request[0], '--url', request[1], '--format', 'json'],
  ];
}

describe('mutation fuzz', () => {
  const all = scenarios();

  it(
    `${MUTANTS} seeded mutants of the seeds, each through lint, render, diff and explain`,
    async () => {
      const random = mulberry32(SEED);
      const failures = new FailureLog();
      const started = { cpu: process.cpuUsage(), wall: Date.now() };
      let lintFailed = 0;
      for (let n = 0; n < MUTANTS; n++) {
        const s = all[n % all.length]!;
        const text = mutant(s.text, random);
        const request = REQUESTS[Math.floor(random() * REQUESTS.length)]!;
        const argvs = commands(s, request);
        let outcomes: Outcome[] = [];
        const warnings = await processWarnings(async () => {
          outcomes = await Promise.all(argvs.map((args) => runWithStdin(args, s.dir, text)));
        });
        const [lint, render, ...rest] = outcomes;
        const found = (command: string, what: string): void =>
          failures.add(`mutant ${n} (seed ${SEED}), ${command}: ${what}\n--- input:\n${text}`);
        if (warnings.length > 0) found('one of the commands', warnings.join('\n'));
        if (lint!.code === 1) lintFailed++;
        [lint!, render!, ...rest].forEach((o, i) => {
          const p = problem(o);
          if (p) found(argvs[i]!.join(' '), `${p}\n${o.err.slice(0, 500)}`);
        });
        if (lint!.code === 0 && render!.code !== 0)
          found('lint and render', `lint exits 0 but render exits ${render!.code}\n${render!.err}`);
        if ((n + 1) % PROGRESS_EVERY === 0)
          console.error(`fuzz: ${n + 1} of ${MUTANTS} mutants, ${failures.count} failures`);
      }
      console.error(`fuzz: ${MUTANTS} mutants (seed ${SEED}): ${cost(started)}`);
      expect(failures.kept).toEqual([]);
      // The mutants must reach the checks: many are broken, many still read.
      expect(lintFailed).toBeGreaterThan(MUTANTS / 5);
      expect(lintFailed).toBeLessThan(MUTANTS);
    },
    TIMEOUT_MS,
  );

  it(`a sample of ${BINARY_SAMPLE} mutants through the real binary, reading standard input`, () => {
    const random = mulberry32(SEED + 1);
    const failures = new FailureLog();
    for (let n = 0; n < BINARY_SAMPLE; n++) {
      const s = all[Math.floor(random() * all.length)]!;
      const text = mutant(s.text, random);
      for (const args of commands(s, REQUESTS[n % REQUESTS.length]!)) {
        const r = spawnSync(process.execPath, [BIN, ...args], {
          cwd: s.dir,
          input: text,
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1' },
          timeout: 60_000,
        });
        const p = problem({ code: r.status ?? -1, out: r.stdout, err: r.stderr });
        if (p)
          failures.add(
            `binary mutant ${n} (seed ${SEED + 1}), ${args.join(' ')}: ${p}\n${r.stderr.slice(0, 500)}`,
          );
      }
    }
    expect(failures.kept).toEqual([]);
  }, 600_000);
});
