/**
 * Analyses remembered by content: the same files under the same config analyse the same way, and an
 * analysis is read-only once made (the App diffs many pull requests against one cached base on the
 * same promise). What lint, the simulator and the diff remember on an analysis (its Istio index, its
 * access cells, its resources' digests) is then reused with it.
 *
 * Keyed by a digest of every file's path, size and bytes and of the config, so no caller has to say
 * when two inputs are the same. The App keys its analyses by git object ids instead (free there);
 * this memo is for callers that hold only the files: `egress-lint diff` whose two sides hold the same
 * files analyses them once, and commands run in one process (`run` embedded, the fuzz test) analyse a
 * repeated input once. Only small inputs are kept, a few at a time: a large one is analysed as before
 * and not held.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Analysis } from './analyze.js';
import type { ProjectConfig } from './config/project-config.js';
import type { SourceFile } from './load/load.js';

export interface AnalysisMemoOptions {
  /** Inputs larger than this (their files' bytes, all together) are not kept. */
  maxSourceBytes: number;
  /**
   * The kept inputs' bytes, all together, at most (least recently used out first). What is held is
   * some 60 times that: an analysis with its lint, access cells and digests (57 MB for a 0.98 MB
   * repository).
   */
  maxTotalSourceBytes: number;
  /** How many analyses are kept at most. */
  maxEntries: number;
}

export class AnalysisMemo {
  readonly #entries: LRUCache<string, Analysis>;
  readonly #maxSourceBytes: number;

  constructor(options: AnalysisMemoOptions) {
    this.#maxSourceBytes = Math.min(options.maxSourceBytes, options.maxTotalSourceBytes);
    this.#entries = new LRUCache<string, Analysis>({
      max: options.maxEntries,
      maxSize: options.maxTotalSourceBytes,
    });
  }

  /**
   * The analysis of `files` under `config`: `analyze()`'s, or the one it gave for the same input
   * before. `extra` is anything else the caller's analysis depends on (JSON-serialisable).
   */
  analysis(
    files: readonly SourceFile[],
    config: ProjectConfig,
    analyze: () => Analysis,
    extra: unknown = null,
  ): Analysis {
    const bytes = files.reduce((sum, f) => sum + f.content.length, 0);
    if (bytes > this.#maxSourceBytes) return analyze();
    const key = inputDigest(files, config, extra);
    let analysis = this.#entries.get(key);
    if (!analysis) this.#entries.set(key, (analysis = analyze()), { size: Math.max(1, bytes) });
    return analysis;
  }
}

/** A digest of everything an analysis is made from. Lengths go first, so no two inputs run together. */
function inputDigest(files: readonly SourceFile[], config: ProjectConfig, extra: unknown): string {
  const hash = createHash('sha256');
  const text = (s: string): void => void hash.update(`${s.length}:`).update(s);
  text(JSON.stringify(config));
  text(JSON.stringify(extra));
  hash.update(`${files.length}:`);
  for (const f of files) {
    text(f.path);
    hash.update(`${f.size ?? -1}:${typeof f.content}:${f.content.length}:`).update(f.content);
  }
  return hash.digest('base64');
}
