import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiPool, isGempoolError, type GempoolEvents } from '@gempool/core';
import { createManualClock, startFakeGemini, type FakeGemini } from '@gempool/testing';
import { GENERATE, STREAM, TRANSPORT_ONLY, generateInit } from './helpers.js';

describe('leases and leaks (manual clock)', () => {
  let fake: FakeGemini;
  beforeAll(async () => {
    fake = await startFakeGemini();
  });
  afterAll(() => fake.close());

  it('force-returns an unread body after leakTimeoutMs, with the caller stack; reading later fails', async () => {
    const clock = createManualClock();
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 1, maxConnections: 1, leakTimeoutMs: 30_000, clock, ...TRANSPORT_ONLY });
    const leaks: GempoolEvents['leak'][] = [];
    const late: GempoolEvents['returned-late'][] = [];
    pool.on('leak', (info) => leaks.push(info)).on('returned-late', (info) => late.push(info));
    const abandoned = await pool.fetch(fake.origin + GENERATE, generateInit()); // never read
    expect(pool.stats().inFlight).toBe(1);
    await clock.advanceAsync(29_000);
    expect(leaks).toHaveLength(0);
    await clock.advanceAsync(10_000);
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({ model: 'gemini-2.5-flash', method: 'generateContent', origin: fake.origin, forceReturned: true });
    expect(leaks[0]!.heldMs).toBeGreaterThanOrEqual(30_000);
    expect(leaks[0]!.stack).toContain('leaks.test.ts');
    expect(pool.stats().leaks).toEqual({ detected: 1, forceReturned: 1 });
    expect(pool.stats().inFlight).toBe(0);
    const error = await abandoned.text().catch((e: unknown) => e);
    expect(isGempoolError(error, 'LEASE_FORCE_RETURNED')).toBe(true);
    expect(late).toHaveLength(1);
    await pool.close();
  });

  it('never treats a consumer that keeps reading a stream as a leak', async () => {
    const slow = await startFakeGemini({ streamChunks: 8, streamIntervalMs: 5 });
    const clock = createManualClock();
    const pool = createGeminiPool({ origins: [slow.origin], tls: { ca: slow.ca! }, minConnections: 1, leakTimeoutMs: 1_000, clock, ...TRANSPORT_ONLY });
    const leaks: unknown[] = [];
    pool.on('leak', (info) => leaks.push(info));
    const response = await pool.fetch(slow.origin + STREAM, generateInit());
    const reader = response.body!.getReader();
    let chunks = 0;
    for (;;) {
      // 600 ms of clock per chunk: far more than leakTimeoutMs in total, never that long without a read.
      await clock.advanceAsync(600);
      const { done } = await reader.read();
      if (done) break;
      chunks++;
    }
    expect(chunks).toBeGreaterThan(0);
    expect(clock.now()).toBeGreaterThan(1_000);
    expect(leaks).toHaveLength(0);
    expect(pool.stats().inFlight).toBe(0);
    await pool.close();
    await slow.close();
  });

  it('1,000 abandoned responses over time never exhaust the pool', async () => {
    const clock = createManualClock();
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, http2: false, minConnections: 0, maxConnections: 4, leakTimeoutMs: 1_000, clock, ...TRANSPORT_ONLY });
    for (let round = 0; round < 250; round++) {
      // Four callers take every slot and never read their bodies…
      const responses = await Promise.all(Array.from({ length: 4 }, () => pool.fetch(fake.origin + GENERATE, generateInit())));
      expect(responses.every((response) => response.status === 200)).toBe(true);
      // …and the leak sweep gives the slots back.
      await clock.advanceAsync(1_500);
    }
    expect(pool.stats().leaks).toEqual({ detected: 1_000, forceReturned: 1_000 });
    expect(pool.stats().inFlight).toBe(0);
    expect(pool.stats().connections.created).toBeLessThanOrEqual(8);
    expect((await pool.fetch(fake.origin + GENERATE, generateInit())).status).toBe(200);
    await pool.close({ timeoutMs: 0 });
  });

  it('captures no stack when leak detection is off', async () => {
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 0, leakTimeoutMs: 0, ...TRANSPORT_ONLY });
    const stacks: string[] = [];
    const original = Error.captureStackTrace;
    Error.captureStackTrace = (target: object, ctor?: (...args: never[]) => unknown) => {
      stacks.push('captured');
      original(target, ctor);
    };
    try {
      await (await pool.fetch(fake.origin + GENERATE, generateInit())).text();
    } finally {
      Error.captureStackTrace = original;
    }
    expect(stacks).toHaveLength(0);
    await pool.close();
  });
});
