// pool.retryEnabled tells integrations whether the pool retries: @gempool/genai and
// @gempool/langchain switch the SDK's / model's own retries off only then, and otherwise leave the
// user's retry settings alone (real SDKs against the fake server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatGoogle } from '@langchain/google';
import { createGeminiPool, type GeminiPoolOptions } from '@gempool/core';
import { createGoogleGenAI } from '@gempool/genai';
import { withGempool } from '@gempool/langchain';
import { createManualClock, startFakeGemini, type FakeGemini } from '@gempool/testing';
import { drive } from './e2e-helpers.js';

const MODEL = 'gemini-2.5-flash';
let fake: FakeGemini;
beforeAll(async () => {
  fake = await startFakeGemini();
});
afterAll(async () => {
  await fake.close();
});

const pool = (options: GeminiPoolOptions = {}) => createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 0, ...options });

describe('pool.retryEnabled', () => {
  it('is true with the default retry policy and false when no call can be retried', async () => {
    const pools = [pool(), pool({ retry: { enabled: false } }), pool({ retry: { maxAttempts: 1 } }), pool({ retry: { maxAttempts: 1 }, tiers: { ultra: { retry: { maxAttempts: 3 } } } })];
    expect(pools.map((p) => p.retryEnabled)).toEqual([true, false, false, true]);
    // Read-only: the pipeline was built with it.
    expect(() => {
      (pools[0] as { retryEnabled: boolean }).retryEnabled = false;
    }).toThrow(TypeError);
    await Promise.all(pools.map((p) => p.close()));
  });

  it('@gempool/genai: one SDK attempt per call while the pool retries', async () => {
    const clock = createManualClock(1_000_000);
    const shared = pool({ clock });
    fake.resetStats();
    fake.setFaults([{ kind: 'status', status: 503, times: Infinity }]);
    const ai = createGoogleGenAI({ apiKey: 'test-key', pool: shared, httpOptions: { baseUrl: fake.origin } });
    const error = await drive(clock, ai.models.generateContent({ model: MODEL, contents: 'always 503' })).catch((caught: unknown) => caught);
    expect((error as { status?: number }).status).toBe(503);
    // gempool's 4 attempts, not multiplied by SDK retries.
    expect(fake.stats().requests.total).toBe(4);
    await shared.close();
  });

  it("@gempool/genai: the user's SDK retryOptions apply when the pool does not retry", async () => {
    const shared = pool({ retry: { enabled: false } });
    fake.resetStats();
    fake.setFaults([{ kind: 'status', status: 503, times: 2 }]);
    const ai = createGoogleGenAI({
      apiKey: 'test-key',
      pool: shared,
      httpOptions: { baseUrl: fake.origin, retryOptions: { attempts: 3, initialDelay: 0.001, maxDelay: 0.002 } },
    });
    const response = await ai.models.generateContent({ model: MODEL, contents: 'sdk retries' });
    expect(response.text).toBe('Echo: sdk retries');
    expect(fake.stats().requests.total).toBe(3);
    await shared.close();
  });

  it("@gempool/langchain: the model's maxRetries goes to 0 only while the pool retries", async () => {
    const model = (maxRetries: number) => new ChatGoogle({ model: MODEL, apiKey: 'test-key', endpoint: fake.origin, maxRetries } as never);
    const [retrying, notRetrying] = [pool(), pool({ retry: { enabled: false } })];
    const routedToRetrying = withGempool(model(2), retrying) as unknown as { caller: { maxRetries: number } };
    const routedToPlain = withGempool(model(2), notRetrying) as unknown as { caller: { maxRetries: number } };
    expect(routedToRetrying.caller.maxRetries).toBe(0);
    expect(routedToPlain.caller.maxRetries).toBe(2);
    await Promise.all([retrying.close(), notRetrying.close()]);
  });
});
