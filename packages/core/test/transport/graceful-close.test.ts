// A server that closes a warm, idle HTTP/2 connection gracefully (GOAWAY, then FIN) is noticed
// at once: the pool drops the connection (`connection-destroyed`, reason `remote`) and opens a
// new one, instead of finding out on the next call. Plain node:http2 server, no fake.
import { createSecureServer, type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGeminiPool, type ConnectionDestroyedEvent, type GeminiPool } from '@gempool/core';
import { localhostCertificate } from '@gempool/testing';
import { until } from './helpers.js';

describe('a warm HTTP/2 connection the server closes gracefully', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('is replaced without a call on it (connection-destroyed, reason remote)', async () => {
    const { key, cert } = await localhostCertificate();
    const server = createSecureServer({ key, cert, allowHTTP1: false });
    const sessions = new Set<Http2Session>();
    server.on('session', (session) => {
      sessions.add(session);
      session.on('close', () => sessions.delete(session));
    });
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end('{"totalTokens":1}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const pool: GeminiPool = createGeminiPool({ origins: [origin], tls: { ca: cert }, minConnections: 1, maxConnections: 2, autoscale: false });
    cleanups.push(() => pool.close({ timeoutMs: 1000 }));
    const destroyed: ConnectionDestroyedEvent[] = [];
    pool.on('connection-destroyed', (event) => destroyed.push(event));
    await pool.warmup();
    expect(pool.stats().connections).toMatchObject({ open: 1, created: 1 });
    await until(() => sessions.size === 1);

    // GOAWAY, then FIN once no stream is open (there is none): a graceful close.
    for (const session of sessions) session.close();
    await until(() => destroyed.length === 1);
    expect(destroyed[0]).toMatchObject({ reason: 'remote' });
    // minConnections brings a fresh connection back, and calls work on it.
    await until(() => pool.stats().connections.open === 1 && pool.stats().connections.created === 2);
    const response = await pool.fetch(`${origin}/v1beta/models/gemini-2.5-flash:countTokens`, { method: 'POST', body: '{}', headers: { 'x-goog-api-key': 'k' } });
    expect(await response.json()).toEqual({ totalTokens: 1 });
  });
});
