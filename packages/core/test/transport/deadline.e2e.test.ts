// The whole-call deadline (`runWithContext({ deadlineMs })`) and the caller's AbortSignal end a
// call wherever it is — queued, in an attempt whose upstream hangs, or reading a body that stalls —
// with a typed error, and give the slot back. Default policies on; time runs on a manual clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiPool, isGempoolError, runWithContext, type GeminiPool, type GeminiPoolOptions } from '@gempool/core';
import { createManualClock, startFakeGemini, type FakeGemini, type ManualClock } from '@gempool/testing';
import { drive } from '../policies/e2e-helpers.js';
import { GENERATE, STREAM, generateInit, until } from './helpers.js';

let fake: FakeGemini;
beforeAll(async () => {
  fake = await startFakeGemini();
});
afterAll(async () => {
  await fake.close();
});

function newPool(options: GeminiPoolOptions = {}): { pool: GeminiPool; clock: ManualClock } {
  const clock = createManualClock(1_000_000);
  const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 0, maxConnections: 2, clock, ...options });
  return { pool, clock };
}

/** What a promise settled to: `HTTP 200`, a gempool code, or `untyped …`. */
const outcome = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    (value) => (value instanceof Response ? `HTTP ${value.status}` : 'done'),
    (error: unknown) => (isGempoolError(error) ? error.code : `untyped ${String(error)}`),
  );

async function expectIdle(pool: GeminiPool): Promise<void> {
  await until(() => pool.stats().inFlight === 0);
  expect(pool.stats().connections.busy).toBe(0);
  expect(pool.stats().queued).toBe(0);
  await pool.close({ timeoutMs: 1000 });
}

describe.each([
  ['HTTP/2', true],
  ['HTTP/1.1', false],
])('whole-call deadline over %s', (_name, http2) => {
  it('ends an attempt whose upstream hangs with DEADLINE_EXCEEDED at the deadline', async () => {
    fake.setFaults([{ kind: 'hang', times: Infinity }]);
    const { pool, clock } = newPool({ http2 });
    const waits: string[] = [];
    pool.on('queue-wait', (event) => waits.push(event.result));
    const call = outcome(runWithContext({ deadlineMs: 2_000 }, () => pool.fetch(fake.origin + GENERATE, generateInit('hang'))));
    await until(() => pool.stats().inFlight === 1);
    await clock.advanceAsync(1_999);
    expect(pool.stats().inFlight).toBe(1);
    await clock.advanceAsync(1);
    expect(await call).toBe('DEADLINE_EXCEEDED');
    // It had a slot: a deadline in flight is not a failed queue wait.
    expect(waits).toEqual([]);
    await expectIdle(pool);
  });

  it('errors a stalled stream body with DEADLINE_EXCEEDED, and a stalled unary call rejects', async () => {
    fake.setFaults([{ kind: 'stall-body', times: Infinity }]);
    const { pool, clock } = newPool({ http2 });
    const response = await runWithContext({ deadlineMs: 2_000 }, () => pool.fetch(fake.origin + STREAM, generateInit('stall stream')));
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    const rest = outcome(reader.read());
    await clock.advanceAsync(2_000);
    expect(await rest).toBe('DEADLINE_EXCEEDED');
    // Unary: coalescing reads the body before answering, so the call itself fails.
    const unary = outcome(runWithContext({ deadlineMs: 2_000 }, () => pool.fetch(fake.origin + GENERATE, generateInit('stall unary'))));
    await until(() => pool.stats().inFlight === 1);
    await clock.advanceAsync(2_000);
    expect(await unary).toBe('DEADLINE_EXCEEDED');
    await expectIdle(pool);
  });

  it('ends a hung attempt and a stalled body with ABORTED when the caller aborts', async () => {
    fake.setFaults([{ kind: 'hang', times: 1 }, { kind: 'stall-body', times: 1 }]);
    const { pool } = newPool({ http2, coalesce: false });
    const hung = new AbortController();
    const call = outcome(pool.fetch(fake.origin + GENERATE, generateInit('hang', { signal: hung.signal })));
    await until(() => pool.stats().inFlight === 1);
    hung.abort();
    expect(await call).toBe('ABORTED');
    const stalled = new AbortController();
    const response = await pool.fetch(fake.origin + STREAM, generateInit('stall', { signal: stalled.signal }));
    const reader = response.body!.getReader();
    await reader.read();
    const rest = outcome(reader.read());
    stalled.abort();
    expect(await rest).toBe('ABORTED');
    await expectIdle(pool);
  });
});

