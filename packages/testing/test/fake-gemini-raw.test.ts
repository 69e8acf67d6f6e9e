// The fake server's wire behaviour seen through raw undici and node:tls: routes, bodies, ALPN,
// stream framing, auth and counters.
import { connect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Client, request, type Agent } from 'undici';
import { ConfigError } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { agentFor, GENERATE_PATH, promptBody } from './clients.js';

let fake: FakeGemini;
let agent: Agent;

beforeAll(async () => {
  fake = await startFakeGemini();
  agent = agentFor(fake);
});
afterEach(() => fake.setFaults([]));
afterAll(async () => {
  await agent.close();
  await fake.close();
});

const post = (path: string, body: string, dispatcher: Agent | Client = agent) => request(`${fake.origin}${path}`, { method: 'POST', body, dispatcher });

describe('routes and bodies', () => {
  test.each([
    ['/v1/models/gemini-2.5-flash:generateContent', 'gcp.gemini'],
    ['/v1beta/models/gemini-2.5-flash:generateContent', 'gcp.gemini'],
    ['/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent', 'gcp.vertex_ai'],
    ['/v1beta1/projects/p1/locations/global/publishers/google/models/gemini-2.5-flash:generateContent', 'gcp.vertex_ai'],
    ['/v1beta1/publishers/google/models/gemini-2.5-flash:generateContent', 'gcp.vertex_ai'],
  ])('%s answers generateContent', async (path) => {
    const response = await post(path, promptBody('route check'));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('application/json');
    const body = (await response.body.json()) as { candidates: { content: { parts: { text: string }[] } }[] };
    expect(body.candidates[0]!.content.parts[0]!.text).toBe('Echo: route check');
  });

  test('unknown paths and methods get a google.rpc.Status 404, bad JSON a 400', async () => {
    const missing = await post('/v1beta/models/gemini-2.5-flash:teleport', '{}');
    expect(missing.statusCode).toBe(404);
    expect(await missing.body.json()).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });
    const bad = await post(GENERATE_PATH, '{not json');
    expect(bad.statusCode).toBe(400);
    expect(await bad.body.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
  });

  test('embedContent, batchEmbedContents and predict return vectors of the asked size', async () => {
    const single = (await (await post('/v1beta/models/gemini-embedding-001:embedContent', JSON.stringify({ content: { parts: [{ text: 'a' }] }, outputDimensionality: 5 }))).body.json()) as {
      embedding: { values: number[] };
    };
    expect(single.embedding.values).toHaveLength(5);
    const batch = (await (
      await post('/v1beta/models/gemini-embedding-001:batchEmbedContents', JSON.stringify({ requests: [{ content: { parts: [{ text: 'a' }] } }, { content: { parts: [{ text: 'b' }] } }] }))
    ).body.json()) as { embeddings: { values: number[] }[] };
    expect(batch.embeddings.map((embedding) => embedding.values.length)).toEqual([768, 768]);
    expect(batch.embeddings[0]!.values).toEqual(
      ((await (await post('/v1beta/models/gemini-embedding-001:embedContent', JSON.stringify({ content: { parts: [{ text: 'a' }] } }))).body.json()) as typeof single).embedding.values,
    );
    const predicted = (await (await post('/v1/projects/p/locations/l/publishers/google/models/text-embedding-005:predict', JSON.stringify({ instances: [{ content: 'x' }] }))).body.json()) as {
      predictions: { embeddings: { values: number[] } }[];
    };
    expect(predicted.predictions[0]!.embeddings.values).toHaveLength(768);
  });

  test('streamGenerateContent with alt=sse sends data events; without it a JSON array', async () => {
    const sse = await post('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', promptBody('stream me now please'));
    expect(sse.headers['content-type']).toBe('text/event-stream');
    const events = (await sse.body.text()).split('\n\n').filter(Boolean);
    expect(events).toHaveLength(3);
    expect(events.every((event) => event.startsWith('data: {'))).toBe(true);
    const last = JSON.parse(events[2]!.slice(6)) as { candidates: { finishReason?: string }[]; usageMetadata: { candidatesTokenCount?: number } };
    expect(last.candidates[0]!.finishReason).toBe('STOP');
    expect(last.usageMetadata.candidatesTokenCount).toBeGreaterThan(0);

    const array = await post('/v1beta/models/gemini-2.5-flash:streamGenerateContent', promptBody('stream me now please'));
    expect(array.headers['content-type']).toContain('application/json');
    const chunks = JSON.parse(await array.body.text()) as { candidates: { content: { parts: { text: string }[] } }[] }[];
    expect(chunks.map((chunk) => chunk.candidates[0]!.content.parts[0]!.text).join('')).toBe('Echo: stream me now please');
  });

  test('responseText and streamChunks shape the answer', async () => {
    const custom = await startFakeGemini({ tls: false, streamChunks: 5, responseText: (call) => `${call.provider}/${call.model}: ${call.prompt.length}` });
    try {
      const response = await request(`${custom.origin}/v1beta/models/m1:streamGenerateContent?alt=sse`, { method: 'POST', body: promptBody('abcdefghij') });
      const events = (await response.body.text()).split('\n\n').filter(Boolean);
      expect(events).toHaveLength(5);
      const text = events.map((event) => (JSON.parse(event.slice(6)) as { candidates: { content: { parts: { text: string }[] } }[] }).candidates[0]!.content.parts[0]!.text).join('');
      expect(text).toBe('gcp.gemini/m1: 10');
    } finally {
      await custom.close();
    }
  });
});

