// The quota limiter on in-process buckets (the embedded default and the Redis fallback), driven by
// a manual clock: rates, priority order, deadlines, 429 pauses and usage corrections.
import { describe, expect, it } from 'vitest';
import { createManualClock } from '@gempool/testing';
import { TypedEmitter, isGempoolError, type QuotaWaitEvent } from '../../src/index.js';
import { createQuotaLimiter } from '../../src/shared-state/quota-limiter.js';
import { LocalQuotaBackend } from '../../src/shared-state/local-quota-backend.js';
import { validateQuotas } from '../../src/shared-state/validate-shared-state-options.js';

function setup(quotas: Record<string, { rpm?: number; tpm?: number }>, burstMs = 1_000) {
  const clock = createManualClock(1_000_000);
  const emitter = new TypedEmitter();
  const waits: QuotaWaitEvent[] = [];
  emitter.on('quota-wait', (event) => waits.push(event));
  const limiter = createQuotaLimiter({ quotas: validateQuotas(quotas), backend: new LocalQuotaBackend(clock), clock, emitter, burstMs });
  return { clock, limiter, waits };
}

/** Starts `count` acquisitions and records the clock time each one is granted. */
function acquireMany(limiter: ReturnType<typeof setup>['limiter'], clock: ReturnType<typeof setup>['clock'], count: number, tokens = 0) {
  const grantedAt: number[] = [];
  const all = Array.from({ length: count }, () =>
    limiter.acquire('gemini-2.5-pro', tokens, { deadline: clock.now() + 3_600_000 }).then(() => grantedAt.push(clock.now())),
  );
  return { grantedAt, all: Promise.all(all) };
}

describe('quota limiter (local buckets)', () => {
  it('admits a burst, then paces requests at the rpm rate', async () => {
    const { clock, limiter } = setup({ 'gemini-2.5-pro': { rpm: 600 } }); // 10/s, burst 10
    const start = clock.now();
    const { grantedAt, all } = acquireMany(limiter, clock, 40);
    await clock.advanceAsync(0);
    expect(grantedAt.length).toBe(10);
    await clock.advanceAsync(1_000);
    expect(grantedAt.length).toBe(20);
    await clock.advanceAsync(2_000);
    await all;
    expect(grantedAt.length).toBe(40);
    // 40 requests = a 10-request burst + 30 more at 10/s: the last one no earlier than 3 s in.
    expect(Math.max(...grantedAt) - start).toBeGreaterThanOrEqual(3_000);
  });

  it('limits tokens per minute and corrects the bucket from the real usage', async () => {
    const { clock, limiter } = setup({ m: { tpm: 60_000 } }); // 1 000 tokens/s, bucket 1 000
    const overestimated = await limiter.acquire('m', 800);
    overestimated.settle(100); // 700 come back: 900 available
    const grantedAt: number[] = [];
    const start = clock.now();
    const underestimated = await limiter.acquire('m', 900);
    grantedAt.push(clock.now() - start);
    underestimated.settle(2_900); // 2 000 more than taken: the bucket is 2 000 in debt
    void limiter.acquire('m', 500).then(() => grantedAt.push(clock.now() - start));
    await clock.advanceAsync(2_000);
    expect(grantedAt).toEqual([0]);
    await clock.advanceAsync(600);
    // 2 000 of debt + 500 needed at 1 000 tokens/s: 2.5 s.
    expect(grantedAt).toEqual([0, 2_500]);
  });

  it('serves higher priority first and keeps FIFO within a priority', async () => {
    const { clock, limiter } = setup({ m: { rpm: 60 } }, 1_000); // 1/s, burst 1
    await limiter.acquire('m', 0);
    const order: string[] = [];
    const deadline = clock.now() + 60_000;
    const calls = [
      limiter.acquire('m', 0, { priority: 10, deadline }).then(() => order.push('bulk-1')),
      limiter.acquire('m', 0, { priority: 10, deadline }).then(() => order.push('bulk-2')),
      limiter.acquire('m', 0, { priority: 100, deadline }).then(() => order.push('critical')),
      limiter.acquire('m', 0, { priority: 50, deadline }).then(() => order.push('standard')),
    ];
    await clock.advanceAsync(5_000);
    await Promise.all(calls);
    expect(order).toEqual(['critical', 'standard', 'bulk-1', 'bulk-2']);
  });

  it('fails a caller with QUOTA_WAIT_TIMEOUT at its deadline and reports the wait', async () => {
    const { clock, limiter, waits } = setup({ m: { rpm: 6 } }); // one request per 10 s
    await limiter.acquire('m', 0);
    const waiting = limiter.acquire('m', 0, { deadline: clock.now() + 20_000 });
    const late = limiter.acquire('m', 0, { deadline: clock.now() + 5_000 }).catch((error: unknown) => error);
    await clock.advanceAsync(5_000);
    const error = await late;
    expect(isGempoolError(error, 'QUOTA_WAIT_TIMEOUT')).toBe(true);
    expect(waits).toContainEqual(expect.objectContaining({ model: 'm', result: 'QUOTA_WAIT_TIMEOUT' }));
    await clock.advanceAsync(5_000);
    await waiting;
    expect(limiter.waiting()).toEqual({});
  });

  it('fails at once when the known wait already runs past the deadline, with retryAfterMs', async () => {
    const { clock, limiter } = setup({ m: { rpm: 1 } });
    await limiter.acquire('m', 0);
    const error = await limiter.acquire('m', 0, { deadline: clock.now() + 1_000 }).catch((caught: unknown) => caught);
    expect(isGempoolError(error, 'QUOTA_WAIT_TIMEOUT')).toBe(true);
    expect((error as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(50_000);
  });

  it('pauses a model after a 429 and resumes when the pause ends', async () => {
    const { clock, limiter, waits } = setup({ m: { rpm: 6_000 } });
    limiter.pause('m', 45_800);
    await clock.advanceAsync(0);
    let admitted = false;
    void limiter.acquire('m', 0, { deadline: clock.now() + 60_000 }).then(() => (admitted = true));
    await clock.advanceAsync(45_000);
    expect(admitted).toBe(false);
    await clock.advanceAsync(1_000);
    expect(admitted).toBe(true);
    expect(waits.at(-1)).toMatchObject({ result: 'admitted', paused: true });
  });

  it('lets models without a quota through without waiting', async () => {
    const { limiter } = setup({ 'gemini-2.5-pro': { rpm: 1 } });
    expect(limiter.covers('gemini-2.5-flash')).toBe(false);
    expect(limiter.covers('models/gemini-2.5-pro')).toBe(true);
    for (let i = 0; i < 100; i++) await limiter.acquire('gemini-2.5-flash', 1_000);
  });

  it('gives up a wait when the caller aborts, leaving the slot to the next caller', async () => {
    const { clock, limiter } = setup({ m: { rpm: 60 } });
    await limiter.acquire('m', 0);
    const controller = new AbortController();
    const aborted = limiter.acquire('m', 0, { signal: controller.signal }).catch((error: unknown) => error);
    await clock.advanceAsync(100);
    controller.abort();
    expect(isGempoolError(await aborted, 'ABORTED')).toBe(true);
    // The slot that the aborted caller would have had is still there for the next one.
    await clock.advanceAsync(900);
    let next = false;
    void limiter.acquire('m', 0).then(() => (next = true));
    await clock.advanceAsync(0);
    expect(next).toBe(true);
  });
});
