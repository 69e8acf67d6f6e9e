// Queue bounds with the default policies on (lanes, breaker, retry, coalescing): the pool's
// maxQueue bounds the calls waiting in all lanes together, a lane without its own bounds inherits
// the pool's queueTimeoutMs, and a lane's own bounds are used as set (never capped by the pool's).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiPool, isGempoolError, runWithContext, type GeminiPool, type GeminiPoolOptions } from '@gempool/core';
import { createManualClock, startFakeGemini, type FakeGemini, type ManualClock } from '@gempool/testing';
import { GENERATE, STREAM, generateInit, until } from '../transport/helpers.js';

let fake: FakeGemini;
beforeAll(async () => {
  fake = await startFakeGemini({ tls: false });
});
afterAll(async () => {
  await fake.close();
});

interface Setup {
  pool: GeminiPool;
  clock: ManualClock;
  /** Holds the only connection slot: a stream whose body nobody reads. */
  holder: Response;
}

async function saturated(options: GeminiPoolOptions = {}): Promise<Setup> {
  const clock = createManualClock(1_000_000);
  const pool = createGeminiPool({ origins: [fake.origin], http2: false, minConnections: 1, maxConnections: 1, maxQueue: 2, queueTimeoutMs: 1000, clock, ...options });
  const holder = await pool.fetch(fake.origin + STREAM, generateInit('holder'));
  expect(pool.stats().inFlight).toBe(1);
  return { pool, clock, holder };
}

/** A distinct generate call (distinct prompts: coalescing must not merge them), settled to its code. */
const call = (pool: GeminiPool, text: string): Promise<string> =>
  pool.fetch(fake.origin + GENERATE, generateInit(text)).then(
    async (response) => (await response.text(), `HTTP ${response.status}`),
    (error: unknown) => (isGempoolError(error) ? error.code : `untyped ${String(error)}`),
  );

async function finish({ pool, holder }: Setup): Promise<void> {
  if (!holder.bodyUsed) await holder.body?.cancel();
  await until(() => pool.stats().inFlight === 0);
  expect(pool.stats().connections.busy).toBe(0);
  await pool.close({ timeoutMs: 1000 });
}

describe('queue bounds with lanes on (default policies)', () => {
  it('lists every lane in stats from construction, with its effective bounds', async () => {
    const pool = createGeminiPool({ origins: [fake.origin], minConnections: 0, maxQueue: 2, queueTimeoutMs: 1000, lanes: { bulk: { queueTimeoutMs: 120_000 } } });
    const zero = { QUEUE_FULL: 0, QUEUE_TIMEOUT: 0, DEADLINE_EXCEEDED: 0, ABORTED: 0 };
    expect(pool.stats().lanes).toEqual({
      critical: { queued: 0, inFlight: 0, admitted: 0, rejected: zero, waitP50Ms: 0, waitP95Ms: 0, maxQueue: 2, queueTimeoutMs: 1000 },
      standard: { queued: 0, inFlight: 0, admitted: 0, rejected: zero, waitP50Ms: 0, waitP95Ms: 0, maxQueue: 2, queueTimeoutMs: 1000 },
      bulk: { queued: 0, inFlight: 0, admitted: 0, rejected: zero, waitP50Ms: 0, waitP95Ms: 0, maxQueue: 2, queueTimeoutMs: 120_000 },
    });
    await pool.close();
  });

  it('fails the call past the pool maxQueue with QUEUE_FULL and the queued ones with QUEUE_TIMEOUT after queueTimeoutMs', async () => {
    const setup = await saturated();
    const { pool, clock } = setup;
    const queued = [call(pool, 'second'), call(pool, 'third')];
    await until(() => pool.stats().queued === 2);
    expect(await call(pool, 'fourth')).toBe('QUEUE_FULL');
    await clock.advanceAsync(999);
    expect(pool.stats().queued).toBe(2);
    await clock.advanceAsync(1);
    expect(await Promise.all(queued)).toEqual(['QUEUE_TIMEOUT', 'QUEUE_TIMEOUT']);
    const lanes = pool.stats().lanes as Record<string, { queued: number; rejected: Record<string, number> }>;
    expect(lanes.standard).toMatchObject({ queued: 0, rejected: { QUEUE_FULL: 1, QUEUE_TIMEOUT: 2 } });
    await finish(setup);
  });

  it("uses a lane's own maxQueue when set", async () => {
    const setup = await saturated({ lanes: { standard: { maxQueue: 1 } } });
    const { pool, clock } = setup;
    const queued = call(pool, 'second');
    await until(() => pool.stats().queued === 1);
    expect(await call(pool, 'third')).toBe('QUEUE_FULL');
    // Another lane still has room under the pool's maxQueue (2).
    const bulk = runWithContext({ lane: 'bulk' }, () => call(pool, 'bulk'));
    await until(() => pool.stats().queued === 2);
    await clock.advanceAsync(1000);
    expect([await queued, await bulk]).toEqual(['QUEUE_TIMEOUT', 'QUEUE_TIMEOUT']);
    await finish(setup);
  });

  it("waits a lane's own queueTimeoutMs, longer than the pool's, while other lanes inherit the pool's", async () => {
    const setup = await saturated({ lanes: { standard: { queueTimeoutMs: 5000 } } });
    const { pool, clock } = setup;
    const standard = call(pool, 'standard lane');
    const bulk = runWithContext({ lane: 'bulk' }, () => call(pool, 'bulk lane'));
    await until(() => pool.stats().queued === 2);
    await clock.advanceAsync(1000);
    expect(await bulk).toBe('QUEUE_TIMEOUT');
    expect(pool.stats().queued).toBe(1);
    await clock.advanceAsync(3999);
    expect(pool.stats().queued).toBe(1);
    await clock.advanceAsync(1);
    expect(await standard).toBe('QUEUE_TIMEOUT');
    await finish(setup);
  });

  it('serves the queued calls once the slot frees up', async () => {
    const setup = await saturated();
    const { pool, holder } = setup;
    const queued = [call(pool, 'one'), call(pool, 'two')];
    await until(() => pool.stats().queued === 2);
    await holder.text();
    expect(await Promise.all(queued)).toEqual(['HTTP 200', 'HTTP 200']);
    const lanes = pool.stats().lanes as Record<string, { admitted: number; waitP95Ms: number }>;
    expect(lanes.standard!.admitted).toBe(3);
    await finish(setup);
  });
});
