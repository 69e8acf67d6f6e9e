import { afterEach, describe, expect, it } from 'vitest';
import { isGempoolError, type GempoolError } from '@gempool/core';
import { drive, prompt, startHarness, until, type PolicyHarness } from './e2e-helpers.js';

describe('circuit breakers through the real @google/genai SDK', () => {
  let h: PolicyHarness;
  afterEach(() => h?.close());

  const call = (text = 'hello') => h.sdk().models.generateContent(prompt(text));

  it('trips on errors, fails fast with BREAKER_OPEN, half-opens after 30 s and closes on a good probe', async () => {
    h = await startHarness({ retry: { enabled: false } });
    const states = h.events('breaker-state');
    const rejected = h.events('breaker-rejected');
    h.fake.setFaults([{ kind: 'status', status: 503, times: 10 }]);
    for (let i = 0; i < 10; i++) await call().catch(() => {});
    expect(states.map((e) => [e.endpoint, e.to, e.reason])).toEqual([['gemini-2.5-flash|-|v1', 'open', 'errors']]);

    const error = await call().catch((e: unknown) => e);
    expect(isGempoolError(error, 'BREAKER_OPEN')).toBe(true);
    expect(rejected).toHaveLength(1);
    expect(h.fake.stats().requests.total).toBe(10);
    expect(h.pool.stats().breakers).toEqual([expect.objectContaining({ endpoint: 'gemini-2.5-flash|-|v1', state: 'open' })]);

    h.clock.advance(30_000);
    expect(states.at(-1)).toMatchObject({ to: 'half-open', reason: 'timeout' });
    expect((await call('probe')).text).toContain('probe');
    expect(states.at(-1)).toMatchObject({ from: 'half-open', to: 'closed', reason: 'probe-success' });
  });

  it('counts 4xx other than 429 as successes', async () => {
    h = await startHarness({ retry: { enabled: false } });
    h.fake.setFaults([{ kind: 'status', status: 400, times: 20 }]);
    for (let i = 0; i < 20; i++) await call().catch(() => {});
    expect(h.pool.stats().breakers).toEqual([expect.objectContaining({ state: 'closed', failures: 0, calls: 20 })]);
  });

  it('trips on p99 latency when responses are slow but successful (latency measured on the clock)', async () => {
    h = await startHarness({ retry: { enabled: false } }, { latency: { fixedMs: 300 } }); // long enough for all 10 to be in flight at once, even on a busy machine
    const states = h.events('breaker-state');
    const calls = Array.from({ length: 10 }, (_, i) => call(`slow ${i}`));
    await until(() => h.fake.stats().inFlight === 10);
    h.clock.advance(6000); // every call now took 6 s of pool time
    const results = await Promise.all(calls);
    expect(results.every((r) => r.text?.includes('slow'))).toBe(true);
    expect(states.map((e) => [e.to, e.reason])).toEqual([['open', 'latency']]);
    expect(isGempoolError(await call().catch((e: unknown) => e), 'BREAKER_OPEN')).toBe(true);
  });

  it('falls back to the tier fallback model while the tier breaker is open', async () => {
    h = await startHarness({ retry: { enabled: false }, tiers: { ultra: { fallbackModel: 'gemini-2.5-pro' } } });
    h.fake.setFaults([{ model: 'gemini-ultra', kind: 'status', status: 500, times: 5 }]);
    const ultra = () => h.sdk().models.generateContent({ model: 'gemini-ultra', contents: 'big question' });
    for (let i = 0; i < 5; i++) await ultra().catch(() => {}); // the ultra tier trips after 5 calls
    const rejected = h.events('breaker-rejected');
    const result = await ultra();
    expect(result.text).toContain('big question');
    expect(rejected[0]).toMatchObject({ model: 'gemini-ultra', fallbackModel: 'gemini-2.5-pro' });
    expect(h.fake.stats().requests.byModel['gemini-2.5-pro']).toBe(1);
  });

  it('stops retrying once the retry budget is spent (RETRY_BUDGET_EXHAUSTED)', async () => {
    h = await startHarness({ retry: { budgetRatio: 0, budgetMinPerSecond: 0.1 } });
    const exhausted = h.events('retry-budget-exhausted');
    h.fake.setFaults([{ kind: 'status', status: 503, times: Infinity }]);
    const error = (await drive(h.clock, call(), 1000).catch((e: unknown) => e)) as GempoolError;
    expect(error.code).toBe('RETRY_BUDGET_EXHAUSTED');
    expect(error.details).toMatchObject({ attempts: 2, stoppedBy: 'budget' });
    expect(exhausted).toHaveLength(1);
    expect(h.fake.stats().requests.total).toBe(2);
  });
});
