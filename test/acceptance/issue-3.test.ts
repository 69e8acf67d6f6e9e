// Issue 3 acceptance checks, public API surface: createGeminiPool, pool.fetch / httpOptions /
// dispatcher, warmup, stats, events, close, option validation and defaults. Written from the issue
// text and the README (pool section) only; the fake server over TLS + HTTP/2 unless a case says otherwise.
import { createServer, type Server } from 'node:net';
import { createGeminiPool, DEFAULTS, GempoolError, type ConnectionDestroyedEvent } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { fetch as undiciFetch, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, genaiOver, MODEL, modelPath, poolFor, promptBody, rejectionOf, until } from './issue-2-3-helpers.js';

let fake: FakeGemini;
beforeAll(async () => {
  fake = await startFakeGemini({ tls: true, latency: { 'gemini-slow': { fixedMs: 40 }, '*': { fixedMs: 0 } } });
});
afterAll(() => fake.close());

const url = (model = MODEL, method = 'generateContent') => `${fake.origin}${modelPath(model, method)}`;
const post = (text: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: promptBody(text) });

describe('issue 3: ways in', () => {
  it('pool.fetch takes a string, a URL and a Request', async () => {
    const { pool } = poolFor(fake, { minConnections: 1 });
    try {
      const texts = await Promise.all([
        pool.fetch(url(), post('as string')).then((r) => r.json()),
        pool.fetch(new URL(url()), post('as url')).then((r) => r.json()),
        pool.fetch(new Request(url(), post('as request'))).then((r) => r.json()),
      ]);
      expect(texts.map((t: any) => t.candidates[0].content.parts[0].text)).toEqual(['Echo: as string', 'Echo: as url', 'Echo: as request']);
    } finally {
      await pool.close();
    }
  });

  it('pool.httpOptions carries the pool fetch, SDK retries off, no timeout; the real SDK goes through the pool', async () => {
    const { pool } = poolFor(fake, { minConnections: 1, retry: { enabled: true } });
    try {
      expect(pool.httpOptions.fetch).toBe(pool.fetch);
      expect(pool.httpOptions.retryOptions).toEqual({ attempts: 1 });
      expect('timeout' in pool.httpOptions).toBe(false);
      const calls: string[] = [];
      pool.on('call-start', (call) => calls.push(call.model));
      const response = await genaiOver(pool, fake).models.generateContent({ model: MODEL, contents: 'via sdk' });
      expect(response.text).toBe('Echo: via sdk');
      expect(calls).toEqual([MODEL]);
    } finally {
      await pool.close();
    }
  });

  it("pool.dispatcher works with undici's request and fetch over the same connections", async () => {
    const { pool } = poolFor(fake, { minConnections: 1, maxConnections: 1 });
    try {
      await pool.warmup();
      const viaRequest = await request(url(), { dispatcher: pool.dispatcher, method: 'POST', body: promptBody('undici request') });
      expect(viaRequest.statusCode).toBe(200);
      expect(JSON.parse(await viaRequest.body.text()).candidates[0].content.parts[0].text).toBe('Echo: undici request');
      const viaFetch = await undiciFetch(url(), { dispatcher: pool.dispatcher, method: 'POST', body: promptBody('undici fetch') });
      expect(viaFetch.status).toBe(200);
      await viaFetch.text();
      expect(pool.stats().connections.created).toBe(1);
    } finally {
      await pool.close();
    }
  });
});

