/**
 * Kubernetes manifests are JSON objects written as YAML, so every mapping key must become a JSON
 * string. kubectl's reader (sigs.k8s.io/yaml over go-yaml v2) turns strings, numbers and booleans into
 * one and rejects the rest: a mapping or sequence as a key ("invalid map key") and an empty or null key
 * ("unsupported map key of type <nil>"). The yaml library would instead stringify such a key and print
 * a process warning; we say what kubectl would, at the key.
 */
import { isAlias, isMap, isScalar, isSeq, visit, type Document, type Node } from 'yaml';

export interface UnsupportedKey {
  /** Offset of the key in the text. */
  offset: number;
  /** What the key is: `a mapping`, `a sequence`, `null`. */
  what: string;
}

/** The first mapping key kubectl cannot read, if any. */
export function findUnsupportedKey(doc: Document): UnsupportedKey | undefined {
  let found: UnsupportedKey | undefined;
  visit(doc, {
    Pair(_, pair) {
      const key = pair.key as Node | null;
      const what = unsupportedKeyKind(key, doc);
      if (what === undefined) return undefined;
      found = { offset: key?.range?.[0] ?? pairOffset(pair.value as Node | null), what };
      return visit.BREAK;
    },
  });
  return found;
}

function unsupportedKeyKind(key: Node | null, doc: Document): string | undefined {
  const node = isAlias(key) ? (key.resolve(doc) ?? null) : key;
  if (node === null || (isScalar(node) && node.value === null)) return 'null';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a sequence';
  return undefined;
}

/** Where a pair without a key node starts: just before its value. */
function pairOffset(value: Node | null): number {
  return Math.max(0, (value?.range?.[0] ?? 1) - 1);
}

/** The problem, for any YAML file we read as JSON (manifests and the config file alike). */
export function unsupportedKeyMessage(key: UnsupportedKey): string {
  return `a mapping key must be a string, number or boolean, and this one is ${key.what}`;
}

/** The problem in a manifest: what kubectl says of it. */
export function unsupportedManifestKeyMessage(key: UnsupportedKey): string {
  const kubectl = key.what === 'null' ? 'unsupported map key' : 'invalid map key';
  return `${unsupportedKeyMessage(key)}; kubectl rejects the document ("${kubectl}"), so it was not checked`;
}
