// @google/genai 3.1 through createGoogleGenAI against the fake Gemini server over TLS + HTTP/2.
// The fake's certificate is trusted only by the pool, so a call that reaches it went through the pool.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import { createGeminiPool, isGempoolError, runWithContext, type GeminiPool } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { createGoogleGenAI, gempoolErrorCode, getGempool } from '@gempool/genai';

const KEY = 'genai-test-key';
const MODEL = 'gemini-2.5-flash';
let fake: FakeGemini;
const pools: GeminiPool[] = [];

beforeAll(async () => {
  fake = await startFakeGemini({ tls: true, requireApiKey: KEY });
});
afterEach(async () => {
  fake.setFaults([]);
  fake.resetStats();
  await Promise.all(pools.splice(0).map((pool) => pool.close({ timeoutMs: 1_000 })));
});
afterAll(() => fake.close());

function newPool(options: Parameters<typeof createGeminiPool>[0] = {}): GeminiPool {
  const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca }, minConnections: 1, ...options });
  pools.push(pool);
  return pool;
}

function client(pool: GeminiPool, httpOptions: Record<string, unknown> = {}) {
  return createGoogleGenAI({ apiKey: KEY, pool, httpOptions: { baseUrl: fake.origin, ...httpOptions } });
}

describe('createGoogleGenAI', () => {
  it('serves 200 concurrent calls over at most maxConnections HTTP/2 connections', async () => {
    const ai = client(newPool({ maxConnections: 4 }));
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => ai.models.generateContent({ model: MODEL, contents: `question ${i}` })));
    expect(answers.map((answer) => answer.text)).toEqual(Array.from({ length: 200 }, (_, i) => `Echo: question ${i}`));
    const stats = fake.stats();
    expect(stats.requests.total).toBe(200);
    expect(stats.httpVersions['2']).toBe(200);
    expect(stats.connections.accepted).toBeLessThanOrEqual(4);
  });

  it('streams generateContentStream chunk by chunk', async () => {
    const ai = client(newPool());
    const chunks: string[] = [];
    for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: 'stream this answer please' })) chunks.push(chunk.text ?? '');
    expect(chunks.length).toBe(3);
    expect(chunks.join('')).toBe('Echo: stream this answer please');
    expect(fake.stats().requests.byMethod['streamGenerateContent']).toBe(1);
  });

  it('carries countTokens, embedContent, files, caches and batches through the pool', async () => {
    const ai = client(newPool());
    expect((await ai.models.countTokens({ model: MODEL, contents: 'count these tokens' })).totalTokens).toBeGreaterThan(0);
    const embedded = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: 'embed me', config: { outputDimensionality: 8 } });
    expect(embedded.embeddings?.[0]?.values).toHaveLength(8);
    // The fake has no files/caches/batches routes: a 404 from it proves the request reached it.
    for (const call of [() => ai.files.list(), () => ai.caches.list(), () => ai.batches.list()]) {
      await expect(call()).rejects.toMatchObject({ name: 'ApiError', status: 404 });
    }
    expect(fake.stats().requests.total).toBe(5);
  });

  it('retries a 429 with RetryInfo exactly once in gempool, never in the SDK', async () => {
    fake.setFaults([{ kind: 'status', status: 429, retryDelay: '0.01s', times: 1 }]);
    const pool = newPool();
    const retries: number[] = [];
    pool.on('retry-scheduled', (event) => retries.push(event.delayMs));
    const answer = await client(pool).models.generateContent({ model: MODEL, contents: 'retry me' });
    expect(answer.text).toBe('Echo: retry me');
    expect(fake.stats().requests.total).toBe(2);
    expect(fake.stats().faultsInjected['status']).toBe(1);
    expect(retries).toEqual([10]);
  });

  it('raises ApiError with the final status and our code when retries run out', async () => {
    fake.setFaults([{ kind: 'status', status: 503, times: Infinity }]);
    const ai = client(newPool({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }));
    const error = await ai.models.generateContent({ model: MODEL, contents: 'always failing' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
    expect(gempoolErrorCode(error)).toBe('RETRY_EXHAUSTED');
    expect(fake.stats().requests.total).toBe(2);
  });

  it('raises ApiError for gempool failures without an upstream status (pool closed → 503, code POOL_CLOSED)', async () => {
    const pool = newPool();
    await pool.close();
    const error = await client(pool).models.generateContent({ model: MODEL, contents: 'too late' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
    expect(gempoolErrorCode(error)).toBe('POOL_CLOSED');
    expect(String((error as Error).message)).not.toContain(KEY);
  });

  it('keeps the SDK httpOptions.timeout working through the pool', async () => {
    fake.setFaults([{ kind: 'hang', times: 1 }]);
    const pool = newPool({ retry: { enabled: false } });
    await pool.warmup();
    const ai = client(pool, { timeout: 100 });
    const error = await ai.models.generateContent({ model: MODEL, contents: 'never answered' }).catch((e: unknown) => e);
    expect(isGempoolError(error, 'ABORTED') || (error as Error).name === 'AbortError').toBe(true);
    // The abandoned call gives its stream back.
    await until(() => pool.stats().inFlight === 0);
  });

  it('keeps config.abortSignal working through the pool', async () => {
    fake.setFaults([{ kind: 'hang', times: 1 }]);
    const pool = newPool();
    const ai = client(pool);
    const controller = new AbortController();
    const pending = ai.models.generateContent({ model: MODEL, contents: 'abort me', config: { abortSignal: controller.signal } }).catch((e: unknown) => e);
    await until(() => fake.stats().inFlight === 1);
    controller.abort();
    const error = await pending;
    expect((error as Error).name).toBe('AbortError');
    await until(() => pool.stats().inFlight === 0);
  });

  it('carries per-call context (lane, tenant) from runWithContext to the pool', async () => {
    const pool = newPool();
    const starts: Array<{ lane: string; tenant: string | undefined }> = [];
    pool.on('call-start', (event) => starts.push({ lane: event.lane, tenant: event.tenant }));
    await runWithContext({ lane: 'critical', tenant: 'acme' }, () => client(pool).models.generateContent({ model: MODEL, contents: 'urgent' }));
    expect(starts).toEqual([{ lane: 'critical', tenant: 'acme' }]);
  });

  it('talks to Vertex AI with an OAuth token, and the token appears in no event or stat', async () => {
    const pool = newPool();
    const seen: string[] = [];
    for (const name of ['call-start', 'call-end', 'attempt-start', 'attempt-end', 'lease-acquired', 'lease-released'] as const) {
      pool.on(name, (event) => seen.push(JSON.stringify(event)));
    }
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: KEY, expiry_date: Date.now() + 3_600_000 });
    const ai = createGoogleGenAI({
      vertexai: true,
      project: 'test-project',
      location: 'europe-west4',
      // @google/genai types its own copy of google-auth-library; the client object is the same shape.
      googleAuthOptions: { authClient: authClient as never },
      httpOptions: { baseUrl: fake.origin },
      pool,
    });
    const answer = await ai.models.generateContent({ model: MODEL, contents: 'hello vertex' });
    expect(answer.text).toBe('Echo: hello vertex');
    expect(seen.some((event) => event.includes('"provider":"gcp.vertex_ai"'))).toBe(true);
    expect(seen.join('\n') + JSON.stringify(pool.stats())).not.toContain(KEY);
  });

  it('creates and owns a pool from pool options, aimed at the SDK target origin', async () => {
    const ai = createGoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: fake.origin }, pool: { tls: { ca: fake.ca }, minConnections: 1 } });
    const pool = getGempool(ai)!;
    pools.push(pool);
    expect((await ai.models.generateContent({ model: MODEL, contents: 'owned pool' })).text).toBe('Echo: owned pool');
    expect(Object.keys(pool.stats().origins)).toEqual([fake.origin]);
  });

  it('rejects options that would bypass the pool or multiply attempts', () => {
    const pool = newPool();
    expect(() => createGoogleGenAI({ apiKey: KEY, pool, httpOptions: { fetch: globalThis.fetch } })).toThrow(/httpOptions\.fetch/);
    expect(() => createGoogleGenAI({ apiKey: KEY, pool, httpOptions: { retryOptions: { attempts: 3 } } })).toThrow(/httpOptions\.retryOptions/);
    expect(() => createGoogleGenAI({ apiKey: KEY, pool: undefined as never })).toThrow(/`pool`/);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
}
