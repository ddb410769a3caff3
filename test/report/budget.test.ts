/** The budget arithmetic the PR comment relies on to stay under GitHub's limit. */
import { describe, expect, it } from 'vitest';
import { byteSize, fairShares, fitAll, takeWithin } from '../../src/report/budget.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { fixtureReport } from '../helpers/revisions.js';

/** A small deterministic generator, so a failure is reproducible. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe('fair shares', () => {
  it('never give more than the total or than a part wants, and give every part its floor when the total allows', () => {
    const rnd = random(7);
    for (let round = 0; round < 500; round++) {
      const desired = Array.from({ length: 1 + Math.floor(rnd() * 20) }, () =>
        Math.floor(rnd() ** 3 * 100_000),
      );
      const total = Math.floor(rnd() * 200_000);
      const shares = fairShares(desired, total);
      expect(shares.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(total);
      shares.forEach((s, i) => expect(s).toBeLessThanOrEqual(desired[i]!));
      const floor = 700;
      if (desired.reduce((a, d) => a + Math.min(d, floor), 0) <= total) {
        shares.forEach((s, i) => expect(s).toBeGreaterThanOrEqual(Math.min(desired[i]!, floor)));
      }
      if (desired.reduce((a, b) => a + b, 0) <= total) expect(shares).toEqual(desired);
    }
  });

  it('small parts keep all they need, the rest is split evenly', () => {
    expect(fairShares([100, 10_000, 10_000], 5_100)).toEqual([100, 2_500, 2_500]);
    expect(
      fitAll(
        [
          { full: 'aaaa', fit: () => 'a' },
          { full: 'bbbbbbbb', fit: (n) => 'b'.repeat(n) },
        ],
        8,
      ),
    ).toEqual(['aaaa', 'bbbb']);
  });

  it('takeWithin keeps room for the note on the rest', () => {
    expect(takeWithin([10, 10, 10], 30, () => 5)).toBe(3);
    expect(takeWithin([10, 10, 10], 29, () => 5)).toBe(2);
    expect(takeWithin([10, 10, 10], 14, () => 5)).toBe(0);
  });

  it('the comment stays within any budget, byte for byte, and gets longer as the budget grows', async () => {
    const report = await fixtureReport('https-upgrade-on');
    let previous = 0;
    for (let max = 200; max <= 12_000; max += 397) {
      const md = renderMarkdown(report, { maxBytes: max });
      expect(byteSize(md)).toBeLessThanOrEqual(max);
      expect(byteSize(md)).toBeGreaterThanOrEqual(previous);
      previous = byteSize(md);
    }
  });
});
