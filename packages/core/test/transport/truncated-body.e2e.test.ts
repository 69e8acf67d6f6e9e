// A body that does not arrive whole errors with a typed GempoolError, never a clean end with half
// the JSON (which the SDK turns into a bare SyntaxError). The soak found it: on HTTP/2, when the
// server tears a connection down while a response on it is part-way through its body, Node's
// client (and so undici) reports that response as ended cleanly.
import { GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiPool, isGempoolError, runWithContext, type GeminiPool } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { until } from './helpers.js';

let fake: FakeGemini;
beforeAll(async () => {
  fake = await startFakeGemini();
});
afterAll(async () => {
  await fake.close();
});

/** The GempoolError anywhere in the cause chain (the SDK may wrap what our fetch threw), or the error itself. */
function typed(error: unknown): unknown {
  for (let current = error, depth = 0; current != null && depth < 5; depth++) {
    if (isGempoolError(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return error;
}

async function settle(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => typed(error),
  );
}

describe('a body cut short on a torn-down HTTP/2 connection (real @google/genai SDK)', () => {
  let pool: GeminiPool;
  let ai: GoogleGenAI;
  beforeAll(() => {
    // One connection, so the stalled call and the call that breaks the connection share it.
    pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 0, maxConnections: 1, retry: { enabled: false }, batching: { enabled: true } });
    ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { ...pool.httpOptions, baseUrl: fake.origin } });
  });
  afterAll(() => pool.close({ timeoutMs: 1000 }));

  it.each<[string, () => Promise<unknown>]>([
    ['generateContent', () => ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'half an answer' })],
    ['batchEmbedContents', () => ai.models.embedContent({ model: 'gemini-embedding-001', contents: 'half an embedding' })],
  ])('%s: the caller gets CONNECTION_ERROR (reason reset), not truncated JSON', async (method, call) => {
    fake.resetStats();
    fake.setFaults([
      { kind: 'stall-body', method },
      { kind: 'reset-mid-body', scope: 'connection', method: 'countTokens' },
    ]);
    const stalled = settle(runWithContext({ deadlineMs: 10_000 }, call));
    await until(() => fake.stats().requests.total >= 1);
    const breaker = settle(ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'break the connection' }));
    const [result, breakerResult] = await Promise.all([stalled, breaker]);
    expect(isGempoolError(breakerResult, 'CONNECTION_ERROR')).toBe(true);
    expect(isGempoolError(result, 'CONNECTION_ERROR')).toBe(true);
    expect((result as { details?: Record<string, unknown> }).details).toMatchObject({ reason: 'reset' });
    // The torn-down connection leaves the pool; the next call gets a new one.
    await until(() => pool.stats().inFlight === 0 && pool.stats().connections.open === 0);
    fake.setFaults([]);
    expect((await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'after' })).totalTokens).toBeGreaterThan(0);
  });
});
