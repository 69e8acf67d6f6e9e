import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleGenAI } from '@google/genai';
import { createGeminiPool } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { TRANSPORT_ONLY } from './helpers.js';

describe('with the real @google/genai client', () => {
  let fake: FakeGemini;
  beforeAll(async () => {
    fake = await startFakeGemini();
  });
  afterAll(() => fake.close());

  it('500 concurrent generateContent calls succeed on at most maxConnections reused connections', async () => {
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 4, maxConnections: 8, ...TRANSPORT_ONLY });
    await pool.warmup();
    expect(pool.stats().connections.open).toBe(4);
    fake.resetStats();
    const ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { ...pool.httpOptions, baseUrl: fake.origin } });
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => ai.models.generateContent({ model: 'gemini-2.5-flash', contents: `question ${i}` })),
    );
    expect(results.every((result) => typeof result.text === 'string' && result.text.length > 0)).toBe(true);
    expect(fake.stats().requests.total).toBe(500);
    const { connections } = pool.stats();
    expect(connections.created).toBeLessThanOrEqual(8);
    expect(fake.stats().connections.accepted).toBeLessThanOrEqual(8);
    expect(pool.stats().inFlight).toBe(0);
    await pool.close();
  });

  it('a 500 is seen exactly once by the server: the SDK adds no retry layer', async () => {
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 1, ...TRANSPORT_ONLY });
    fake.resetStats();
    fake.setFaults([{ kind: 'status', status: 500, times: Infinity }]);
    const ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { ...pool.httpOptions, baseUrl: fake.origin } });
    const error = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'fail once' }).catch((e: unknown) => e);
    expect((error as { status?: number }).status).toBe(500);
    expect(fake.stats().requests.total).toBe(1);
    fake.setFaults([]);
    await pool.close();
  });
});
