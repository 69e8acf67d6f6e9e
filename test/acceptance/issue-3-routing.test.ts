// Issue 3 acceptance checks, points 1, 2 and 5: warm-up before the first call, 500 concurrent
// calls through the real @google/genai client within maxConnections, least-busy routing with LRU
// on ties, HTTP/2 stream capacity, one call per HTTP/1.1 connection, and the bounded queue.
import type { ConnectionDestroyedEvent } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { codeOf, genaiOver, MODEL, modelPath, poolFor, promptBody, rejectionOf, until } from './issue-2-3-helpers.js';

const transports = [
  { name: 'TLS + HTTP/2', fake: { tls: true }, pool: {} },
  { name: 'TLS + HTTP/1.1 (http2: false)', fake: { tls: true }, pool: { http2: false } },
  { name: 'plain HTTP/1.1', fake: { tls: false }, pool: {} },
] as const;

let fake: FakeGemini | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const post = (text: string, signal?: AbortSignal): RequestInit => ({ method: 'POST', body: promptBody(text), ...(signal ? { signal } : {}) });
const url = (f: FakeGemini, model = MODEL) => `${f.origin}${modelPath(model, 'generateContent')}`;

describe.each(transports)('issue 3.1 over $name', (transport) => {
  it('warm-up opens the minimum before the first call; 500 concurrent SDK calls stay within maxConnections and reuse them', async () => {
    fake = await startFakeGemini({ ...transport.fake, latency: { fixedMs: 2 } });
    const maxConnections = transport.pool === transports[0].pool ? 4 : 20;
    const { pool } = poolFor(fake, { ...transport.pool, minConnections: 3, maxConnections });
    try {
      await pool.warmup();
      expect(pool.stats().connections).toMatchObject({ open: 3, created: 3 });
      // The server may count an accept a moment after the client saw its connect.
      await until(() => fake!.stats().connections.accepted === 3, 'the server to count 3 connections');
      expect(fake.stats().requests.total).toBe(0);
      const ai = genaiOver(pool, fake);
      const answers = await Promise.all(Array.from({ length: 500 }, (_, i) => ai.models.generateContent({ model: MODEL, contents: `distinct ${i}` })));
      expect(answers.every((a, i) => a.text === `Echo: distinct ${i}`)).toBe(true);
      const stats = fake.stats();
      expect(stats.requests.total).toBe(500);
      expect(stats.connections.accepted).toBeLessThanOrEqual(maxConnections);
      expect(pool.stats().connections.created).toBeLessThanOrEqual(maxConnections);
      expect(stats.connections.accepted * 10).toBeLessThan(500);
    } finally {
      await pool.close();
    }
  });
});

