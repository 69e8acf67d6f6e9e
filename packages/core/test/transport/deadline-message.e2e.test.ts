// DEADLINE_EXCEEDED names the caller's deadline, not the time left when the call joined a queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiPool, isGempoolError, runWithContext } from '@gempool/core';
import { createManualClock, startFakeGemini, type FakeGemini } from '@gempool/testing';
import { GENERATE, STREAM, generateInit, until } from './helpers.js';

let fake: FakeGemini;
beforeAll(async () => {
  fake = await startFakeGemini();
});
afterAll(() => fake.close());

describe('deadline error message', () => {
  it('a call that queues for a slot 300 ms into its 500 ms deadline fails naming 500 ms', async () => {
    const clock = createManualClock(1_000_000);
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, http2: false, minConnections: 0, maxConnections: 1, clock });
    const holder = await pool.fetch(fake.origin + STREAM, generateInit('holder')); // takes the only slot
    // A coalescing leader with no deadline queues; an identical follower with a 500 ms deadline shares it…
    const leaderAbort = new AbortController();
    const leader = pool.fetch(fake.origin + GENERATE, generateInit('same', { signal: leaderAbort.signal })).catch((error: unknown) => error);
    const follower = runWithContext({ deadlineMs: 500 }, () => pool.fetch(fake.origin + GENERATE, generateInit('same'))).catch((error: unknown) => error);
    await until(() => pool.stats().queued === 1);
    await clock.advanceAsync(300);
    // …until the leader gives up: the follower sends on its own and queues with 200 ms left.
    leaderAbort.abort();
    expect(isGempoolError(await leader, 'ABORTED')).toBe(true);
    await until(() => pool.stats().queued === 1);
    await clock.advanceAsync(250);
    const error = await follower;
    expect(isGempoolError(error, 'DEADLINE_EXCEEDED')).toBe(true);
    expect((error as Error).message).toContain('500 ms');
    expect((error as { details: { deadlineMs: number } }).details.deadlineMs).toBe(500);
    await holder.text();
    await pool.close({ timeoutMs: 1_000 });
  });
});
