// A retry that fails over to another, healthy region is not charged to the retry budget: with no
// budget at all, a burst of calls whose region is down still all succeed through the healthy
// region. Retries that stay in failing regions keep paying (the budget still stops them).
import { createServer } from 'node:net';
import { createGeminiPool, RetryExhaustedError, type GeminiPool, type GeminiPoolOptions } from '@gempool/core';
import { createManualClock, startFakeGemini, type FakeGemini, type ManualClock } from '@gempool/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { callOnce, drive, vertexInit, vertexUrl } from './region-helpers.js';

/** A port nothing listens on (bound, then released): connecting there is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const NO_BUDGET = { budgetRatio: 0, budgetMinPerSecond: 0 };
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function twoRegions(healthy: boolean, options: GeminiPoolOptions = {}): Promise<{ pool: GeminiPool; clock: ManualClock; fake: FakeGemini }> {
  const fake = await startFakeGemini();
  const down = `https://127.0.0.1:${await closedPort()}`;
  const origins: Record<string, string> = { 'us-central1': down, 'europe-west4': healthy ? fake.origin : `https://127.0.0.1:${await closedPort()}` };
  const clock = createManualClock(1_000_000);
  const pool = createGeminiPool({
    regions: ['us-central1', 'europe-west4'],
    resolveRegion: (region) => origins[region]!,
    tls: { ca: fake.ca },
    minConnections: 0,
    coalesce: false,
    autoscale: false,
    leakTimeoutMs: 0,
    clock,
    retry: NO_BUDGET,
    ...options,
  });
  cleanup = async () => {
    await pool.close({ timeoutMs: 1_000 });
    await fake.close();
  };
  return { pool, clock, fake };
}

describe('retry budget and region failover', () => {
  it('a burst against a down region fails over with no budget: every call succeeds', async () => {
    const { pool, clock, fake } = await twoRegions(true);
    const exhausted: unknown[] = [];
    pool.on('retry-budget-exhausted', (event) => exhausted.push(event));
    const calls = Array.from({ length: 20 }, (_, i) => callOnce(pool, vertexUrl('us-central1'), `burst ${i}`));
    const outcomes = await drive(clock, Promise.all(calls));
    expect(outcomes).toEqual(Array.from({ length: 20 }, () => ({ ok: true, status: 200 })));
    expect(exhausted).toEqual([]);
    expect(fake.stats().requests.total).toBe(20);
  });

  it('retries that do not reach a healthy region still take from the budget', async () => {
    // Both regions down: the move to europe-west4 is free, the way back to us-central1 is not.
    const { pool, clock } = await twoRegions(false);
    const failure = await drive(clock, pool.fetch(vertexUrl('us-central1'), vertexInit('down')).then(() => undefined, (error: unknown) => error));
    expect(failure).toBeInstanceOf(RetryExhaustedError);
    expect(failure).toMatchObject({ code: 'RETRY_BUDGET_EXHAUSTED', attempts: 2 });
  });

  it('still obeys maxAttempts: one attempt allowed means no failover', async () => {
    const { pool, clock, fake } = await twoRegions(true, { retry: { ...NO_BUDGET, maxAttempts: 1 } });
    const outcome = await drive(clock, callOnce(pool, vertexUrl('us-central1'), 'single'));
    expect(outcome.ok).toBe(false);
    expect(fake.stats().requests.total).toBe(0);
  });
});
