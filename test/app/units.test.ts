/** The app's small parts: file selection, caches, per-PR ordering, delivery dedupe, commands, comment policy. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gitBlobSha, LoadingCache, LruCache } from '../../src/app/cache.js';
import { canRunCommands, parseCommand } from '../../src/app/commands.js';
import { evaluatePullRequest, MAX_COMMENT_CHARS, stickyBody } from '../../src/app/evaluate.js';
import { describeFailure } from '../../src/app/failures.js';
import { GaveUpError, retryDelayMs, withRetries, type RetryPolicy } from '../../src/app/retry.js';
import { shouldComment } from '../../src/app/refresh.js';
import { cachingLoader } from '../../src/app/load-cache.js';
import { createAppState } from '../../src/app/handlers.js';
import type { PullRequestReporter } from '../../src/app/evaluate.js';
import { analyzeSources, type Analysis } from '../../src/analyze.js';
import { DEFAULT_CONFIG } from '../../src/config/project-config.js';
import { generatePolicyRepo } from '../../bench/generate.js';
import { testReporter } from '../support/test-reporter.js';
import {
  CheckDeadline,
  CpuTurns,
  DeliveryLog,
  KeyedSerialQueue,
  Semaphore,
} from '../../src/app/serial.js';
import { loadSources, type LoadResult } from '../../src/load/load.js';
import { createFileSelector } from '../../src/io/selection.js';

describe('file selection', () => {
  it('takes YAML anywhere by default, except under .github, .git and node_modules', () => {
    const s = createFileSelector({ paths: [], ignore: [] });
    expect(['mesh/a.yaml', 'b.yml', 'deep/er/c.YAML'].every((p) => s.includes(p))).toBe(true);
    expect(
      [
        'README.md',
        '.github/egress-lint.yml',
        '.github/workflows/ci.yaml',
        'node_modules/x/a.yaml',
      ].some((p) => s.includes(p)),
    ).toBe(false);
  });

  it('applies paths (folders, files, globs) and ignore globs', () => {
    const s = createFileSelector({
      paths: ['mesh', 'clusters/*/egress.yaml'],
      ignore: ['mesh/vendor', '**/*.tmpl.yaml'],
    });
    expect(s.includes('mesh/a.yaml')).toBe(true);
    expect(s.includes('clusters/prod/egress.yaml')).toBe(true);
    expect(s.includes('clusters/prod/other.yaml')).toBe(false);
    expect(s.includes('mesh/vendor/x.yaml')).toBe(false);
    expect(s.includes('mesh/a.tmpl.yaml')).toBe(false);
    expect(s.includes('apps/a.yaml')).toBe(false);
  });

  it('checks a skipped folder when paths names it', () => {
    expect(
      createFileSelector({ paths: ['.github/mesh'], ignore: [] }).includes('.github/mesh/a.yaml'),
    ).toBe(true);
  });

  it('tells a tree walk which folders can hold selected files', () => {
    const s = createFileSelector({ paths: ['clusters/*/egress'], ignore: ['clusters/old'] });
    expect(s.mayContain('clusters')).toBe(true);
    expect(s.mayContain('clusters/prod')).toBe(true);
    expect(s.mayContain('clusters/old')).toBe(false);
    expect(s.mayContain('docs')).toBe(false);
    expect(s.mayContain('.github')).toBe(false);
  });
});