describe('TLS, ALPN and HTTP versions', () => {
  test.each([
    [['h2', 'http/1.1'], 'h2'],
    [['http/1.1'], 'http/1.1'],
  ])('ALPN offer %j negotiates %s with a certificate trusted through `ca`', async (offer, expected) => {
    const negotiated = await new Promise<string | false | null>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: fake.port, ca: fake.ca, ALPNProtocols: offer }, () => {
        resolve(socket.authorized ? socket.alpnProtocol : null);
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(negotiated).toBe(expected);
  });

  test('the certificate also covers `localhost`', async () => {
    const response = await request(`https://localhost:${fake.port}${GENERATE_PATH}`, { method: 'POST', body: promptBody('by name'), dispatcher: agent });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
  });

  test('stats count HTTP/2 and HTTP/1.1 requests, connections and TLS handshakes', async () => {
    const local = await startFakeGemini();
    const h1 = agentFor(local, { allowH2: false });
    const h2 = agentFor(local);
    try {
      for (const dispatcher of [h1, h2, h2]) await (await request(`${local.origin}${GENERATE_PATH}`, { method: 'POST', body: promptBody('v'), dispatcher })).body.dump();
      const stats = local.stats();
      expect(stats.httpVersions).toEqual({ '1.1': 1, '2': 2 });
      expect(stats.connections).toEqual({ accepted: 2, open: 2, tlsHandshakes: 2 });
      expect(stats.requests).toMatchObject({ total: 3, byModel: { 'gemini-2.5-flash': 3 }, byMethod: { generateContent: 3 } });
      local.resetStats();
      expect(local.stats().requests.total).toBe(0);
      expect(local.stats().connections.open).toBe(2);
    } finally {
      await h1.close();
      await h2.close();
      await local.close();
    }
  });

  test('tls: false serves plain HTTP/1.1 and returns no CA', async () => {
    const plain = await startFakeGemini({ tls: false });
    try {
      expect(plain.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(plain.ca).toBeUndefined();
      const response = await request(`${plain.origin}${GENERATE_PATH}`, { method: 'POST', body: promptBody('plain') });
      expect(response.statusCode).toBe(200);
      await response.body.dump();
      expect(plain.stats().httpVersions).toEqual({ '1.1': 1 });
      expect(plain.stats().connections.tlsHandshakes).toBe(0);
    } finally {
      await plain.close();
    }
  });
});

describe('concurrency, latency and auth', () => {
  test('maxConcurrentRequests sees parallel requests held by the latency model', async () => {
    const slow = await startFakeGemini({ latency: { fixedMs: 40 } });
    const client = agentFor(slow);
    try {
      const started = Date.now();
      await Promise.all(Array.from({ length: 5 }, async () => (await request(`${slow.origin}${GENERATE_PATH}`, { method: 'POST', body: promptBody('p'), dispatcher: client })).body.dump()));
      expect(Date.now() - started).toBeGreaterThanOrEqual(39);
      expect(slow.stats().maxConcurrentRequests).toBe(5);
      expect(slow.stats().inFlight).toBe(0);
    } finally {
      await client.close();
      await slow.close();
    }
  });

  test('maxConcurrentStreams caps the HTTP/2 streams one connection may run at once', async () => {
    const capped = await startFakeGemini({ maxConcurrentStreams: 2, latency: { fixedMs: 15 } });
    const client = new Client(capped.origin, { connect: { ca: capped.ca }, allowH2: true });
    try {
      await Promise.all(Array.from({ length: 6 }, async () => (await client.request({ path: GENERATE_PATH, method: 'POST', body: promptBody('p') })).body.dump()));
      expect(capped.stats().requests.total).toBe(6);
      expect(capped.stats().connections.accepted).toBe(1);
      expect(capped.stats().maxConcurrentRequests).toBe(2);
    } finally {
      await client.destroy();
      await capped.close();
    }
  });

  test('requireApiKey: missing key → 403 PERMISSION_DENIED, right key (header or ?key=) → 200', async () => {
    const strict = await startFakeGemini({ tls: false, requireApiKey: 'k1' });
    try {
      const url = `${strict.origin}${GENERATE_PATH}`;
      const missing = await request(url, { method: 'POST', body: promptBody('x') });
      expect(missing.statusCode).toBe(403);
      expect(await missing.body.json()).toMatchObject({ error: { status: 'PERMISSION_DENIED' } });
      const header = await request(url, { method: 'POST', body: promptBody('x'), headers: { 'x-goog-api-key': 'k1' } });
      expect(header.statusCode).toBe(200);
      await header.body.dump();
      const query = await request(`${url}?key=k1`, { method: 'POST', body: promptBody('x') });
      expect(query.statusCode).toBe(200);
      await query.body.dump();
    } finally {
      await strict.close();
    }
  });

  test('a throwing responseText becomes a 500 google.rpc.Status, not a hang', async () => {
    const broken = await startFakeGemini({
      tls: false,
      responseText: () => {
        throw new Error('boom');
      },
    });
    try {
      const response = await request(`${broken.origin}${GENERATE_PATH}`, { method: 'POST', body: promptBody('x') });
      expect(response.statusCode).toBe(500);
      expect(await response.body.json()).toMatchObject({ error: { code: 500, status: 'INTERNAL', message: 'fake Gemini failed: boom' } });
    } finally {
      await broken.close();
    }
  });

  test('bad options are rejected with a ConfigError naming the field', async () => {
    await expect(startFakeGemini({ port: -1 })).rejects.toThrow(ConfigError);
    await expect(startFakeGemini({ streamChunks: 0 })).rejects.toThrow(/`streamChunks`/);
    await expect(startFakeGemini({ latency: { fixedMs: -5 } })).rejects.toThrow(/`latency.fixedMs`/);
    await expect(startFakeGemini({ latency: { 'gemini-*': { fixedMs: 1, spreadMs: Number.NaN } } })).rejects.toThrow(/`latency.gemini-\*.spreadMs`/);
    await expect(startFakeGemini({ faults: [{ kind: 'status', status: 200 }] })).rejects.toThrow(/`faults\[0\].status`/);
    // @ts-expect-error an unknown fault kind is a runtime error too
    expect(() => fake.setFaults([{ kind: 'explode' }])).toThrow(/`faults\[0\].kind`/);
    expect(() => fake.setFaults([{ kind: 'hang', times: 0 }])).toThrow(/`faults\[0\].times`/);
  });

  test('close() resolves with idle connections still open and is idempotent', async () => {
    const local = await startFakeGemini();
    const client = new Client(local.origin, { connect: { ca: local.ca }, allowH2: true });
    await (await client.request({ path: GENERATE_PATH, method: 'POST', body: promptBody('x') })).body.dump();
    expect(local.stats().connections.open).toBe(1);
    await Promise.all([local.close(), local.close()]);
    await client.destroy();
  });
});
