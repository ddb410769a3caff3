/** Names of rendered resources: DNS-1123, at most 63 characters, derived from the names users wrote. */
import { createHash } from 'node:crypto';

export const MAX_NAME = 63;

/** Lower-case, anything outside [a-z0-9-] becomes '-', no leading/trailing or doubled '-'. */
export function sanitize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * Join the parts into a DNS-1123 label. When the result is too long it is cut and given a hash of the
 * full name, so two long names that share a prefix still differ.
 */
export function dnsLabel(...parts: string[]): string {
  const full = sanitize(parts.filter(Boolean).join('-')) || 'x';
  if (full.length <= MAX_NAME) return full;
  const hash = shortHash(full);
  const head = full.slice(0, MAX_NAME - hash.length - 1).replace(/-+$/, '');
  return `${head}-${hash}`;
}

/** Label values: at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
export function labelValue(text: string): string {
  const clean = text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  if (clean.length <= MAX_NAME) return clean;
  const hash = shortHash(text);
  return `${clean.slice(0, MAX_NAME - hash.length - 1).replace(/[^A-Za-z0-9]+$/, '')}-${hash}`;
}
