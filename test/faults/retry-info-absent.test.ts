// The fake's `retryInfo: false` 429 (some 429s carry no google.rpc.RetryInfo): the body has a
// QuotaFailure but no RetryInfo, and the pool backs off on its own instead of waiting a server delay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiPool, type GempoolEvents } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { geminiClient, callModel } from '../helpers/sdk-clients.js';

let fake: FakeGemini;
beforeAll(async () => {
  fake = await startFakeGemini();
});
afterAll(() => fake?.close());

async function firstRetry(retryInfo: boolean): Promise<GempoolEvents['retry-scheduled']> {
  fake.setFaults([{ kind: 'status', status: 429, retryInfo, ...(retryInfo ? { retryDelay: '0.01s' } : {}) }]);
  const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 0, coalesce: false, retry: { baseDelayMs: 1, maxDelayMs: 2 } });
  const retries: GempoolEvents['retry-scheduled'][] = [];
  pool.on('retry-scheduled', (event) => retries.push(event));
  try {
    expect(await callModel(geminiClient(pool, fake.origin), 'unary', 'quota')).toMatch(/\S/);
  } finally {
    await pool.close({ timeoutMs: 500 });
  }
  expect(retries).toHaveLength(1);
  return retries[0]!;
}

describe('a 429 without RetryInfo from the fake server', () => {
  it('carries a QuotaFailure and no RetryInfo detail', async () => {
    fake.setFaults([{ kind: 'status', status: 429, retryInfo: false }]);
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 0, retry: { enabled: false }, coalesce: false });
    try {
      const response = await pool.fetch(`${fake.origin}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', body: '{"contents":[{"parts":[{"text":"q"}]}]}' });
      const body = (await response.json()) as { error: { code: number; details: { '@type': string }[] } };
      expect(body.error.code).toBe(429);
      const types = body.error.details.map((detail) => detail['@type']);
      expect(types).toContain('type.googleapis.com/google.rpc.QuotaFailure');
      expect(types).not.toContain('type.googleapis.com/google.rpc.RetryInfo');
    } finally {
      await pool.close({ timeoutMs: 500 });
    }
  });

  it('is retried with the pool backoff (reason 429), while one with RetryInfo waits its delay', async () => {
    expect(await firstRetry(false)).toMatchObject({ reason: '429', status: 429 });
    expect(await firstRetry(true)).toMatchObject({ reason: 'retry-info', status: 429, delayMs: 10 });
  });

  it('rejects a retryDelay next to retryInfo: false', () => {
    expect(() => fake.setFaults([{ kind: 'status', status: 429, retryInfo: false, retryDelay: '1s' }])).toThrow(/faults\[0\]\.retryDelay/);
  });
});
