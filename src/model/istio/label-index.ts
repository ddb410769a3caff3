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
