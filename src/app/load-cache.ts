/**
 * The load stage with a memory: a file's resources and diagnostics depend only on its path, its bytes
 * and the load options, so successive pushes and the pull requests of a repository reuse them. YAML
 * parsing is most of an analysis; with this, a push that changes three files parses three files.
 * Loaded resources are shared between analyses and treated as read-only downstream.
 */
import { createHash } from 'node:crypto';
import { loadSources, type LoadOptions, type LoadResult, type SourceFile } from '../load/load.js';
import type { LruCache } from './cache.js';

export function cachingLoader(cache: LruCache<string, LoadResult>): typeof loadSources {
  return (files: readonly SourceFile[], options: Partial<LoadOptions> = {}): LoadResult => {
    const optionsKey = JSON.stringify(options);
    const out: LoadResult = { resources: [], findings: [], files: 0, documents: 0 };
    for (const file of files) {
      const key = `${file.path}\0${file.size ?? ''}\0${createHash('sha1').update(file.content).digest('hex')}\0${optionsKey}`;
      let result = cache.get(key);
      if (!result) {
        result = loadSources([file], options);
        cache.set(key, result);
      }
      out.resources.push(...result.resources);
      out.findings.push(...result.findings);
      out.files += result.files;
      out.documents += result.documents;
    }
    return out;
  };
}
