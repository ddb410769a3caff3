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

  /** The value stored for `key`, made (and frozen) the first time it is asked for. */
  get<T extends object>(key: string, make: () => T): T {
    let value = this.values.get(key) as T | undefined;
    if (value === undefined) this.values.set(key, (value = Object.freeze(make())));
    return value;
  }
}
