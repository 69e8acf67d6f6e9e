// Issue 2 acceptance checks, second half: the fake's scripted faults (3rd bullet of point 3), the
// latency proxy (point 4) and that the project's own tests cover both (point 5). Written from the
// issue text and the README (Testing section); raw undici / node:http2 so each fault is seen as it is on the wire.
import { readdirSync, readFileSync } from 'node:fs';
import { connect as h2connect } from 'node:http2';
import { connect as tlsConnect } from 'node:tls';
import { ApiError, GoogleGenAI } from '@google/genai';
import { startFakeGemini, startLatencyProxy, type FakeGemini } from '@gempool/testing';
import { fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MODEL, modelPath, promptBody, rawClient, settled, until } from './issue-2-3-helpers.js';

let fake: FakeGemini;
let raw: ReturnType<typeof rawClient>;
beforeAll(async () => {
  fake = await startFakeGemini({ tls: true, streamChunks: 4 });
  raw = rawClient(fake);
});
afterAll(async () => {
  await raw.agent.close();
  await fake.close();
});
beforeEach(() => fake.setFaults([]));

const generate = (model = MODEL, text = 'x') => raw.request(modelPath(model, 'generateContent'), { body: promptBody(text) });
type RpcDetail = { '@type': string; retryDelay?: string; violations?: Array<{ quotaId: string }> };

describe('issue 2.3: scripted status faults with google.rpc.Status bodies', () => {
  it.each([
    ['per-minute', /PerMinute/],
    ['per-day', /PerDay/],
  ] as const)('429 %s: RESOURCE_EXHAUSTED with RetryInfo.retryDelay and a QuotaFailure quotaId', async (quota, quotaId) => {
    fake.setFaults([{ kind: 'status', status: 429, quota, retryDelay: '45.8s' }]);
    const res = await generate();
    expect(res.status).toBe(429);
    const error = JSON.parse(res.text).error as { code: number; status: string; details: RpcDetail[] };
    expect(error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(error.details.find((d) => d['@type'].endsWith('google.rpc.RetryInfo'))?.retryDelay).toBe('45.8s');
    expect(error.details.find((d) => d['@type'].endsWith('google.rpc.QuotaFailure'))?.violations?.[0]?.quotaId).toMatch(quotaId);
  });

  it.each([
    [500, 'INTERNAL'],
    [503, 'UNAVAILABLE'],
    [504, 'DEADLINE_EXCEEDED'],
  ])('%i answers with status %s', async (status, name) => {
    fake.setFaults([{ kind: 'status', status }]);
    const res = await generate();
    expect(res.status).toBe(status);
    expect(JSON.parse(res.text).error).toMatchObject({ code: status, status: name });
  });

  it('matched by model, method and count (after, times); other calls untouched', async () => {
    fake.setFaults([{ kind: 'status', status: 503, model: 'gemini-a', method: 'generateContent', after: 1, times: 2 }]);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await generate('gemini-a')).status);
    expect(statuses).toEqual([200, 503, 503, 200]);
    fake.setFaults([{ kind: 'status', status: 503, model: 'gemini-a', method: 'generateContent', times: Infinity }]);
    expect((await generate('gemini-b')).status).toBe(200);
    expect((await raw.request(modelPath('gemini-a', 'countTokens'), { body: promptBody('x') })).status).toBe(200);
  });
});

