// The proxy with the real @google/genai SDK pointed at it (baseUrl), forwarding through a real pool
// to the fake Gemini server over TLS + HTTP/2. The SDK insists on an API key: callers give it a
// dummy one (or the proxy token) and the proxy must never pass it on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, GoogleGenAI } from '@google/genai';
import { gempoolErrorCode } from '@gempool/core';
import { METRICS, prometheusName } from '@gempool/otel';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { PROXY_PATHS, startProxy, type RunningProxy } from '../../src/proxy/index.js';

const UPSTREAM_KEY = 'upstream-key-held-by-proxy';
const PROXY_TOKEN = 'proxy-token-for-callers';
const MODEL = 'gemini-2.5-flash';

let fake: FakeGemini;
let proxy: RunningProxy;
let openProxy: RunningProxy;
const upstreamHeaders: Array<Record<string, string | string[] | undefined>> = [];

function sdk(options: { apiKey: string; token?: string; baseUrl?: string }): GoogleGenAI {
  const headers = options.token === undefined ? undefined : { Authorization: `Bearer ${options.token}` };
  return new GoogleGenAI({ apiKey: options.apiKey, httpOptions: { baseUrl: options.baseUrl ?? proxy.url, headers } });
}

beforeAll(async () => {
  fake = await startFakeGemini({
    tls: true,
    requireApiKey: UPSTREAM_KEY,
    responseText: (request) => {
      upstreamHeaders.push(request.headers);
      return `Echo: ${request.prompt}`;
    },
  });
  const upstream = { origin: fake.origin, apiKey: UPSTREAM_KEY };
  const pool = { tls: { ca: fake.ca }, minConnections: 1, maxConnections: 4 };
  [proxy, openProxy] = await Promise.all([
    startProxy({ port: 0, tokens: [PROXY_TOKEN], upstream, pool }),
    startProxy({ port: 0, noAuth: true, upstream, pool, maxRequestBytes: 64 * 1024 }),
  ]);
  await Promise.all([proxy.ready(), openProxy.ready()]);
});

afterAll(async () => {
  await Promise.all([proxy?.close(), openProxy?.close()]);
  await fake?.close();
});

