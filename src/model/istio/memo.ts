/**
 * A value per object and key, worked out once: answers that depend on a resource (or a list the
 * index shares) and one more key, such as a proxy namespace or a subset. A WeakMap of Maps, so the
 * answers go when the object does.
 */
export class PerObjectMemo<O extends object, K, V> {
  private readonly byObject = new WeakMap<O, Map<K, V>>();

  /** The value remembered for `object` and `key`, from `make` the first time. */
  get(object: O, key: K, make: () => V): V {
    let byKey = this.byObject.get(object);
    if (!byKey) this.byObject.set(object, (byKey = new Map()));
    let found = byKey.get(key);
    if (found === undefined && !byKey.has(key)) byKey.set(key, (found = make()));
    return found as V;
  }
}
