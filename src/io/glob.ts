/** Minimal globs for the config's `paths`/`ignore`: `**`, `*`, `?`; a plain path also matches what is under it. */

export function globToRegExp(pattern: string): RegExp {
  let p = pattern.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
  const hasGlob = /[*?]/.test(p);
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') {
      if (p[i + 1] === '*') {
        const slash = p[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  if (p === '' || p === '.') return /^.*$/;
  p = re;
  // A directory-like pattern (no glob) also covers everything below it.
  return new RegExp(`^${p}${hasGlob ? '' : '(?:/.*)?'}$`);
}

export function matchesAny(path: string, patterns: readonly RegExp[]): boolean {
  return patterns.some((re) => re.test(path));
}
