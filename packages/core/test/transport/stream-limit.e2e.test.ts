// HTTP/2 stream limit: the pool routes at most the server's SETTINGS_MAX_CONCURRENT_STREAMS calls
// to a connection, learns it at warm-up (before the first call), follows SETTINGS the server sends
// later, and shows it in stats. A raw node:http2 server on port 0 holds every call until the test
// answers it, so the server's own count of open streams is the fact under test.
import { createSecureServer, type Http2ServerResponse, type Http2Session, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGeminiPool, type GeminiPool } from '@gempool/core';
import { localhostCertificate } from '@gempool/testing';
import { GENERATE, TRANSPORT_ONLY, generateInit, until } from './helpers.js';

interface HoldingServer {
  origin: string;
  ca: string;
  held: Http2ServerResponse[];
  sessions: Http2Session[];
  server: Http2SecureServer;
}

async function holdingServer(maxConcurrentStreams: number): Promise<HoldingServer> {
  const { key, cert } = await localhostCertificate();
  const held: Http2ServerResponse[] = [];
  const sessions: Http2Session[] = [];
  const server = createSecureServer({ key, cert, settings: { maxConcurrentStreams } }, (req, res) => {
    req.resume();
    held.push(res);
  });
  server.on('session', (session) => sessions.push(session));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, ca: cert, held, sessions, server };
}

function answerAll(upstream: HoldingServer): void {
  for (const res of upstream.held.splice(0)) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"candidates":[]}');
  }
}

let upstream: HoldingServer | undefined;
let pool: GeminiPool | undefined;
afterEach(async () => {
  await pool?.close({ timeoutMs: 1_000 });
  for (const session of upstream?.sessions ?? []) session.destroy();
  await new Promise((resolve) => upstream?.server.close(resolve) ?? resolve(undefined));
  pool = undefined;
  upstream = undefined;
});

const call = (p: GeminiPool, u: HoldingServer) => p.fetch(u.origin + GENERATE, generateInit()).then((r) => r.text());

describe('HTTP/2 stream limit', () => {
  it("is learnt at warm-up: stats show the server's limit before any call, and calls over it wait in the pool's queue", async () => {
    upstream = await holdingServer(2);
    pool = createGeminiPool({ origins: [upstream.origin], tls: { ca: upstream.ca }, minConnections: 1, maxConnections: 1, ...TRANSPORT_ONLY });
    await pool.warmup();
    expect(pool.stats().origins[upstream.origin]).toMatchObject({ httpVersion: '2', streamsPerConnection: 2, open: 1 });
    const calls = Array.from({ length: 5 }, () => call(pool!, upstream!));
    await until(() => upstream!.held.length === 2);
    expect(pool.stats()).toMatchObject({ inFlight: 2, queued: 3, utilization: 1 });
    answerAll(upstream);
    await until(() => upstream!.held.length === 2);
    answerAll(upstream);
    await until(() => upstream!.held.length === 1);
    answerAll(upstream);
    expect(await Promise.all(calls)).toEqual(Array(5).fill('{"candidates":[]}'));
  });

  it('follows SETTINGS the server sends later: a raised limit takes queued calls at once', async () => {
    upstream = await holdingServer(2);
    pool = createGeminiPool({ origins: [upstream.origin], tls: { ca: upstream.ca }, minConnections: 1, maxConnections: 1, ...TRANSPORT_ONLY });
    await pool.warmup();
    const calls = Array.from({ length: 4 }, () => call(pool!, upstream!));
    await until(() => upstream!.held.length === 2 && pool!.stats().queued === 2);
    upstream.sessions[0]!.settings({ maxConcurrentStreams: 4 });
    await until(() => upstream!.held.length === 4);
    expect(pool.stats()).toMatchObject({ inFlight: 4, queued: 0 });
    expect(pool.stats().origins[upstream.origin]!.streamsPerConnection).toBe(4);
    answerAll(upstream);
    expect(await Promise.all(calls)).toHaveLength(4);
  });

  it('a lowered limit stops routing new calls to the connection beyond it', async () => {
    upstream = await holdingServer(4);
    pool = createGeminiPool({ origins: [upstream.origin], tls: { ca: upstream.ca }, minConnections: 1, maxConnections: 1, ...TRANSPORT_ONLY });
    await pool.warmup();
    upstream.sessions[0]!.settings({ maxConcurrentStreams: 1 });
    await until(() => pool!.stats().origins[upstream!.origin]!.streamsPerConnection === 1);
    const calls = Array.from({ length: 3 }, () => call(pool!, upstream!));
    await until(() => upstream!.held.length === 1 && pool!.stats().queued === 2);
    expect(upstream.held).toHaveLength(1);
    for (let answered = 0; answered < 3; answered++) {
      await until(() => upstream!.held.length === 1);
      answerAll(upstream);
    }
    expect(await Promise.all(calls)).toHaveLength(3);
  });

  it('never routes more than our own maximum (100) when the server allows more', async () => {
    upstream = await holdingServer(1_000);
    pool = createGeminiPool({ origins: [upstream.origin], tls: { ca: upstream.ca }, minConnections: 1, maxConnections: 1, ...TRANSPORT_ONLY });
    await pool.warmup();
    expect(pool.stats().origins[upstream.origin]!.streamsPerConnection).toBe(100);
  });
});