describe('gempool proxy with the GenAI SDK', () => {
  it('answers generateContent for a caller with a bearer token and a dummy API key', async () => {
    upstreamHeaders.length = 0;
    const response = await sdk({ apiKey: 'dummy-key-the-sdk-requires', token: PROXY_TOKEN }).models.generateContent({ model: MODEL, contents: 'hello proxy' });
    expect(response.text).toContain('hello proxy');
    // Upstream saw the proxy's key and neither of the caller's credentials.
    expect(upstreamHeaders).toHaveLength(1);
    expect(upstreamHeaders[0]!['x-goog-api-key']).toBe(UPSTREAM_KEY);
    expect(upstreamHeaders[0]!['authorization']).toBeUndefined();
    expect(JSON.stringify(upstreamHeaders)).not.toContain('dummy-key-the-sdk-requires');
    expect(JSON.stringify(upstreamHeaders)).not.toContain(PROXY_TOKEN);
  });

  it('streams generateContentStream chunk by chunk', async () => {
    const stream = await sdk({ apiKey: 'dummy', token: PROXY_TOKEN }).models.generateContentStream({ model: MODEL, contents: 'stream please' });
    const texts: string[] = [];
    for await (const chunk of stream) texts.push(chunk.text ?? '');
    expect(texts.length).toBe(3); // the fake's default streamChunks
    expect(texts.join('')).toContain('stream please');
  });

  it('accepts the proxy token as the SDK API key', async () => {
    const response = await sdk({ apiKey: PROXY_TOKEN }).models.countTokens({ model: MODEL, contents: 'count me' });
    expect(response.totalTokens).toBeGreaterThan(0);
  });

  it('rejects a missing or wrong token with 401 google.rpc.Status, without echoing it', async () => {
    const wrong = 'wrong-token-value';
    const error = await sdk({ apiKey: wrong }).models.generateContent({ model: MODEL, contents: 'no entry' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect((error as ApiError).message).toContain('UNAUTHENTICATED');
    expect((error as ApiError).message).not.toContain(wrong);

    const raw = await fetch(`${proxy.url}/v1beta/models/${MODEL}:generateContent`, { method: 'POST', body: '{}' });
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await raw.json()).toEqual({ error: { code: 401, message: expect.any(String), status: 'UNAUTHENTICATED' } });
  });

  it('serves callers without a token when started with noAuth, still with its own upstream key', async () => {
    upstreamHeaders.length = 0;
    const response = await sdk({ apiKey: 'dummy', baseUrl: openProxy.url }).models.generateContent({ model: MODEL, contents: 'open door' });
    expect(response.text).toContain('open door');
    expect(upstreamHeaders[0]!['x-goog-api-key']).toBe(UPSTREAM_KEY);
  });

  it('refuses a body over maxRequestBytes with 413 before calling upstream', async () => {
    const before = fake.stats().requests.total;
    const response = await fetch(`${openProxy.url}/v1beta/models/${MODEL}:generateContent`, { method: 'POST', body: 'x'.repeat(100 * 1024) });
    expect(response.status).toBe(413);
    expect((await response.json()).error.status).toBe('INVALID_ARGUMENT');
    expect(fake.stats().requests.total).toBe(before);
  });

  it('passes upstream errors through as Gemini sent them', async () => {
    fake.setFaults([{ model: 'gemini-broken', kind: 'status', status: 400, message: 'bad request from upstream' }]);
    const error = await sdk({ apiKey: PROXY_TOKEN }).models.generateContent({ model: 'gemini-broken', contents: 'x' }).catch((caught: unknown) => caught);
    fake.setFaults([]);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toContain('bad request from upstream');
  });

  it('answers pool failures with the Google-shaped gempool error the in-process transport gives', async () => {
    const closedUpstream = await startProxy({ port: 0, noAuth: true, upstream: { origin: 'https://127.0.0.1:1', apiKey: 'k' }, pool: { minConnections: 0, connectTimeoutMs: 200, retry: { enabled: false } } });
    try {
      const error = await sdk({ apiKey: 'dummy', baseUrl: closedUpstream.url }).models.generateContent({ model: MODEL, contents: 'x' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBeGreaterThanOrEqual(500);
      expect(gempoolErrorCode(error)).toMatch(/^[A-Z_]+$/);
    } finally {
      await closedUpstream.close();
    }
  });

  it('relays stream events as they arrive and cancels upstream when the caller leaves', async () => {
    // The upstream sends one event and then stalls: only an unbuffered relay gets it to the caller.
    fake.setFaults([{ method: 'streamGenerateContent', kind: 'stall-body', afterChunks: 1 }]);
    const abort = new AbortController();
    const stream = await sdk({ apiKey: PROXY_TOKEN }).models.generateContentStream({ model: MODEL, contents: 'first only', config: { abortSignal: abort.signal } });
    const first = await stream.next();
    expect(first.done).toBe(false);
    expect(fake.stats().inFlight).toBe(1);
    expect(proxy.inFlight).toBe(1);
    abort.abort();
    await stream.next().catch(() => undefined);
    await expect.poll(() => fake.stats().inFlight).toBe(0);
    await expect.poll(() => proxy.inFlight).toBe(0);
    fake.setFaults([]);
  });
});

describe('operational endpoints', () => {
  it('reports alive, ready and Prometheus metrics named by the @gempool/otel registry, without a token', async () => {
    expect((await fetch(proxy.url + PROXY_PATHS.healthz)).status).toBe(200);
    const ready = await fetch(proxy.url + PROXY_PATHS.readyz);
    expect(ready.status).toBe(200);
    const metrics = await fetch(proxy.url + PROXY_PATHS.metrics);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain(`${prometheusName(METRICS.utilization)} `);
    expect(text).toContain(prometheusName(METRICS.requests));
    expect(text).not.toContain(UPSTREAM_KEY);
    expect(text).not.toContain(PROXY_TOKEN);
  });

  it('does not let a path redirect the call to another host', async () => {
    upstreamHeaders.length = 0;
    const response = await fetch(`${proxy.url}//evil.example/v1beta/models/${MODEL}:generateContent?key=caller-key`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PROXY_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'where am I' }] }] }),
    });
    // Forwarded to the configured origin only (the fake answers 404 for the odd path or serves it).
    await response.arrayBuffer();
    expect(fake.stats().requests.total).toBeGreaterThan(0);
    expect(JSON.stringify(upstreamHeaders)).not.toContain('caller-key');
  });
});
