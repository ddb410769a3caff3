/**
 * The YAML dialect we read, which is kubectl's: the parser options, and the resolution of plain
 * scalars that the simple reader shares with the full parser.
 */
import {
  Document,
  isScalar,
  type DocumentOptions,
  type ParseOptions,
  type ScalarTag,
  type SchemaOptions,
  type Tags,
} from 'yaml';
import { DECLINED, type PlainResolver } from './simple-yaml.js';

/**
 * kubectl reads YAML 1.1 the way go-yaml v2 does, and so do we: yes/no/on/off are booleans, merge keys
 * work, 0777 is octal. Three of the YAML 1.1 schema's rules go beyond go-yaml and would change common
 * Istio values, so they are left out: a float needs a digit (`exportTo: [.]` is the string "."), there
 * are no base-60 numbers (`1:20` stays a string), and a timestamp stays the text it was written as
 * (go-yaml v2 decode.go keeps it a string "for backward compatibility" when decoding into interface{},
 * as sigs.k8s.io/yaml does), where the library would make a Date, or a Date's toString() of a key.
 */
const KUBECTL_YAML11_TAGS = (tags: Tags): Tags =>
  tags
    .filter((t) => (t as ScalarTag).format !== 'TIME')
    .map((t) => {
      const tag = t as ScalarTag;
      if (tag.tag === 'tag:yaml.org,2002:timestamp') return { ...tag, resolve: (s: string) => s };
      return tag.tag === 'tag:yaml.org,2002:float' && tag.test?.test('.')
        ? { ...tag, test: /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/ }
        : t;
    });

export const YAML_OPTIONS = {
  version: '1.1',
  customTags: KUBECTL_YAML11_TAGS,
  merge: true,
  uniqueKeys: true,
  prettyErrors: false,
  keepSourceTokens: false,
  // The library would print its warnings (e.g. a collection as a key) to stderr as process warnings;
  // what they are about becomes a finding instead (mapping-keys.ts).
  logLevel: 'error',
} as const;

/**
 * Plain scalars resolved by the full parser's own tags under `parserOptions` (so the simple reader
 * and the parser agree on every `yes`, `0777` and `1e3`), remembered because manifests repeat them.
 * Keys must stay strings; values must be primitives.
 */
export function plainScalarResolver(
  parserOptions: DocumentOptions & SchemaOptions & ParseOptions,
): PlainResolver {
  const { schema, options } = new Document(null, parserOptions);
  const tags = schema.tags.filter((t): t is ScalarTag => !t.collection && !!t.test);
  const valueTags = tags.filter((t) => t.default === true);
  const keyTags = tags.filter((t) => t.default === true || t.default === 'key');
  const known = new Map<string, unknown>();
  const resolve = (source: string): unknown => {
    const tag = valueTags.find((t) => t.test!.test(source));
    if (!tag) return source;
    let failed = false;
    try {
      const resolved: unknown = tag.resolve(source, () => (failed = true), options);
      const value = isScalar(resolved) ? resolved.value : resolved;
      const primitive = value === null || ['string', 'number', 'boolean'].includes(typeof value);
      return failed || !primitive ? DECLINED : value;
    } catch {
      return DECLINED;
    }
  };
  const keys = new Set<string>();
  return (source, atKey) => {
    if (atKey) {
      if (keys.has(source)) return source;
      if (keyTags.some((t) => t.test!.test(source))) return DECLINED;
      if (keys.size < 100_000) keys.add(source);
      return source;
    }
    let value = known.get(source);
    if (value === undefined) {
      value = resolve(source);
      if (known.size < 100_000) known.set(source, value);
    }
    return value;
  };
}

/** Plain scalars as kubectl's dialect (YAML_OPTIONS) reads them. */
export const resolvePlainScalar: PlainResolver = plainScalarResolver(YAML_OPTIONS);
