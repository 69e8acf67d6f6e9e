// The API-version splitter: proportions over 10 000 keys, stability per key, run-time changes.
import { describe, expect, it } from 'vitest';
import { TrafficSplit, splitPoint } from '../../src/routing/traffic-split.js';

function proportions(split: TrafficSplit, keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) {
    const version = split.versionFor(key);
    counts[version] = (counts[version] ?? 0) + 1;
  }
  for (const version of Object.keys(counts)) counts[version] = counts[version]! / keys.length;
  return counts;
}

const tenants = Array.from({ length: 10_000 }, (_, i) => `tenant-${i}`);

describe('TrafficSplit', () => {
  it('keeps 90/10 within 2 points over 10 000 tenant keys', () => {
    const got = proportions(new TrafficSplit({ v1: 90, v1beta: 10 }), tenants);
    expect(got.v1).toBeGreaterThan(0.88);
    expect(got.v1).toBeLessThan(0.92);
    expect(got.v1beta).toBeGreaterThan(0.08);
    expect(got.v1beta).toBeLessThan(0.12);
  });

  it('keeps a three-way split within 2 points, for random calls too', () => {
    const split = new TrafficSplit({ v1: 50, v1beta: 30, v1alpha: 20 });
    const keyed = proportions(split, tenants);
    expect(keyed.v1).toBeCloseTo(0.5, 1);
    expect(Math.abs(keyed.v1beta! - 0.3)).toBeLessThan(0.02);
    expect(Math.abs(keyed.v1alpha! - 0.2)).toBeLessThan(0.02);
    let seed = 42;
    const random = () => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 0x1_0000_0000);
    const unkeyed = new TrafficSplit({ v1: 50, v1beta: 30, v1alpha: 20 }, random);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) {
      const version = unkeyed.versionFor(undefined);
      counts[version] = (counts[version] ?? 0) + 1;
    }
    expect(Math.abs(counts.v1beta! / 10_000 - 0.3)).toBeLessThan(0.02);
  });

  it('gives one key the same version every time, and moves only the keys the change must move', () => {
    const split = new TrafficSplit({ v1: 90, v1beta: 10 });
    const before = tenants.map((key) => split.versionFor(key));
    expect(tenants.map((key) => split.versionFor(key))).toEqual(before);
    split.set({ v1: 80, v1beta: 20 });
    const after = tenants.map((key) => split.versionFor(key));
    // Nobody on v1beta goes back to v1; about 10 % move from v1 to v1beta.
    expect(before.some((version, i) => version === 'v1beta' && after[i] === 'v1')).toBe(false);
    const moved = before.filter((version, i) => version !== after[i]).length / tenants.length;
    expect(Math.abs(moved - 0.1)).toBeLessThan(0.02);
    expect(split.split).toEqual({ v1: 80, v1beta: 20 });
  });

  it('never routes to a version at 0 %', () => {
    const split = new TrafficSplit({ v1: 100, v1beta: 0 });
    expect(new Set(tenants.map((key) => split.versionFor(key)))).toEqual(new Set(['v1']));
  });

  it('spreads keys evenly over [0, 100)', () => {
    const deciles = new Array<number>(10).fill(0);
    for (const key of tenants) deciles[Math.floor(splitPoint(key) / 10)]!++;
    for (const count of deciles) expect(Math.abs(count - 1_000)).toBeLessThan(100);
  });
});
