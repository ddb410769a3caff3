/**
 * Equal parts of rendered resources built once per render and shared. At thousands of gateways the
 * renderer writes hundreds of thousands of resources whose small parts repeat (a port `{number: 443}`,
 * `gateways: [mesh]`, a TLS mode, a ServiceEntry's port list, an exportTo list): kept one object
 * each, they were a quarter of the rendered bodies' memory. Rendered bodies are read-only; the shared
 * parts are frozen so that a change to one fails loudly instead of changing every resource using it.
 * Shared lists also make readers that remember per list (exportTo scopes) remember once.
 */
export class SharedValues {
  private readonly values = new Map<string, unknown>();
  private readonly texts = new Map<string, string>();

  /** The value stored for `key`, made (and frozen) the first time it is asked for. */
  get<T extends object>(key: string, make: () => T): T {
    let value = this.values.get(key) as T | undefined;
    if (value === undefined) this.values.set(key, (value = Object.freeze(make())));
    return value;
  }

  /** The first string equal to `value` this render was given: equal texts kept once. */
  text(value: string): string {
    const kept = this.texts.get(value);
    if (kept !== undefined) return kept;
    this.texts.set(value, value);
    return value;
  }
}

/**
 * The parts written as one flat string. A template literal keeps its pieces as a tree of strings
 * (one node per `${}`), twice the memory of the text it spells, for as long as the text lives;
 * `join` writes the characters once.
 */
export function flatText(...parts: string[]): string {
  return parts.join('');
}