describe('issue 3.2: routing and capacity', () => {
  it('least-busy: a second call goes to the idle connection, not next to a busy one', async () => {
    // The hang holds one connection; a connection-killing reset must then land on the other one.
    fake = await startFakeGemini({ tls: true, faults: [{ kind: 'hang', model: 'gemini-hang' }, { kind: 'reset', scope: 'connection', model: 'gemini-kill' }] });
    const { pool } = poolFor(fake, { minConnections: 2, maxConnections: 2 });
    try {
      await pool.warmup();
      const controller = new AbortController();
      const held = pool.fetch(url(fake, 'gemini-hang'), post('held', controller.signal));
      await until(() => fake!.stats().inFlight === 1, 'the hanging call to arrive');
      await rejectionOf(pool.fetch(url(fake, 'gemini-kill'), post('killed')));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(fake.stats().inFlight).toBe(1);
      controller.abort();
      expect(codeOf(await rejectionOf(held))).toBe('ABORTED');
    } finally {
      await pool.close();
    }
  });

  it('LRU on ties: sequential calls spread over idle connections (uses per connection even)', async () => {
    fake = await startFakeGemini({ tls: true });
    const { pool, clock } = poolFor(fake, { minConnections: 2, maxConnections: 2 });
    const uses: number[] = [];
    pool.on('connection-destroyed', (event: ConnectionDestroyedEvent) => uses.push(event.uses));
    await pool.warmup();
    await clock.advanceAsync(10);
    for (let i = 0; i < 10; i++) {
      await pool.fetch(url(fake), post(`seq ${i}`)).then((r) => r.text());
      await clock.advanceAsync(10);
    }
    await pool.close();
    expect(uses).toEqual([5, 5]);
  });

  async function holdCalls(f: FakeGemini, pool: ReturnType<typeof poolFor>['pool'], n: number, signal: AbortSignal) {
    return Array.from({ length: n }, (_, i) => rejectionOf(pool.fetch(url(f), post(`h2 ${i}`, signal))));
  }

  it("HTTP/2: the server never sees more streams per connection than its SETTINGS_MAX_CONCURRENT_STREAMS", async () => {
    fake = await startFakeGemini({ tls: true, maxConcurrentStreams: 3, faults: [{ kind: 'hang', times: Infinity }] });
    const { pool } = poolFor(fake, { minConnections: 2, maxConnections: 2 });
    const controller = new AbortController();
    try {
      await pool.warmup();
      const calls = await holdCalls(fake, pool, 8, controller.signal);
      await until(() => fake!.stats().inFlight === 6, '6 streams in flight');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(fake.stats()).toMatchObject({ inFlight: 6, connections: { accepted: 2 } });
      controller.abort();
      expect((await Promise.all(calls)).map(codeOf)).toEqual(Array(8).fill('ABORTED'));
    } finally {
      controller.abort();
      await pool.close();
    }
  });

  // GAP: the README (pool section): "up to the server's SETTINGS_MAX_CONCURRENT_STREAMS (max 100) streams on HTTP/2";
  // issue: "HTTP/2 stream capacity per connection is respected" / the pool keeps assuming 100 streams
  // (origins[o].streamsPerConnection 100) and hands the 2 calls over the server's limit to undici,
  // which queues them out of the pool's sight: pool stats say inFlight 8, queued 0.
  it("HTTP/2: the pool learns the server's stream limit: calls over it wait in the pool's queue", async () => {
    fake = await startFakeGemini({ tls: true, maxConcurrentStreams: 3, faults: [{ kind: 'hang', times: Infinity }] });
    const { pool } = poolFor(fake, { minConnections: 2, maxConnections: 2 });
    const controller = new AbortController();
    try {
      await pool.warmup();
      await holdCalls(fake, pool, 8, controller.signal);
      await until(() => fake!.stats().inFlight === 6, '6 streams in flight');
      expect(pool.stats().origins[fake.origin]!.streamsPerConnection).toBe(3);
      expect(pool.stats()).toMatchObject({ inFlight: 6, queued: 2 });
    } finally {
      controller.abort();
      await pool.close();
    }
  });

  // GAP (same cause): with room for more connections, calls beyond the server's stream limit should
  // open another connection rather than wait inside undici behind a full one.
  it('HTTP/2: calls beyond the stream limit open more connections while under maxConnections', async () => {
    fake = await startFakeGemini({ tls: true, maxConcurrentStreams: 3, faults: [{ kind: 'hang', times: Infinity }] });
    const { pool } = poolFor(fake, { minConnections: 1, maxConnections: 4 });
    const controller = new AbortController();
    try {
      await pool.warmup();
      await holdCalls(fake, pool, 8, controller.signal);
      await until(() => fake!.stats().inFlight === 8, 'all 8 calls on the wire', 1_000);
      expect(fake.stats().connections.accepted).toBeLessThanOrEqual(4);
    } finally {
      controller.abort();
      await pool.close();
    }
  });

  it('HTTP/1.1: one call per connection at a time', async () => {
    fake = await startFakeGemini({ tls: false, faults: [{ kind: 'hang', times: Infinity }] });
    const { pool } = poolFor(fake, { minConnections: 0, maxConnections: 3 });
    const controller = new AbortController();
    try {
      const calls = Array.from({ length: 5 }, (_, i) => rejectionOf(pool.fetch(url(fake!), post(`h1 ${i}`, controller.signal))));
      await until(() => fake!.stats().inFlight === 3, '3 calls in flight');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(fake.stats()).toMatchObject({ inFlight: 3, maxConcurrentRequests: 3, connections: { accepted: 3 } });
      expect(pool.stats().queued).toBe(2);
      controller.abort();
      expect((await Promise.all(calls)).map(codeOf)).toEqual(Array(5).fill('ABORTED'));
    } finally {
      controller.abort();
      await pool.close();
    }
  });
});

describe('issue 3.5: bounded queue', () => {
  it('maxQueue: a call beyond the queue fails with QUEUE_FULL; queueTimeoutMs: waiting calls fail with QUEUE_TIMEOUT', async () => {
    fake = await startFakeGemini({ tls: true, faults: [{ kind: 'hang', times: Infinity }] });
    const { pool, clock } = poolFor(fake, { http2: false, minConnections: 0, maxConnections: 1, maxQueue: 2, queueTimeoutMs: 5_000 });
    const controller = new AbortController();
    try {
      const ai = genaiOver(pool, fake);
      const first = rejectionOf(pool.fetch(url(fake), post('in flight', controller.signal)));
      await until(() => fake!.stats().inFlight === 1, 'the first call to hold the only slot');
      const waiting = [1, 2].map((i) => rejectionOf(ai.models.generateContent({ model: MODEL, contents: `waiting ${i}` })));
      await until(() => pool.stats().queued === 2, 'two queued calls');
      expect(codeOf(await rejectionOf(pool.fetch(url(fake), post('one too many'))))).toBe('QUEUE_FULL');
      await clock.advanceAsync(4_999);
      expect(pool.stats().queued).toBe(2);
      await clock.advanceAsync(2);
      expect((await Promise.all(waiting)).map(codeOf)).toEqual(['QUEUE_TIMEOUT', 'QUEUE_TIMEOUT']);
      controller.abort();
      expect(codeOf(await first)).toBe('ABORTED');
    } finally {
      controller.abort();
      await pool.close();
    }
  });

  // GAP (ambiguous): issue: "When every slot is busy, calls wait in a bounded queue" / on a pool
  // that is not warmed, a burst waits for the connections being opened and counts against maxQueue:
  // 100 calls with room for 200 streams and maxQueue 10 → 90 fail with QUEUE_FULL although no slot was busy.
  it('a burst on a cold pool with free capacity is not rejected with QUEUE_FULL', async () => {
    fake = await startFakeGemini({ tls: true });
    const { pool } = poolFor(fake, { minConnections: 0, maxConnections: 2, maxQueue: 10 });
    try {
      const outcomes = await Promise.all(Array.from({ length: 100 }, (_, i) => pool.fetch(url(fake!), post(`cold ${i}`)).then((r) => r.text().then(() => 'ok'), codeOf)));
      expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
    } finally {
      await pool.close();
    }
  });
});