describe('issue 3: warmup, stats, events, close', () => {
  it('warmup() opens minConnections per configured origin before traffic, with connection-created events', async () => {
    const other = await startFakeGemini({ tls: true });
    const { pool } = poolFor(fake, { origins: [fake.origin, other.origin], minConnections: 3 });
    const created: string[] = [];
    pool.on('connection-created', (event) => created.push(event.origin));
    fake.resetStats();
    try {
      await pool.warmup();
      // The server counts a TLS 1.3 handshake a moment after the client sees it done: count accepts.
      expect(fake.stats().connections.accepted).toBe(3);
      expect(other.stats().connections.accepted).toBe(3);
      expect(created.sort()).toEqual([...Array(3).fill(fake.origin), ...Array(3).fill(other.origin)].sort());
      expect(pool.stats().connections).toMatchObject({ open: 6, idle: 6, busy: 0, created: 6, destroyed: 0, tlsHandshakes: 6 });
      await pool.fetch(url(), post('no new connection')).then((r) => r.text());
      expect(fake.stats().connections.accepted).toBe(3);
    } finally {
      await pool.close();
      await other.close();
    }
  });

  it('stats() has the documented shape, utilization within 0..1 and per-origin detail', async () => {
    const { pool } = poolFor(fake, { minConnections: 1, maxConnections: 2 });
    try {
      await pool.warmup();
      const idle = pool.stats();
      expect(idle).toMatchObject({ inFlight: 0, queued: 0, leaks: { detected: 0, forceReturned: 0 }, utilization: 0 });
      expect(Object.keys(idle.connections)).toEqual(expect.arrayContaining(['open', 'idle', 'busy', 'created', 'destroyed']));
      expect(idle.origins[fake.origin]).toMatchObject({ min: 1, max: 2 });
      const res = await pool.fetch(url(), post('held'));
      const busy = pool.stats();
      expect(busy.inFlight).toBe(1);
      expect(busy.utilization).toBeGreaterThan(0);
      expect(busy.utilization).toBeLessThanOrEqual(1);
      await res.text();
      expect(pool.stats().inFlight).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('close() drains in-flight calls, closes sockets (connection-destroyed), then rejects with POOL_CLOSED', async () => {
    const { pool } = poolFor(fake, { minConnections: 2 });
    const destroyed: ConnectionDestroyedEvent[] = [];
    pool.on('connection-destroyed', (event) => destroyed.push(event));
    await pool.warmup();
    const inFlight = genaiOver(pool, fake).models.generateContent({ model: 'gemini-slow', contents: 'finish me' });
    await until(() => pool.stats().inFlight === 1, 'the call to be in flight');
    const closing = pool.close();
    expect((await inFlight).text).toBe('Echo: finish me');
    await closing;
    expect(destroyed.map((e) => e.reason)).toEqual(['closed', 'closed']);
    expect(pool.stats().connections.open).toBe(0);
    const error = await rejectionOf(pool.fetch(url(), post('late')));
    expect(error).toBeInstanceOf(GempoolError);
    expect((error as GempoolError).code).toBe('POOL_CLOSED');
    expect(codeOf(await rejectionOf(genaiOver(pool, fake).models.generateContent({ model: MODEL, contents: 'late' })))).toBe('POOL_CLOSED');
  });
});

describe('issue 3: options', () => {
  it('defaults from the seed: min 10, max 100, connect 30 s, idle 5 min, leak 30 s, http2 on', () => {
    expect(DEFAULTS).toMatchObject({ minConnections: 10, maxConnections: 100, connectTimeoutMs: 30_000, idleTimeoutMs: 300_000, leakTimeoutMs: 30_000, http2: true });
    const pool = createGeminiPool({ origins: [fake.origin] });
    expect(pool.stats().origins[fake.origin]).toMatchObject({ min: 10, max: 100 });
    return pool.close();
  });

  it.each([
    ['origins', ['not a url']],
    ['origins', ['ftp://example.com']],
    ['origins', 'https://example.com'],
    ['minConnections', -1],
    ['minConnections', 1.5],
    ['maxConnections', 0],
    ['maxConnections', '100'],
    ['connectTimeoutMs', -5],
    ['idleTimeoutMs', Number.NaN],
    ['maxLifetimeMs', -1],
    ['maxUsesPerConnection', -1],
    ['leakTimeoutMs', -1],
    ['http2', 'yes'],
    ['tls', 'insecure'],
    ['validateAfterIdleMs', -1],
    ['maxQueue', -1],
    ['queueTimeoutMs', -1],
  ])('%s = %j throws CONFIG_INVALID naming the field and the value', (field, value) => {
    let error: unknown;
    try {
      createGeminiPool({ origins: [fake.origin], [field]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GempoolError);
    expect((error as GempoolError).code).toBe('CONFIG_INVALID');
    expect((error as GempoolError).message).toContain(`\`${field}`);
    expect((error as GempoolError).message).toMatch(/Expected .* got /);
  });

  it('minConnections above maxConnections is rejected with both values named', () => {
    expect(() => createGeminiPool({ origins: [fake.origin], minConnections: 20, maxConnections: 10 })).toThrow(/minConnections.*10.*20/);
  });

  it('any http origin is allowed (a local emulator over plain HTTP/1.1)', async () => {
    const plain = await startFakeGemini({ tls: false });
    const { pool } = poolFor(plain, { minConnections: 1 });
    try {
      expect((await genaiOver(pool, plain).models.generateContent({ model: MODEL, contents: 'plain' })).text).toBe('Echo: plain');
    } finally {
      await pool.close();
      await plain.close();
    }
  });

  it('http2: false speaks HTTP/1.1 over TLS', async () => {
    const { pool } = poolFor(fake, { minConnections: 1, http2: false });
    fake.resetStats();
    try {
      await genaiOver(pool, fake).models.generateContent({ model: MODEL, contents: 'h1' });
      expect(fake.stats().httpVersions).toEqual({ '1.1': 1 });
    } finally {
      await pool.close();
    }
  });

  it('tls: { rejectUnauthorized: false } reaches a self-signed server; without ca a typed TLS error', async () => {
    const { pool: lax } = poolFor(fake, { minConnections: 1, tls: { rejectUnauthorized: false } });
    const { pool: strict } = poolFor(fake, { minConnections: 1, tls: {} });
    try {
      const res = await lax.fetch(url(), post('lax'));
      expect(res.status).toBe(200);
      await res.text();
      const error = await rejectionOf(strict.fetch(url(), post('strict')));
      expect(codeOf(error)).toBe('CONNECTION_ERROR');
      expect((error as GempoolError).details?.reason).toBe('tls');
    } finally {
      await lax.close();
      await strict.close();
    }
  });

  it('connectTimeoutMs: a server that never finishes the TLS handshake ends in CONNECT_TIMEOUT', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const origin = `https://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const { pool, clock } = poolFor(fake, { origins: [origin], minConnections: 0, connectTimeoutMs: 80 });
    try {
      const call = rejectionOf(pool.fetch(`${origin}${modelPath(MODEL, 'generateContent')}`, post('silent')));
      await until(() => sockets.size > 0, 'the TCP connect');
      await clock.advanceAsync(100);
      expect(codeOf(await call)).toBe('CONNECT_TIMEOUT');
    } finally {
      await pool.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
