import { describe, expect, it } from 'vitest';
import { analyzeSources, type Analysis } from '../src/analyze.js';
import { AnalysisMemo } from '../src/analysis-memo.js';
import { DEFAULT_CONFIG, type ProjectConfig } from '../src/config/project-config.js';
import type { SourceFile } from '../src/load/load.js';
import { readRepo, SEEDS } from './support.js';

const { files } = readRepo(`${SEEDS}/asm-http`);

/** A memo and how many times it really analysed. */
function counting(maxSourceBytes = 1024 * 1024, maxEntries = 8, maxTotalSourceBytes = 1 << 30) {
  const memo = new AnalysisMemo({ maxSourceBytes, maxEntries, maxTotalSourceBytes });
  let analysed = 0;
  const analyze = (fs: readonly SourceFile[], config: ProjectConfig = DEFAULT_CONFIG): Analysis =>
    memo.analysis(fs, config, () => {
      analysed++;
      return analyzeSources(fs, config);
    });
  return { analyze, analysed: () => analysed };
}

describe('AnalysisMemo', () => {
  it('analyses the same files under the same config once, read again or not', () => {
    const { analyze, analysed } = counting();
    const first = analyze(files);
    const copies = files.map((f) => ({
      path: f.path,
      content: new Uint8Array(f.content as Buffer),
    }));
    expect(analyze(copies)).toBe(first);
    expect(analysed()).toBe(1);
  });

  it('analyses again when a byte, a path, the file list or the config differs', () => {
    const { analyze, analysed } = counting();
    const first = analyze(files);
    const edited = files.map((f, i) =>
      i === 0 ? { ...f, content: Buffer.from(`${f.content.toString()}\n# edited`) } : f,
    );
    const renamed = files.map((f, i) => (i === 0 ? { ...f, path: `x/${f.path}` } : f));
    const config = { ...DEFAULT_CONFIG, mesh: { ...DEFAULT_CONFIG.mesh, defaultNamespace: 'x' } };
    const others = [
      analyze(edited),
      analyze(renamed),
      analyze(files.slice(1)),
      analyze(files, config),
    ];
    expect(analysed()).toBe(5);
    for (const other of others) expect(other).not.toBe(first);
    expect(analyze(files)).toBe(first);
    expect(analysed()).toBe(5);
  });

  it('does not run two inputs together: the same bytes split between files differently', () => {
    const { analyze, analysed } = counting();
    analyze([
      { path: 'a.yaml', content: 'ab' },
      { path: 'b.yaml', content: 'c' },
    ]);
    analyze([
      { path: 'a.yaml', content: 'a' },
      { path: 'b.yaml', content: 'bc' },
    ]);
    expect(analysed()).toBe(2);
  });

  it('keeps no input larger than its budget, and only its number of entries and bytes', () => {
    const bytes = files.reduce((n, f) => n + f.content.length, 0);
    const small = counting(bytes - 1);
    small.analyze(files);
    small.analyze(files);
    expect(small.analysed()).toBe(2);

    const few = counting(bytes, 1);
    few.analyze(files);
    few.analyze(files.slice(1));
    few.analyze(files);
    expect(few.analysed()).toBe(3);

    // Room for the whole input once, not for it and another part of it.
    const total = counting(bytes, 8, bytes);
    total.analyze(files);
    total.analyze(files);
    expect(total.analysed()).toBe(1);
    total.analyze(files.slice(1));
    total.analyze(files);
    expect(total.analysed()).toBe(3);
  });
});
