// withGempool on the three Google chat models, with the real LangChain packages, against the fake
// Gemini server over TLS + HTTP/2. Only the pool trusts the fake's certificate, so an answer means
// the call went through the pool.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiPool, type GeminiPool } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { gempoolErrorCode, gempoolTransportOf, uninstallGlobalRoute, withGempool } from '@gempool/langchain';
import { KEY, MODEL_CASES } from './chat-models.fixture.js';

let fake: FakeGemini;
const pools: GeminiPool[] = [];

beforeAll(async () => {
  fake = await startFakeGemini({ tls: true, requireApiKey: KEY });
});
afterEach(async () => {
  fake.setFaults([]);
  fake.resetStats();
  for (const pool of pools) uninstallGlobalRoute(pool);
  await Promise.all(pools.splice(0).map((pool) => pool.close({ timeoutMs: 1_000 })));
});
afterAll(() => fake.close());

function newPool(options: Parameters<typeof createGeminiPool>[0] = {}): GeminiPool {
  const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca }, minConnections: 1, ...options });
  pools.push(pool);
  return pool;
}

describe.each(MODEL_CASES)('withGempool($name)', ({ create, transport }) => {
  it(`routes through ${transport} and serves 200 concurrent calls over at most maxConnections connections`, async () => {
    const model = withGempool(create(fake), newPool({ maxConnections: 4 }));
    expect(gempoolTransportOf(model)).toBe(transport);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => model.invoke(`question ${i}`)));
    expect(answers.map((answer: { content: unknown }) => answer.content)).toEqual(Array.from({ length: 200 }, (_, i) => `Echo: question ${i}`));
    const stats = fake.stats();
    expect(stats.requests.total).toBe(200);
    expect(stats.connections.accepted).toBeLessThanOrEqual(4);
  });

  it('streams', async () => {
    const model = withGempool(create(fake), newPool());
    const chunks: string[] = [];
    for await (const chunk of await model.stream('stream this answer please')) if (chunk.content !== '') chunks.push(String(chunk.content));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe('Echo: stream this answer please');
    expect(fake.stats().requests.byMethod['streamGenerateContent']).toBe(1);
  });

  it('has a 429 with RetryInfo retried exactly once by gempool, not by the model', async () => {
    fake.setFaults([{ kind: 'status', status: 429, retryDelay: '0.01s', times: 1 }]);
    const pool = newPool();
    let retries = 0;
    pool.on('retry-scheduled', () => retries++);
    const model = withGempool(create(fake), pool);
    expect((await model.invoke('retry me')).content).toBe('Echo: retry me');
    expect(retries).toBe(1);
    expect(fake.stats().requests.total).toBe(2);
  });

  it('does not multiply attempts when gempool gives up, and keeps status and code visible', async () => {
    fake.setFaults([{ kind: 'status', status: 429, retryDelay: '0.01s', times: Infinity }]);
    const model = withGempool(create(fake), newPool({ retry: { maxAttempts: 2 } }));
    const error = await model.invoke('always limited').catch((e: unknown) => e);
    expect(fake.stats().requests.total).toBe(2);
    expect(gempoolErrorCode(error)).toBe('RETRY_EXHAUSTED');
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error)) + String(error)).toMatch(/429/);
    expect(String((error as Error).message)).not.toContain(KEY);
  });
});

describe('withGempool', () => {
  it('is idempotent for a pool and refuses a second pool or a non-Google model', () => {
    const pool = newPool();
    const model = MODEL_CASES[1]!.create(fake);
    expect(withGempool(withGempool(model, pool), pool)).toBe(model);
    expect(() => withGempool(model, newPool())).toThrow(/`model`/);
    expect(() => withGempool({ invoke() {} }, pool)).toThrow(/Google chat model/);
    expect(() => withGempool(model, {} as GeminiPool)).toThrow(/`pool`/);
  });
});
