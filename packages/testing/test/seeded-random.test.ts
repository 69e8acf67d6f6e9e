// seededRandom: one seeded PRNG shared by the fake server's jitter, the demo workload and bench.
import { expect, test } from 'vitest';
import { ConfigError } from '@gempool/core';
import { seededRandom } from '@gempool/testing';

const take = (next: () => number, count: number) => Array.from({ length: count }, () => next());

test('the same seed gives the same sequence, another seed a different one', () => {
  expect(take(seededRandom(7), 20)).toEqual(take(seededRandom(7), 20));
  expect(take(seededRandom(7), 20)).not.toEqual(take(seededRandom(8), 20));
});

test('every number is in [0, 1)', () => {
  const values = take(seededRandom(1), 10_000);
  expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
  expect(Math.max(...values)).toBeLessThan(1);
});

test('seeds are taken modulo 2^32, so negative and large integers are valid', () => {
  expect(take(seededRandom(2 ** 32 + 5), 5)).toEqual(take(seededRandom(5), 5));
  expect(take(seededRandom(-1), 5)).toEqual(take(seededRandom(2 ** 32 - 1), 5));
});

test('a seed that is not an integer is a ConfigError naming it', () => {
  for (const seed of [1.5, Number.NaN, Number.POSITIVE_INFINITY, '7' as unknown as number]) {
    expect(() => seededRandom(seed)).toThrow(ConfigError);
    expect(() => seededRandom(seed)).toThrow(/seed/);
  }
});