describe('issue 2.3: transport faults', () => {
  it('connection reset: the request fails, the next one works', async () => {
    fake.setFaults([{ kind: 'reset' }]);
    await expect(generate()).rejects.toThrow();
    expect((await generate()).status).toBe(200);
  });

  it('hang: never answers (until the client gives up)', async () => {
    fake.setFaults([{ kind: 'hang' }]);
    const controller = new AbortController();
    const call = raw.request(modelPath(MODEL, 'generateContent'), { body: promptBody('hang'), signal: controller.signal });
    await until(() => fake.stats().faultsInjected.hang === 1, 'the hang fault to fire');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await settled(call)).toBe(false);
    controller.abort();
    await expect(call).rejects.toThrow();
  });

  it('slow headers: headers come no sooner than delayMs (lower bound only)', async () => {
    fake.setFaults([{ kind: 'slow-headers', delayMs: 60 }]);
    const start = performance.now();
    expect((await generate()).status).toBe(200);
    expect(performance.now() - start).toBeGreaterThanOrEqual(55);
  });

  it('stalled body mid-stream: the first event arrives, then nothing', async () => {
    fake.setFaults([{ kind: 'stall-body', afterChunks: 1 }]);
    const controller = new AbortController();
    const res = await raw.fetch(`${modelPath(MODEL, 'streamGenerateContent')}?alt=sse`, { body: promptBody('stall'), signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^data: /);
    const next = reader.read();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await settled(next)).toBe(false);
    controller.abort();
    await expect(next).rejects.toThrow();
  });

  it('an error event inside an SSE stream: the real SDK throws ApiError mid-iteration', async () => {
    fake.setFaults([{ kind: 'sse-error', afterChunks: 1, status: 503 }]);
    const fetchOverAgent = (input: unknown, init?: unknown) => undiciFetch(input as string, { ...(init as object), dispatcher: raw.agent });
    const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: fake.origin, fetch: fetchOverAgent as unknown as typeof fetch } });
    let chunks = 0;
    const iterate = async () => {
      for await (const _chunk of await ai.models.generateContentStream({ model: MODEL, contents: 'sse error' })) chunks++;
    };
    await expect(iterate()).rejects.toBeInstanceOf(ApiError);
    expect(chunks).toBe(1);
  });

  it('HTTP/2 GOAWAY: the request is answered, then the session gets GOAWAY and closes', async () => {
    fake.setFaults([{ kind: 'goaway' }]);
    const session = h2connect(fake.origin, { ca: fake.ca });
    const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()));
    const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
    const stream = session.request({ ':method': 'POST', ':path': modelPath(MODEL, 'generateContent'), 'content-type': 'application/json' });
    stream.end(promptBody('goaway'));
    const status = await new Promise<number>((resolve) => stream.once('response', (headers) => resolve(Number(headers[':status']))));
    stream.resume();
    expect(status).toBe(200);
    await goaway;
    await closed;
  });
});

describe('issue 2.4: startLatencyProxy({ target, rttMs })', () => {
  it('TCP + TLS handshakes pay real round trips (≥ 2 RTT), a request on a warm connection ≥ 1 RTT (lower bounds)', async () => {
    const rttMs = 25;
    const proxy = await startLatencyProxy({ target: fake.origin, rttMs });
    try {
      const { port } = new URL(proxy.origin!);
      const start = performance.now();
      const session = h2connect(proxy.origin!, { ca: fake.ca });
      await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
      expect(performance.now() - start).toBeGreaterThanOrEqual(2 * rttMs - 2);
      const warm = performance.now();
      const stream = session.request({ ':method': 'POST', ':path': modelPath(MODEL, 'countTokens') });
      stream.end(promptBody('wan'));
      stream.resume();
      await new Promise((resolve) => stream.once('end', resolve));
      expect(performance.now() - warm).toBeGreaterThanOrEqual(rttMs - 2);
      session.close();
      expect(proxy.stats().connections.accepted).toBe(1);
      expect(Number(port)).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });

  it('a plain TLS handshake through it also pays ≥ 2 RTT', async () => {
    const proxy = await startLatencyProxy({ target: fake.origin, rttMs: 20 });
    try {
      const start = performance.now();
      await new Promise<void>((resolve, reject) => {
        const socket = tlsConnect({ host: proxy.host, port: proxy.port, ca: fake.ca, servername: 'localhost' }, () => {
          socket.end();
          resolve();
        });
        socket.on('error', reject);
      });
      expect(performance.now() - start).toBeGreaterThanOrEqual(38);
    } finally {
      await proxy.close();
    }
  });
});

describe('issue 2.5: the project tests the fake and the proxy themselves', () => {
  it('packages/testing has tests through @google/genai, raw undici, and for the proxy', () => {
    const dir = new URL('../../packages/testing/test/', import.meta.url);
    const sources = readdirSync(dir).map((name) => readFileSync(new URL(name, dir), 'utf8'));
    expect(sources.some((s) => s.includes('@google/genai'))).toBe(true);
    expect(sources.some((s) => /from 'undici'/.test(s))).toBe(true);
    expect(sources.some((s) => s.includes('startLatencyProxy'))).toBe(true);
  });
});
