/** The growth benchmark's command line: what it measures unless told, and clear errors for bad input. */
import { describe, expect, it } from 'vitest';
import { parseGrowthArgs } from '../../bench/growth.js';
import { DIMENSIONS } from '../../bench/scale-repo.js';

describe('growth benchmark arguments', () => {
  it('measures every dimension, one round, 1x -> 10x, unless told', () => {
    expect(parseGrowthArgs([])).toEqual({
      names: Object.keys(DIMENSIONS),
      rounds: 1,
      factor: 10,
    });
  });

  it('takes dimensions as words or --dimension lists, and --rounds and --factor', () => {
    expect(
      parseGrowthArgs(['authz', '--dimension', 'from,gateways', '--rounds', '3', '--factor', '3']),
    ).toEqual({ names: ['authz', 'from', 'gateways'], rounds: 3, factor: 3 });
  });

  it('rejects an unknown dimension, naming the known ones', () => {
    expect(() => parseGrowthArgs(['gateway'])).toThrow(
      /unknown dimension gateway; have: gateways, destinations, from, hand-written, authz/,
    );
  });

  it('rejects rounds and factors that are no whole numbers, and unknown options', () => {
    expect(() => parseGrowthArgs(['--rounds', '0'])).toThrow(/--rounds needs a whole number/);
    expect(() => parseGrowthArgs(['--rounds'])).toThrow(/got undefined/);
    expect(() => parseGrowthArgs(['--factor', '1'])).toThrow(/of 2 or more/);
    expect(() => parseGrowthArgs(['--factor', '2.5'])).toThrow(/--factor needs a whole number/);
    expect(() => parseGrowthArgs(['--round', '2'])).toThrow(/unknown option --round/);
  });
});
