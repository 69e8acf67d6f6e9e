// The server-side latency model: per-model rules, seeded jitter within [fixed, fixed + spread).
import { expect, test } from 'vitest';
import { LatencyModel } from '../src/fake-gemini/latency-model.js';

test('per-model rules: first matching glob wins, unmatched models wait 0', () => {
  const model = new LatencyModel({ 'gemini-2.5-pro': { fixedMs: 300 }, 'gemini-*': { fixedMs: 100, spreadMs: 50 } }, 7);
  expect(model.delayFor('gemini-2.5-pro')).toBe(300);
  for (let i = 0; i < 100; i++) {
    const delay = model.delayFor('gemini-2.5-flash');
    expect(delay).toBeGreaterThanOrEqual(100);
    expect(delay).toBeLessThan(150);
  }
  expect(model.delayFor('text-embedding-005')).toBe(0);
});

test('the same seed gives the same jitter sequence; another seed a different one', () => {
  const sequence = (seed: number) => {
    const model = new LatencyModel({ fixedMs: 0, spreadMs: 1000 }, seed);
    return Array.from({ length: 5 }, () => model.delayFor('m'));
  };
  expect(sequence(42)).toEqual(sequence(42));
  expect(sequence(42)).not.toEqual(sequence(43));
});
