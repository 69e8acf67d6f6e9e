import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiPool, isGempoolError, type GempoolEvents } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { GENERATE, STREAM, TRANSPORT_ONLY, generateInit, until } from './helpers.js';

const variants = [
  { name: 'HTTP/2 over TLS', tls: true, http2: true, version: '2' },
  { name: 'HTTP/1.1 over TLS', tls: true, http2: false, version: '1.1' },
  { name: 'HTTP/1.1 plain', tls: false, http2: true, version: '1.1' },
] as const;

describe.each(variants)('pool.fetch, $name', ({ tls, http2, version }) => {
  let fake: FakeGemini;
  beforeAll(async () => {
    fake = await startFakeGemini({ tls });
  });
  afterAll(() => fake.close());
  const poolOptions = () => ({ origins: [fake.origin], tls: fake.ca === undefined ? undefined : { ca: fake.ca }, http2, minConnections: 2, maxConnections: 4, ...TRANSPORT_ONLY });

  it('warms the minimum before traffic and serves calls on those connections', async () => {
    const pool = createGeminiPool(poolOptions());
    const created: GempoolEvents['connection-created'][] = [];
    pool.on('connection-created', (event) => created.push(event));
    await pool.warmup();
    expect(pool.stats().connections).toMatchObject({ open: 2, created: 2, idle: 2, busy: 0 });
    expect(created.map((event) => [event.warm, event.httpVersion, event.tls])).toEqual([
      [true, version, tls],
      [true, version, tls],
    ]);
    const response = await pool.fetch(fake.origin + GENERATE, generateInit());
    expect(response.status).toBe(200);
    const body = (await response.json()) as { candidates: Array<{ content: { parts: Array<{ text: string }> } }> };
    expect(body.candidates[0]!.content.parts[0]!.text).toContain('hello pool');
    expect(fake.stats().httpVersions[version]).toBeGreaterThan(0);
    expect(pool.stats()).toMatchObject({ inFlight: 0, connections: { created: 2 } });
    expect(pool.stats().origins[fake.origin]!.httpVersion).toBe(version);
    await pool.close();
  });

  it('returns HTTP errors as Responses and streams SSE bodies', async () => {
    const pool = createGeminiPool(poolOptions());
    fake.setFaults([{ kind: 'status', status: 503, times: 1 }]);
    const failed = await pool.fetch(fake.origin + GENERATE, generateInit());
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { error: { code: number } }).error.code).toBe(503);
    const streamed = await pool.fetch(fake.origin + STREAM, generateInit('stream me'));
    const text = await streamed.text();
    expect(text.match(/^data: /gm)!.length).toBeGreaterThanOrEqual(3);
    expect(pool.stats().inFlight).toBe(0);
    await pool.close();
  });

  it('accepts URL and Request inputs and every common body type', async () => {
    const pool = createGeminiPool(poolOptions());
    const json = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'body kinds' }] }] });
    const bodies: BodyInit[] = [
      json,
      new TextEncoder().encode(json),
      new TextEncoder().encode(json).buffer as ArrayBuffer,
      new Blob([json]),
      new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(json));
          controller.close();
        },
      }),
    ];
    for (const body of bodies) {
      const response = await pool.fetch(new URL(fake.origin + GENERATE), { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('body kinds');
    }
    const request = new Request(fake.origin + GENERATE, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json });
    expect(await (await pool.fetch(request)).text()).toContain('body kinds');
    await pool.close();
  });

  it('rejects with an AbortError when the caller aborts', async () => {
    const pool = createGeminiPool(poolOptions());
    await pool.warmup();
    fake.resetStats();
    fake.setFaults([{ kind: 'hang', times: 1 }]);
    const controller = new AbortController();
    const pending = pool.fetch(fake.origin + GENERATE, generateInit('abort me', { signal: controller.signal }));
    await until(() => fake.stats().inFlight === 1);
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(isGempoolError(error, 'ABORTED')).toBe(true);
    expect((error as Error).name).toBe('AbortError');
    expect(pool.stats().inFlight).toBe(0);
    await pool.close();
  });

  it('the connection count does not grow over many sequential and concurrent calls', async () => {
    const pool = createGeminiPool(poolOptions());
    await pool.warmup();
    for (let round = 0; round < 5; round++) {
      // Each caller reads its body as soon as its response arrives (an unread body holds its slot).
      await Promise.all(Array.from({ length: 20 }, async () => (await pool.fetch(fake.origin + GENERATE, generateInit())).arrayBuffer()));
    }
    const created = pool.stats().connections.created;
    for (let i = 0; i < 100; i++) await (await pool.fetch(fake.origin + GENERATE, generateInit())).arrayBuffer();
    expect(pool.stats().connections.created).toBe(created);
    expect(created).toBeLessThanOrEqual(4);
    expect(pool.stats().inFlight).toBe(0);
    await pool.close();
    expect(pool.stats().connections.open).toBe(0);
    const error = await pool.fetch(fake.origin + GENERATE, generateInit()).catch((e: unknown) => e);
    expect(isGempoolError(error, 'POOL_CLOSED')).toBe(true);
  });
});

describe('routing', () => {
  it('HTTP/1.1 runs one call per connection; HTTP/2 multiplexes within stream capacity', async () => {
    const fake = await startFakeGemini({ latency: { fixedMs: 30 } });
    try {
      const h1 = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, http2: false, minConnections: 0, maxConnections: 3, ...TRANSPORT_ONLY });
      await Promise.all(Array.from({ length: 9 }, async () => (await h1.fetch(fake.origin + GENERATE, generateInit())).arrayBuffer()));
      expect(h1.stats().connections.created).toBe(3);
      expect(fake.stats().maxConcurrentRequests).toBeLessThanOrEqual(3);
      await h1.close();

      fake.resetStats();
      const h2 = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 2, maxConnections: 2, ...TRANSPORT_ONLY });
      await h2.warmup();
      await Promise.all(Array.from({ length: 40 }, async () => (await h2.fetch(fake.origin + GENERATE, generateInit())).arrayBuffer()));
      expect(h2.stats().connections.created).toBe(2);
      expect(fake.stats().maxConcurrentRequests).toBeGreaterThan(2);
      await h2.close();
    } finally {
      await fake.close();
    }
  });
});
