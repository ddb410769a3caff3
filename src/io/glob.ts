/**
 * The config's `paths`/`ignore` patterns, matched by picomatch with the rules users know from
 * .gitignore (documented in docs/lint.md):
 * - patterns are relative to the repository root (a leading `/` or `./` changes nothing);
 * - `*`, `?`, `**`, `[a-z]`, `{a,b}` as in picomatch; `*` also matches names starting with a dot;
 * - a pattern that matches a folder also matches everything under it;
 * - `!pattern` takes back what earlier patterns of the same list matched (the last match wins);
 * - in `ignore` only, a pattern without a `/` matches at any depth (`*.tmpl.yaml`, `charts`).
 */
import picomatch from 'picomatch';

export interface GlobList {
  /** Whether the last pattern matching `path` (or a folder above it) is positive; undefined: none matches. */
  decide(path: string): boolean | undefined;
  /** The literal leading folders of the positive patterns (`clusters` of `clusters/*\/egress`). */
  bases: string[];
  hasNegation: boolean;
}

interface Compiled {
  negated: boolean;
  match: (path: string) => boolean;
  base: string;
}

export function compileGlobs(
  patterns: readonly string[],
  options: { anyDepthWithoutSlash?: boolean } = {},
): GlobList {
  const compiled = patterns.map((p) => compileOne(p, options.anyDepthWithoutSlash === true));
  return {
    decide(path) {
      const dirs = ancestors(path);
      let result: boolean | undefined;
      for (const c of compiled) if (dirs.some((d) => c.match(d))) result = !c.negated;
      return result;
    },
    bases: compiled.filter((c) => !c.negated).map((c) => c.base),
    hasNegation: compiled.some((c) => c.negated),
  };
}

function compileOne(pattern: string, anyDepthWithoutSlash: boolean): Compiled {
  const negated = pattern.startsWith('!');
  const normalized = normalize(negated ? pattern.slice(1) : pattern);
  let body = normalized.replace(/^\/+/, '');
  if (body === '' || body === '.') return { negated, match: () => true, base: '' };
  // As in .gitignore, a leading slash anchors a pattern to the root.
  if (anyDepthWithoutSlash && !normalized.includes('/')) body = `**/${body}`;
  const { base, isGlob } = picomatch.scan(body);
  return { negated, match: picomatch(body, { dot: true }), base: isGlob ? base : body };
}

export function normalize(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
}

/** `a/b/c.yaml` -> `a`, `a/b`, `a/b/c.yaml`: a pattern may name any of them. */
export function ancestors(path: string): string[] {
  const parts = path.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}
