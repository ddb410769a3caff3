/**
 * Things found by their label pairs: Gateways by selector, gateway workloads by pod labels. A selector
 * that fits some labels (selectorFit `matches`) or selects them (matchesSelector, non-empty) shares
 * at least one key=value pair with them, so the shared pairs give every candidate, and a lookup costs
 * what it finds rather than what there is (ten thousand gateways ask about ten thousand Gateways).
 */
export class LabelPairIndex<T> {
  /** key -> value -> items, in the order added. */
  readonly #byPair = new Map<string, Map<string, T[]>>();
  readonly #order = new Map<T, number>();

  add(item: T, pairs: Readonly<Record<string, string>>): void {
    if (!this.#order.has(item)) this.#order.set(item, this.#order.size);
    for (const [k, v] of Object.entries(pairs)) {
      let byValue = this.#byPair.get(k);
      if (!byValue) this.#byPair.set(k, (byValue = new Map()));
      const list = byValue.get(v);
      if (list) list.push(item);
      else byValue.set(v, [item]);
    }
  }

  /** The items with at least one of these pairs, each once, in the order they were added. */
  sharing(pairs: Readonly<Record<string, string>>): T[] {
    const lists: T[][] = [];
    for (const [k, v] of Object.entries(pairs)) {
      const list = this.#byPair.get(k)?.get(v);
      if (list) lists.push(list);
    }
    if (lists.length <= 1) return [...(lists[0] ?? [])];
    return [...new Set(lists.flat())].sort((a, b) => this.#order.get(a)! - this.#order.get(b)!);
  }
}

type Pairs = Readonly<Record<string, string>>;

/** Indexes per (never changed) list and the function reading each item's pairs. */
const indexes = new WeakMap<readonly object[], Map<unknown, LabelPairIndex<object>>>();

/**
 * The list's items indexed by their pairs (`pairsOf`; items without any are left out), built once per
 * list: the lists handed in (the index's Gateways, its gateway workloads) never change.
 */
export function labelPairIndexOf<T extends object>(
  items: readonly T[],
  pairsOf: (item: T) => Pairs | undefined,
): LabelPairIndex<T> {
  let byReader = indexes.get(items);
  if (!byReader) indexes.set(items, (byReader = new Map()));
  let index = byReader.get(pairsOf) as LabelPairIndex<T> | undefined;
  if (!index) {
    index = new LabelPairIndex<T>();
    for (const item of items) {
      const pairs = pairsOf(item);
      if (pairs) index.add(item, pairs);
    }
    byReader.set(pairsOf, index as LabelPairIndex<object>);
  }
  return index;
}
