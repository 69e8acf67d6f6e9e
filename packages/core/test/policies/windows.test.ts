import { describe, expect, it } from 'vitest';
import { createManualClock } from '@gempool/testing';
import { createFullJitterBackoff } from '../../src/policies/backoff.js';
import { createRetryBudget } from '../../src/policies/retry-budget.js';
import { LatencyWindow } from '../../src/policies/latency-window.js';

describe('full-jitter backoff', () => {
  it('grows exponentially from the base and is capped, scaled by the random draw', () => {
    const top = createFullJitterBackoff({ baseDelayMs: 1000, maxDelayMs: 32_000, random: () => 0.999_999 });
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((retry) => top.delayMs(retry))).toEqual([999, 1999, 3999, 7999, 15_999, 31_999, 31_999, 31_999]);
    const half = createFullJitterBackoff({ baseDelayMs: 1000, maxDelayMs: 32_000, random: () => 0.5 });
    expect(half.delayMs(2)).toBe(2000);
    const bottom = createFullJitterBackoff({ baseDelayMs: 1000, maxDelayMs: 32_000, random: () => 0 });
    expect(bottom.delayMs(3)).toBe(0);
  });
});

describe('retry budget', () => {
  it('allows the floor per second when quiet, then at most ratio × calls', () => {
    const clock = createManualClock();
    const budget = createRetryBudget(clock, { ratio: 0.2, minPerSecond: 0.5, windowMs: 10_000 });
    // Floor: 0.5/s × 10 s = 5 retries.
    for (let i = 0; i < 5; i++) expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
    for (let i = 0; i < 50; i++) budget.recordCall();
    // 20 % of 50 calls = 10 retries, 5 already spent.
    expect(budget.remaining()).toBe(5);
    for (let i = 0; i < 5; i++) expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
  });

  it('refills as the window rolls on', () => {
    const clock = createManualClock();
    const budget = createRetryBudget(clock, { ratio: 0, minPerSecond: 0.1, windowMs: 10_000 });
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
    clock.advance(10_000);
    expect(budget.tryAcquire()).toBe(true);
  });
});

describe('latency window', () => {
  it('computes the error rate over the rolling window only', () => {
    const clock = createManualClock();
    const window = new LatencyWindow(clock, 10_000, 5000);
    for (let i = 0; i < 4; i++) window.record(10, true);
    clock.advance(6000);
    for (let i = 0; i < 4; i++) window.record(10, false);
    expect(window.verdict()).toMatchObject({ calls: 8, failures: 4, errorRate: 0.5 });
    clock.advance(5000);
    expect(window.verdict()).toMatchObject({ calls: 4, failures: 0, errorRate: 0 });
  });

  it('says p99 exceeds the threshold exactly when more than 1 % of calls are slower', () => {
    const clock = createManualClock();
    const window = new LatencyWindow(clock, 10_000, 5000);
    for (let i = 0; i < 199; i++) window.record(100, false);
    window.record(9000, false);
    // 200 calls: nearest-rank p99 is the 198th value → 100 ms.
    expect(window.p99Exceeded()).toBe(false);
    window.record(9000, false);
    window.record(9000, false);
    // 202 calls, 3 slow: the 200th value is slow.
    expect(window.p99Exceeded()).toBe(true);
  });
});
