/**
 * Size budgets for text that has a hard limit (a GitHub comment: 65,536 characters). Sizes are UTF-8
 * bytes, which are never fewer than characters however GitHub counts them, so staying within the
 * budget in bytes stays within it in characters.
 */

export function byteSize(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Max-min fair shares of `total` for parts that want `desired` each: a part that wants less than an
 * equal share gets what it wants, the rest is split evenly among the others. When the total covers
 * sum(min(desired, m)) for some m, every part gets at least min(desired, m).
 */
export function fairShares(desired: readonly number[], total: number): number[] {
  const shares = new Array<number>(desired.length).fill(0);
  const order = desired.map((_, i) => i).sort((a, b) => desired[a]! - desired[b]!);
  let remaining = Math.max(0, total);
  let left = desired.length;
  for (const i of order) {
    const give = Math.min(desired[i]!, Math.floor(remaining / left));
    shares[i] = give;
    remaining -= give;
    left--;
  }
  return shares;
}

/** A part of a bounded document: its full text, and a way to render it within any budget. */
export interface Fittable {
  full: string;
  /** Text of at most `budget` bytes (possibly empty), complete in itself: no half table or block. */
  fit(budget: number): string;
}

/** Each part within its fair share of the budget; parts that fit whole are not touched. */
export function fitAll(parts: readonly Fittable[], budget: number): string[] {
  const sizes = parts.map((p) => byteSize(p.full));
  if (sizes.reduce((a, b) => a + b, 0) <= budget) return parts.map((p) => p.full);
  const shares = fairShares(sizes, budget);
  return parts.map((p, i) => (sizes[i]! <= shares[i]! ? p.full : p.fit(shares[i]!)));
}

/**
 * The first `count` items that fit in `budget` bytes together with the note about the rest (sized
 * for the worst case), so a list is cut between items, never inside one.
 */
export function takeWithin(
  itemSizes: readonly number[],
  budget: number,
  noteSize: (omitted: number) => number,
): number {
  const total = itemSizes.reduce((a, b) => a + b, 0);
  if (total <= budget) return itemSizes.length;
  const reserve = noteSize(itemSizes.length);
  let used = 0;
  let count = 0;
  for (const size of itemSizes) {
    if (used + size + reserve > budget) break;
    used += size;
    count++;
  }
  return count;
}
