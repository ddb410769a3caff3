/**
 * Caches shared by every event the app handles. Everything cached is keyed by something immutable
 * (a git object id, or a commit id plus a path), so entries never go stale; they are only evicted,
 * least recently used first, when the configured budget is exceeded (lru-cache keeps the budget).
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export class LruCache<K extends NonNullable<unknown>, V> {
  // lru-cache holds no undefined or null values: each value travels in a box.
  readonly #entries: LRUCache<K, { value: V }>;

  /** `weigh` gives each entry's cost (bytes, tree entries...); the total stays at or below `maxWeight`. */
  constructor(
    readonly maxWeight: number,
    weigh: (value: V) => number = () => 1,
  ) {
    this.#entries = new LRUCache<K, { value: V }>({
      maxSize: maxWeight,
      // lru-cache wants a positive integer; an entry heavier than the budget is not kept.
      sizeCalculation: (box) => Math.max(1, Math.ceil(weigh(box.value))),
    });
  }

  get(key: K): V | undefined {
    return this.#entries.get(key)?.value;
  }

  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value });
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  get weight(): number {
    return this.#entries.calculatedSize;
  }
}

/**
 * An LRU cache that also shares in-flight loads: two events asking for the same key at once cause one
 * fetch. A failed load is not cached.
 */
export class LoadingCache<K extends NonNullable<unknown>, V> {
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
