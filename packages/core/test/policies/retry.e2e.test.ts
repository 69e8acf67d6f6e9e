import { afterEach, describe, expect, it } from 'vitest';
import { GempoolError, isGempoolError, runWithContext } from '@gempool/core';
import { drive, prompt, startHarness, until, type PolicyHarness } from './e2e-helpers.js';

describe('retries through the real @google/genai SDK', () => {
  let h: PolicyHarness;
  afterEach(() => h?.close());

  it('waits exactly the RetryInfo delay through a 429 storm, then succeeds', async () => {
    h = await startHarness();
    h.fake.setFaults([{ model: 'gemini-2.5-flash', kind: 'status', status: 429, retryDelay: '3s', times: 2 }]);
    const scheduled = h.events('retry-scheduled');
    const result = await drive(h.clock, h.sdk().models.generateContent(prompt('storm')));
    expect(result.text).toContain('storm');
    expect(scheduled.map((event) => [event.reason, event.delayMs, event.status])).toEqual([
      ['retry-info', 3000, 429],
      ['retry-info', 3000, 429],
    ]);
    expect(h.fake.stats().requests.total).toBe(3);
  });

  it('backs off exponentially with full jitter (1 s base, 32 s cap) when RetryInfo is not honoured', async () => {
    h = await startHarness({ retry: { honorRetryInfo: false, maxAttempts: 6 } });
    h.fake.setFaults([{ kind: 'status', status: 429, times: 5 }]);
    const scheduled = h.events('retry-scheduled');
    await drive(h.clock, h.sdk().models.generateContent(prompt('backoff')), 1000);
    expect(scheduled.map((event) => event.reason)).toEqual(['429', '429', '429', '429', '429']);
    scheduled.forEach((event, retry) => {
      expect(event.delayMs).toBeGreaterThanOrEqual(0);
      expect(event.delayMs).toBeLessThan(Math.min(32_000, 1000 * 2 ** retry));
    });
  });

  it('fails fast with QUOTA_EXHAUSTED on a per-day quota, without retrying', async () => {
    h = await startHarness();
    h.fake.setFaults([{ kind: 'status', status: 429, quota: 'per-day', times: Infinity }]);
    const error = await drive(h.clock, h.sdk().models.generateContent(prompt('daily'))).catch((e: unknown) => e);
    expect(isGempoolError(error, 'QUOTA_EXHAUSTED')).toBe(true);
    expect((error as GempoolError).status).toBe(429);
    expect((error as GempoolError).details).toMatchObject({ quotaIds: ['GenerateRequestsPerDayPerProjectPerModel-FreeTier'] });
    expect(h.fake.stats().requests.total).toBe(1);
  });

  it('retries a 503 burst with backoff and 504s quickly', async () => {
    h = await startHarness();
    h.fake.setFaults([
      { kind: 'status', status: 503, times: 2 },
      { kind: 'status', status: 504, times: 1 },
    ]);
    const scheduled = h.events('retry-scheduled');
    const result = await drive(h.clock, h.sdk().models.generateContent(prompt('burst')), 100);
    expect(result.text).toContain('burst');
    expect(scheduled.map((event) => event.reason)).toEqual(['5xx', '5xx', '504']);
    expect(scheduled[2]!.delayMs).toBeLessThan(1000);
  });

  it('retries a connection reset', async () => {
    h = await startHarness();
    h.fake.setFaults([{ kind: 'reset', scope: 'connection', times: 1 }]);
    const scheduled = h.events('retry-scheduled');
    const result = await drive(h.clock, h.sdk().models.generateContent(prompt('reset')), 100);
    expect(result.text).toContain('reset');
    expect(scheduled.map((event) => event.reason)).toEqual(['reset']);
  });

  it('ends in RETRY_EXHAUSTED with status, attempts and every attempt error', async () => {
    h = await startHarness({ retry: { maxAttempts: 3 } });
    h.fake.setFaults([{ kind: 'status', status: 503, times: Infinity }]);
    const error = (await drive(h.clock, h.sdk().models.generateContent(prompt('down')), 1000).catch((e: unknown) => e)) as GempoolError;
    expect(error.code).toBe('RETRY_EXHAUSTED');
    expect(error.status).toBe(503);
    expect(error.details).toMatchObject({ attempts: 3, stoppedBy: 'max-attempts' });
    expect((error.details!.errors as unknown[]).length).toBe(3);
    expect(JSON.stringify(error.details)).not.toContain('test-key-1');
  });

  it('never retries a 400 and hands the SDK the original response', async () => {
    h = await startHarness();
    h.fake.setFaults([{ kind: 'status', status: 400, times: Infinity }]);
    const error = (await drive(h.clock, h.sdk().models.generateContent(prompt('bad'))).catch((e: unknown) => e)) as { status?: number; name?: string };
    expect(error.name).toBe('ApiError');
    expect(error.status).toBe(400);
    expect(h.fake.stats().requests.total).toBe(1);
  });

  it('does not wait past the caller deadline for a long RetryInfo delay', async () => {
    h = await startHarness();
    h.fake.setFaults([{ kind: 'status', status: 429, retryDelay: '45.8s', times: Infinity }]);
    const error = (await runWithContext({ deadlineMs: 10_000 }, () => h.sdk().models.generateContent(prompt('late'))).catch((e: unknown) => e)) as GempoolError;
    expect(error.code).toBe('RETRY_EXHAUSTED');
    expect(error).toMatchObject({ status: 429, retryAfterMs: 45_800, details: { stoppedBy: 'deadline', attempts: 1 } });
  });

  it("stops a backoff wait at once when the caller's AbortSignal fires", async () => {
    h = await startHarness();
    h.fake.setFaults([{ kind: 'status', status: 429, retryDelay: '30s', times: Infinity }]);
    const scheduled = h.events('retry-scheduled');
    const controller = new AbortController();
    const pending = h.sdk().models.generateContent({ ...prompt('abort me'), config: { abortSignal: controller.signal } }).catch((e: unknown) => e);
    await until(() => scheduled.length === 1);
    controller.abort();
    const error = await pending;
    expect(isGempoolError(error, 'ABORTED')).toBe(true);
    expect(h.fake.stats().requests.total).toBe(1);
  });
});