describe('caches', () => {
  it('evicts the least recently used entries beyond the weight budget', () => {
    const c = new LruCache<string, string>(10, (v) => v.length);
    c.set('a', 'xxxx');
    c.set('b', 'xxxx');
    c.get('a');
    c.set('c', 'xxxx');
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual(['xxxx', undefined, 'xxxx']);
    expect(c.weight).toBe(8);
    c.set('huge', 'x'.repeat(11));
    expect(c.get('huge')).toBeUndefined();
  });

  it('shares one load between concurrent callers and does not cache failures', async () => {
    const c = new LoadingCache<string, number>(100);
    let loads = 0;
    const load = async (): Promise<number> => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return 42;
    };
    const [a, b] = await Promise.all([c.get('k', load), c.get('k', load)]);
    expect([a.value, b.value, loads]).toEqual([42, 42, 1]);
    expect([a.cached, b.cached]).toEqual([false, true]);
    await expect(c.get('bad', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect((await c.get('bad', async () => 1)).value).toBe(1);
  });

  it('loads each file once across calls, with the same result as loading them all', () => {
    const cache = new LruCache<string, LoadResult>(100);
    const load = cachingLoader(cache);
    const a = { path: 'a.yaml', content: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' };
    const b = { path: 'b.yaml', content: 'x: [\n' };
    const first = load([a, b], { defaultNamespace: 'team' });
    // Source maps hold closures; compare what they locate instead.
    const view = (r: LoadResult): unknown => ({
      ...r,
      resources: r.resources.map(({ source, ...rest }) => ({
        ...rest,
        file: source?.file,
        at: source?.map.locate(['metadata', 'name']),
      })),
    });
    expect(view(first)).toEqual(view(loadSources([a, b], { defaultNamespace: 'team' })));
    expect(cache.size).toBe(2);
    const second = load([a, { ...b, content: 'kind: Other\n' }], { defaultNamespace: 'team' });
    expect(second.resources[0]).toBe(first.resources[0]); // reused, not re-parsed
    expect(cache.size).toBe(3);
    load([a], { defaultNamespace: 'other' }); // other options, other result
    expect(cache.size).toBe(4);
  });

  it('keeps analyses within a budget of resources, whatever their number', () => {
    const { caches } = createAppState({
      reporter: {} as PullRequestReporter<unknown>,
      analysisCacheResources: 100,
    });
    const analysis = (policies: number): Analysis =>
      analyzeSources(generatePolicyRepo(policies).files, DEFAULT_CONFIG);
    const [one, two, big] = [analysis(1), analysis(2), analysis(5)];
    expect(one.stats.resources + one.render.resources.length).toBe(25);
    caches.analyses.set('one', one);
    caches.analyses.set('two', two);
    expect(caches.analyses.weight).toBe(25 + 49);
    caches.analyses.set('big', big); // 121 resources: more than the whole budget
    expect([caches.analyses.get('one'), caches.analyses.get('two')]).toEqual([one, two]);
    expect(caches.analyses.get('big')).toBeUndefined();
    caches.analyses.set('three', analysis(2));
    expect(caches.analyses.get('one')).toBeUndefined();
    expect(caches.analyses.size).toBe(2);
  });

  it('keeps the base analysis that pull requests share, not each head', () => {
    const { caches } = createAppState({ reporter: testReporter });
    const files = generatePolicyRepo(2).files;
    const evaluate = (headKey: string, headFiles = files) =>
      evaluatePullRequest({
        pullRequest: {
          owner: 'o',
          repo: 'r',
          number: 1,
          headSha: 'h',
          baseSha: 'b',
          repoUrl: 'https://github.test/o/r',
        },
        config: DEFAULT_CONFIG,
        configNote: 'defaults',
        baseFiles: files,
        headFiles,
        changedFiles: [],
        reporter: testReporter,
        memo: { analyses: caches.analyses, baseKey: 'base', headKey, load: caches.load },
      });
    evaluate('head-1', files.slice(1));
    expect(caches.analyses.size).toBe(1);
    const kept = caches.analyses.get(`base|${JSON.stringify(DEFAULT_CONFIG)}`);
    expect(kept?.stats.files).toBe(files.length);
    evaluate('head-2', files.slice(2));
    expect(caches.analyses.size).toBe(1);
    expect(caches.analyses.get(`base|${JSON.stringify(DEFAULT_CONFIG)}`)).toBe(kept);
  });

  it('computes git blob ids', () => {
    expect(gitBlobSha(new TextEncoder().encode('hello\n'))).toBe(
      'ce013625030ba8dba906f756967f9e9ca394464a',
    );
  });
});

describe('ordering', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs jobs of one key one at a time, in order, and keys in parallel', async () => {
    const q = new KeyedSerialQueue();
    const events: string[] = [];
    const job = (name: string, ms: number) => async () => {
      events.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      events.push(`end ${name}`);
      if (name === 'a1') throw new Error('a1 failed');
    };
    await Promise.allSettled([
      q.run('a', job('a1', 20)),
      q.run('a', job('a2', 1)),
      q.run('b', job('b1', 1)),
    ]);
    expect(events.indexOf('start a2')).toBeGreaterThan(events.indexOf('end a1'));
    expect(events.indexOf('start b1')).toBeLessThan(events.indexOf('end a1'));
    expect(q.activeKeys).toBe(0);
  });

  it('admits a bounded number of jobs, first come first served', async () => {
    const s = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        s.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          order.push(n);
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it("stops a check's deadline while held, and counts only the time it ran", () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const deadline = new CheckDeadline(1_000);
    vi.advanceTimersByTime(600);
    deadline.hold();
    deadline.hold(); // nested: this check's own analysis inside another hold
    vi.advanceTimersByTime(5_000);
    deadline.release();
    vi.advanceTimersByTime(5_000);
    expect(deadline.signal.aborted).toBe(false);
    expect(deadline.usedMs).toBe(600);
    deadline.release();
    vi.advanceTimersByTime(399);
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.signal.aborted).toBe(true);
    expect((deadline.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('runs CPU work one piece at a time, lets waiting I/O in between, and holds every tracked deadline meanwhile', async () => {
    const cpu = new CpuTurns();
    const tracked = new CheckDeadline(60_000);
    const untracked = new CheckDeadline(60_000);
    cpu.track(tracked);
    const order: string[] = [];
    const busy = (ms: number): void => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    const used = { tracked: 0, untracked: 0 };
    await Promise.all([
      cpu.run(() => {
        order.push('first');
        // An answer that arrives while the thread is busy: it must not wait for the second piece.
        setImmediate(() => order.push('io'));
        busy(50);
        [used.tracked, used.untracked] = [tracked.usedMs, untracked.usedMs];
      }),
      cpu.run(() => order.push('second')),
    ]);
    expect(order).toEqual(['first', 'io', 'second']);
    expect(used.tracked).toBeLessThan(used.untracked - 40);
    tracked.dispose();
    untracked.dispose();
  });

  it('handles a delivery once, unless it failed', () => {
    const log = new DeliveryLog();
    expect(log.begin('x')).toBe(true);
    expect(log.begin('x')).toBe(false);
    log.finish('x', false);
    expect(log.begin('x')).toBe(true);
    log.finish('x', true);
    expect(log.begin('x')).toBe(false);
  });
});

describe('commands', () => {
  it('parses the first line only', () => {
    expect(parseCommand('/egress render')).toEqual({ name: 'render' });
    expect(parseCommand('\n  /Egress Render please\nthanks')).toEqual({ name: 'render' });
    expect(parseCommand('/egress')).toEqual({ name: 'help' });
    expect(parseCommand('/egress deploy')).toEqual({ name: 'unknown', word: 'deploy' });
    expect(parseCommand('looks good\n/egress render')).toBeUndefined();
    expect(parseCommand('/egressive')).toBeUndefined();
  });

  it('lets writers, maintainers and admins run commands', () => {
    expect(
      (['admin', 'maintain', 'write', 'triage', 'read', 'none'] as const).map(canRunCommands),
    ).toEqual([true, true, true, false, false, false]);
  });
});

describe('sticky comment policy', () => {
  it('creates per mode, and always keeps an existing comment current', () => {
    const s = (
      mode: 'always' | 'on-change' | 'off',
      hasChanges = false,
      failed = false,
      requested = false,
    ) => shouldComment(mode, { requested, hasChanges, failed });
    expect(s('always')).toBe('create-or-update');
    expect(s('on-change')).toBe('update-only');
    expect(s('on-change', true)).toBe('create-or-update');
    expect(s('on-change', false, true)).toBe('create-or-update');
    expect(s('off', true, true)).toBe('no');
    expect(s('off', false, false, true)).toBe('create-or-update');
  });

  it("keeps the marker and GitHub's size limit whatever the renderer returns", () => {
    const check = {
      conclusion: 'failure' as const,
      output: { title: '2 errors: merge blocked', summary: '' },
      annotations: [],
    };
    expect(stickyBody('body', '<!-- m -->', check)).toBe('body\n\n<!-- m -->');
    const big = stickyBody(
      'x'.repeat(MAX_COMMENT_CHARS + 1),
      '<!-- m -->',
      check,
      'https://github.test/run/1',
    );
    expect(big.length).toBeLessThan(MAX_COMMENT_CHARS);
    expect(big).toContain('<!-- m -->');
    expect(big).toContain('[the check run](https://github.test/run/1)');
  });

  it('describes failures without leaking anything', () => {
    expect(describeFailure(Object.assign(new Error('x'), { status: 502 }))).toContain('HTTP 502');
    expect(
      describeFailure(new TypeError("Cannot read properties of undefined (reading 'x')")),
    ).toBe('an internal error in egress-lint (details are in the app log)');
    const aborted = AbortSignal.abort();
    expect(describeFailure(new Error('aborted'), aborted)).toContain('took too long');
  });

  it('tells a primary rate limit, a secondary one and a missing permission apart', () => {
    const error = (status: number, message: string, headers: Record<string, string> = {}): Error =>
      Object.assign(new Error(message), {
        status,
        response: { headers, data: { message } },
        request: { method: 'GET', url: 'https://api.github.com/repos/o/r/git/trees/abc' },
      });
    expect(
      describeFailure(error(403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0' })),
    ).toContain("GitHub's API rate limit for this installation is used up");
    expect(describeFailure(error(429, 'Too Many Requests'))).toContain('secondary rate limit');
    const denied = describeFailure(error(403, 'Resource not accessible by integration'));
    expect(denied).toContain('denied the app access (HTTP 403 on GET …/git/trees)');
    expect(denied).toContain('Contents: read');
    expect(denied).not.toMatch(/rate limit/);
  });
});

describe('retries', () => {
  const policy: RetryPolicy = {
    initialDelayMs: 1,
    maxDelayMs: 4,
    giveUpAfterMs: 200,
    attemptTimeoutMs: 100,
    retryAfterUnitMs: 1,
  };
  const failure = (status: number, headers: Record<string, string> = {}): Error =>
    Object.assign(new Error('x'), { status, response: { headers } });

  it('retries server errors and rate limits until success, but not other client errors', async () => {
    let attempts = 0;
    const value = await withRetries(policy, async () => {
      if (++attempts < 4) throw failure(attempts === 1 ? 502 : 429);
      return 'done';
    });
    expect([value, attempts]).toEqual(['done', 4]);
    attempts = 0;
    await expect(
      withRetries(policy, () => {
        attempts++;
        return Promise.reject(failure(422));
      }),
    ).rejects.toMatchObject({ status: 422 });
    expect(attempts).toBe(1);
  });

  it('waits what GitHub asks, backs off otherwise, and gives up after the give-up time', async () => {
    expect(retryDelayMs(failure(429, { 'retry-after': '7' }), 0, policy)).toBe(7);
    expect(retryDelayMs(failure(500), 5, policy)).toBe(4);
    await expect(withRetries(policy, () => Promise.reject(failure(503)))).rejects.toBeInstanceOf(
      GaveUpError,
    );
  });
});
