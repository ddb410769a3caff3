/**
 * Caches shared by every event the app handles. Everything cached is keyed by something immutable
 * (a git object id, or a commit id plus a path), so entries never go stale; they are only evicted,
 * least recently used first, when the configured budget is exceeded.
 */
import { createHash } from 'node:crypto';

export class LruCache<K, V> {
  readonly #entries = new Map<K, { value: V; weight: number }>();
  #weight = 0;

  /** `weigh` gives each entry's cost (bytes, tree entries...); the total stays at or below `maxWeight`. */
  constructor(
    readonly maxWeight: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    // Re-insert: a Map iterates in insertion order, so the first key is the least recently used.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V): void {
    const weight = this.weigh(value);
    this.delete(key);
    if (weight > this.maxWeight) return; // would evict everything else and still not fit
    this.#entries.set(key, { value, weight });
    this.#weight += weight;
    for (const [k, e] of this.#entries) {
      if (this.#weight <= this.maxWeight) break;
      this.#entries.delete(k);
      this.#weight -= e.weight;
    }
  }

  delete(key: K): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#weight -= entry.weight;
  }

  get size(): number {
    return this.#entries.size;
  }

  get weight(): number {
    return this.#weight;
  }
}

/**
 * An LRU cache that also shares in-flight loads: two events asking for the same key at once cause one
 * fetch. A failed load is not cached.
 */
export class LoadingCache<K, V> {
  readonly #done: LruCache<K, V>;
  readonly #loading = new Map<K, Promise<V>>();

  constructor(maxWeight: number, weigh?: (value: V) => number) {
    this.#done = new LruCache(maxWeight, weigh);
  }

  /** The value and whether it came from the cache (or from a load another caller had started). */
  async get(key: K, load: () => Promise<V>): Promise<{ value: V; cached: boolean }> {
    const hit = this.#done.get(key);
    if (hit !== undefined) return { value: hit, cached: true };
    const pending = this.#loading.get(key);
    if (pending) return { value: await pending, cached: true };
    const promise = load();
    this.#loading.set(key, promise);
    try {
      const value = await promise;
      this.#done.set(key, value);
      return { value, cached: false };
    } finally {
      this.#loading.delete(key);
    }
  }

  peek(key: K): V | undefined {
    return this.#done.get(key);
  }

  set(key: K, value: V): void {
    this.#done.set(key, value);
  }

  delete(key: K): void {
    this.#done.delete(key);
  }

  get stats(): { entries: number; weight: number } {
    return { entries: this.#done.size, weight: this.#done.weight };
  }
}

/** Git's object id of a blob: SHA-1 over `blob <size>\0<content>`. */
export function gitBlobSha(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex');
}