describe('whole-call deadline, other places a call waits', () => {
  it('ends a queued call at its deadline (before the queue timeout)', async () => {
    fake.setFaults([]);
    const { pool, clock } = newPool({ http2: false, maxConnections: 1 });
    const holder = await pool.fetch(fake.origin + STREAM, generateInit('holder'));
    const waits: string[] = [];
    pool.on('queue-wait', (event) => waits.push(event.result));
    const queued = outcome(runWithContext({ deadlineMs: 500 }, () => pool.fetch(fake.origin + GENERATE, generateInit('queued'))));
    await until(() => pool.stats().queued === 1);
    await clock.advanceAsync(500);
    expect(await queued).toBe('DEADLINE_EXCEEDED');
    expect(waits).toEqual(['DEADLINE_EXCEEDED']);
    expect((pool.stats().lanes as Record<string, { rejected: Record<string, number> }>).standard!.rejected.DEADLINE_EXCEEDED).toBe(1);
    await holder.text();
    await expectIdle(pool);
  });

  it("ends a coalesced follower at its own deadline while the leader goes on; the leader's end frees the slot", async () => {
    fake.setFaults([{ kind: 'hang', times: Infinity }]);
    const { pool, clock } = newPool();
    const leaderAbort = new AbortController();
    const leader = outcome(pool.fetch(fake.origin + GENERATE, generateInit('same', { signal: leaderAbort.signal })));
    await until(() => pool.stats().inFlight === 1);
    const follower = outcome(runWithContext({ deadlineMs: 1_000 }, () => pool.fetch(fake.origin + GENERATE, generateInit('same'))));
    await until(() => (pool.stats().coalesce as { shared: number }).shared === 1);
    await clock.advanceAsync(1_000);
    expect(await follower).toBe('DEADLINE_EXCEEDED');
    expect(pool.stats().inFlight).toBe(1);
    leaderAbort.abort();
    expect(await leader).toBe('ABORTED');
    await expectIdle(pool);
  });

  it('without a deadline, a hung upstream ends by headersTimeoutMs with a typed error', async () => {
    fake.setFaults([{ kind: 'hang', times: Infinity }]);
    // A short real headers timeout (undici's own timer); retries' backoff runs on the manual clock.
    const { pool, clock } = newPool({ headersTimeoutMs: 20 });
    const error = await drive(clock, pool.fetch(fake.origin + GENERATE, generateInit('no deadline')), 100).catch((caught: unknown) => caught);
    expect(isGempoolError(error, 'RETRY_EXHAUSTED')).toBe(true);
    expect(isGempoolError((error as Error).cause, 'CONNECTION_ERROR')).toBe(true);
    expect(((error as Error).cause as { details: { reason: string } }).details.reason).toBe('timeout');
    await expectIdle(pool);
  });

  it('without a deadline, a stalled body ends by bodyTimeoutMs with a typed error', async () => {
    fake.setFaults([{ kind: 'stall-body', times: Infinity }]);
    const { pool } = newPool({ bodyTimeoutMs: 20 });
    const response = await pool.fetch(fake.origin + STREAM, generateInit('no deadline stall'));
    const error = await response.text().catch((caught: unknown) => caught);
    expect(isGempoolError(error, 'CONNECTION_ERROR')).toBe(true);
    await expectIdle(pool);
  });
});
