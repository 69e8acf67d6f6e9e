// Issue 4, point 3 (Gemini-aware retries), real @google/genai against the TLS/HTTP/2 fake, with the
// pool on a manual clock so backoff and RetryInfo waits are exact.
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '@google/genai';
import { isGempoolError, runWithContext, type RetryScheduledEvent } from '@gempool/core';
import { closeAll, drive, generateBody, outcome, startRig, until, upstream, API_KEY, type Rig , stats } from './qa-rig.js';

afterEach(closeAll);

const MODEL = 'gemini-2.5-flash';
const ask = (rig: Rig, text = 'retry me', model = MODEL) => rig.ai.models.generateContent({ model, contents: text });

function delays(rig: Rig): RetryScheduledEvent[] {
  const seen: RetryScheduledEvent[] = [];
  rig.pool.on('retry-scheduled', (event) => seen.push(event));
  return seen;
}

describe('issue 4.3: retries', () => {
  it('429 without RetryInfo: exponential backoff with full jitter from 1 s, capped at 32 s', async () => {
    const rig = await startRig({ retry: { maxAttempts: 9 } }, { faults: [{ kind: 'status', status: 429, retryInfo: false, times: 8 }] });
    const scheduled = delays(rig);
    const response = await drive(rig.clock, ask(rig), 500, 600_000);
    expect(response.text).toBe('Echo: retry me');
    expect(upstream(rig.fake, MODEL)).toBe(9);
    scheduled.forEach((event, i) => {
      expect(event.delayMs).toBeGreaterThanOrEqual(0);
      expect(event.delayMs).toBeLessThanOrEqual(Math.min(32_000, 1_000 * 2 ** i));
    });
  });

  it('429 with RetryInfo.retryDelay "45.8s" waits exactly that long', async () => {
    const rig = await startRig({}, { faults: [{ kind: 'status', status: 429, retryDelay: '45.8s' }] });
    const scheduled = delays(rig);
    const call = ask(rig);
    await until(() => scheduled.length === 1);
    expect(scheduled[0]!.delayMs).toBe(45_800);
    await rig.clock.advanceAsync(45_000);
    expect(upstream(rig.fake, MODEL)).toBe(1);
    expect((await drive(rig.clock, call)).text).toBe('Echo: retry me');
    expect(upstream(rig.fake, MODEL)).toBe(2);
  });

  it('a RetryInfo delay longer than the caller deadline ends at once with a typed error', async () => {
    const rig = await startRig({}, { faults: [{ kind: 'status', status: 429, retryDelay: '45.8s' }] });
    const start = rig.clock.now();
    const result = await drive(rig.clock, outcome(runWithContext({ deadlineMs: 10_000 }, () => ask(rig))), 100);
    expect(result.ok ? 'ok' : result.code).toMatch(/^(RETRY_EXHAUSTED|DEADLINE_EXCEEDED)$/);
    expect(rig.clock.now() - start).toBeLessThanOrEqual(10_100);
    expect(upstream(rig.fake, MODEL)).toBe(1);
  });

  it('429 with a per-day QuotaFailure fails fast with QUOTA_EXHAUSTED (no retry)', async () => {
    const rig = await startRig({}, { faults: [{ kind: 'status', status: 429, quota: 'per-day', times: Infinity }] });
    const result = await outcome(ask(rig));
    expect(result.ok ? 'ok' : result.code).toBe('QUOTA_EXHAUSTED');
    expect(upstream(rig.fake, MODEL)).toBe(1);
  });

  it.each([500, 503])('%i: backoff (≤ 1 s first) then success', async (status) => {
    const rig = await startRig({}, { faults: [{ kind: 'status', status, times: 2 }] });
    const scheduled = delays(rig);
    expect((await drive(rig.clock, ask(rig))).text).toBe('Echo: retry me');
    expect(upstream(rig.fake, MODEL)).toBe(3);
    expect(scheduled[0]!.delayMs).toBeLessThanOrEqual(1_000);
  });

  it.each([
    ['504', { kind: 'status', status: 504 }],
    ['reset', { kind: 'reset' }],
  ] as const)('%s: quick, short retry (≤ 100 ms first) then success', async (_name, fault) => {
    const rig = await startRig({}, { faults: [{ ...fault, times: 1 }] });
    const scheduled = delays(rig);
    expect((await drive(rig.clock, ask(rig), 20)).text).toBe('Echo: retry me');
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]!.delayMs).toBeLessThanOrEqual(100);
  });

  it('a GOAWAY from the server does not fail the next call', async () => {
    const rig = await startRig({}, { faults: [{ kind: 'goaway' }] });
    expect((await ask(rig, 'first')).text).toBe('Echo: first');
    expect((await drive(rig.clock, ask(rig, 'second'), 20)).text).toBe('Echo: second');
  });

  it.each([400, 401, 403, 404])('%i is never retried; the SDK sees its ApiError', async (status) => {
    const rig = await startRig({}, { faults: [{ kind: 'status', status, times: Infinity }] });
    const result = await outcome(ask(rig));
    expect(!result.ok && result.error instanceof ApiError && result.error.status === status).toBe(true);
    expect(upstream(rig.fake, MODEL)).toBe(1);
  });

  it('the retry budget keeps retries near 20 % of calls in an outage', async () => {
    const rig = await startRig({ breaker: { enabled: false } }, { faults: [{ kind: 'status', status: 503, times: Infinity }] });
    const calls = 200;
    const all = Promise.all(Array.from({ length: calls }, (_, i) => outcome(ask(rig, `outage ${i}`))));
    const results = await drive(rig.clock, all, 250);
    const retries = upstream(rig.fake, MODEL) - calls;
    expect(results.every((r) => !r.ok)).toBe(true);
    // 20 % of 200 plus a floor of a few per second over the ~16 s the backoffs span; 600 without a budget
    expect(retries).toBeLessThanOrEqual(0.2 * calls + 3 * 20);
    expect(results.some((r) => !r.ok && r.code === 'RETRY_BUDGET_EXHAUSTED')).toBe(true);
  });

  it('per-tier max attempts (tiers.<name>.retry.maxAttempts)', async () => {
    const rig = await startRig(
      { tiers: { cheap: { models: ['gemini-cheap-*'], retry: { maxAttempts: 2 } } } },
      { faults: [{ kind: 'status', status: 503, times: Infinity }] },
    );
    const result = await drive(rig.clock, outcome(ask(rig, 'x', 'gemini-cheap-1')));
    expect(result.ok ? 'ok' : result.code).toBe('RETRY_EXHAUSTED');
    expect(upstream(rig.fake, 'gemini-cheap-1')).toBe(2);
  });

  it('a stream is retried before its first byte reaches the caller', async () => {
    const rig = await startRig({}, { faults: [{ kind: 'status', status: 503, method: 'streamGenerateContent' }] });
    const text = await drive(rig.clock, (async () => {
      let all = '';
      for await (const chunk of await rig.ai.models.generateContentStream({ model: MODEL, contents: 'stream me' })) all += chunk.text ?? '';
      return all;
    })());
    expect(text).toContain('stream');
    expect(upstream(rig.fake, MODEL, 'streamGenerateContent')).toBe(2);
  });

  it('a stream is not retried once bytes reached the caller', async () => {
    const rig = await startRig({}, { faults: [{ kind: 'sse-error', afterChunks: 1, status: 503 }] });
    const chunks: string[] = [];
    const result = await drive(rig.clock, outcome((async () => {
      for await (const chunk of await rig.ai.models.generateContentStream({ model: MODEL, contents: 'cut stream' })) chunks.push(chunk.text ?? '');
    })()));
    expect(result.ok).toBe(false);
    expect(chunks.length).toBeGreaterThanOrEqual(1);
    expect(upstream(rig.fake, MODEL, 'streamGenerateContent')).toBe(1);
  });

  it("the caller's AbortSignal ends a backoff wait at once", async () => {
    const rig = await startRig({}, { faults: [{ kind: 'status', status: 503, times: Infinity }] });
    const controller = new AbortController();
    const scheduled = delays(rig);
    const call = outcome(rig.ai.models.generateContent({ model: MODEL, contents: 'abort me', config: { abortSignal: controller.signal } }));
    await until(() => scheduled.length === 1);
    controller.abort();
    const result = await call; // no clock movement needed
    expect(result.ok).toBe(false);
    expect(upstream(rig.fake, MODEL)).toBe(1);
    expect(stats(rig.pool).inFlight).toBe(0);
  });

  it('the deadline stops retries: the call ends by its deadline with a typed error', async () => {
    const rig = await startRig({}, { faults: [{ kind: 'status', status: 503, times: Infinity }] });
    const start = rig.clock.now();
    const result = await drive(rig.clock, outcome(runWithContext({ deadlineMs: 3_000 }, () => ask(rig))), 50);
    expect(result.ok ? 'ok' : result.code).toMatch(/^(RETRY_EXHAUSTED|DEADLINE_EXCEEDED)$/);
    expect(rig.clock.now() - start).toBeLessThanOrEqual(3_050);
  });

  it('the final failure is RETRY_EXHAUSTED with status, attempts and every attempt error', async () => {
    const rig = await startRig({}, { faults: [{ kind: 'status', status: 503, times: Infinity }] });
    const url = `${rig.fake.origin}/v1beta/models/${MODEL}:generateContent`;
    const init = { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': API_KEY }, body: generateBody('x') };
    const direct = await drive(rig.clock, outcome(rig.pool.fetch(url, init)));
    const error = direct.ok ? undefined : direct.error;
    expect(isGempoolError(error, 'RETRY_EXHAUSTED')).toBe(true);
    if (!isGempoolError(error)) return;
    expect(error.status).toBe(503);
    expect(error.details?.attempts).toBe(4);
    expect(error.details?.errors).toHaveLength(4);
    expect(JSON.stringify(error)).not.toContain(API_KEY);
    const viaSdk = await drive(rig.clock, outcome(ask(rig)));
    expect(!viaSdk.ok && viaSdk.code === 'RETRY_EXHAUSTED' && viaSdk.error instanceof ApiError && viaSdk.error.status === 503).toBe(true);
  });
});
