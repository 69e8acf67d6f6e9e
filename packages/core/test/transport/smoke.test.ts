import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiPool } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';

describe('smoke', () => {
  let fake: FakeGemini;
  beforeAll(async () => {
    fake = await startFakeGemini();
  });
  afterAll(() => fake.close());

  it('fetches over h2', async () => {
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca }, minConnections: 2, maxConnections: 4 });
    await pool.warmup();
    expect(pool.stats().connections.open).toBe(2);
    const res = await pool.fetch(`${fake.origin}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi there' }] }] }),
    });
    expect(res.status).toBe(200);
    const json = await res.json();
    console.log(JSON.stringify(json).slice(0, 200), pool.stats());
    expect(pool.stats().inFlight).toBe(0);
    await pool.close();
  });
});
