// Security (issue 11, part 5): the `gempool proxy` service binds loopback unless told otherwise,
// refuses callers without the right token (401, and nothing reaches the upstream), makes serving
// without authentication an explicit choice (`noAuth` / `--no-auth`), and never shows the token or
// the upstream key in its logs, its 401s or its /metrics.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { parseProxyArgs, startProxy, type RunningProxy } from '../../packages/cli/src/proxy/index.js';

const UPSTREAM_KEY = 'AIza-SECRET-UPSTREAM-31f0';
const TOKEN = 'proxy-SECRET-token-a9c4e2';
const GENERATE = '/v1beta/models/gemini-2.5-flash:generateContent';
const BODY = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hello' }] }] });

let fake: FakeGemini;
let proxy: RunningProxy;
const logs: string[] = [];

beforeAll(async () => {
  fake = await startFakeGemini({ requireApiKey: UPSTREAM_KEY });
  // No `host`: the default must be loopback.
  proxy = await startProxy({
    port: 0,
    tokens: [TOKEN],
    upstream: { origin: fake.origin, apiKey: UPSTREAM_KEY },
    pool: { tls: { ca: fake.ca! }, minConnections: 1, maxConnections: 2 },
    log: (line) => logs.push(line),
  });
  await proxy.ready();
});

afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

beforeEach(() => fake.resetStats());

const post = (headers: Record<string, string>, path = GENERATE) => fetch(`${proxy.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: BODY });

describe('gempool proxy authentication', () => {
  it('binds 127.0.0.1 when no host is given', () => {
    expect(new URL(proxy.url).hostname).toBe('127.0.0.1');
  });

  it.each([
    ['no credential at all', {}],
    ['a wrong bearer token', { authorization: 'Bearer wrong-token' }],
    ['the token with one character missing', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['the token with a suffix', { authorization: `Bearer ${TOKEN}x` }],
    ['the token in upper case', { authorization: `Bearer ${TOKEN.toUpperCase()}` }],
    ['the token without the Bearer scheme', { authorization: TOKEN }],
    ['a wrong x-goog-api-key', { 'x-goog-api-key': 'wrong-key' }],
    ['the upstream key instead of the proxy token', { 'x-goog-api-key': UPSTREAM_KEY }],
  ])('answers %s with 401 and calls nothing upstream', async (_case, headers) => {
    const response = await post(headers);
    const text = await response.text();
    expect(response.status).toBe(401);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(UPSTREAM_KEY);
    expect(fake.stats().requests.total).toBe(0);
  });

  it('rejects a wrong `?key=` query parameter too', async () => {
    const response = await post({}, `${GENERATE}?key=wrong`);
    await response.arrayBuffer();
    expect(response.status).toBe(401);
    expect(fake.stats().requests.total).toBe(0);
  });

  it('forwards a caller with the right token, using its own upstream key', async () => {
    const response = await post({ authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { candidates: unknown[] }).candidates).toHaveLength(1);
    expect(fake.stats().requests.total).toBe(1);
  });

  it('never shows the token or the upstream key in its logs or /metrics', async () => {
    await (await post({ authorization: `Bearer ${TOKEN}` })).arrayBuffer();
    await (await post({ authorization: 'Bearer wrong-token' })).arrayBuffer();
    const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
    expect(metrics).toContain('gempool');
    expect(logs.length).toBeGreaterThan(0);
    for (const text of [metrics, logs.join('\n')]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(UPSTREAM_KEY);
    }
  });
});

describe('serving without authentication is explicit', () => {
  const upstream = { origin: 'https://127.0.0.1:9', apiKey: UPSTREAM_KEY };

  it('refuses to start with neither tokens nor noAuth', async () => {
    const error = await startProxy({ port: 0, upstream }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('tokens');
  });

  it('refuses an empty token list', async () => {
    const error = await startProxy({ port: 0, tokens: [], upstream }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
  });

  it('the CLI needs a token or --no-auth, and --no-auth is what turns auth off', () => {
    const env = { GEMINI_API_KEY: UPSTREAM_KEY };
    expect(() => parseProxyArgs(['--port', '0'], { env })).toThrow(ConfigError);
    expect(parseProxyArgs(['--no-auth'], { env }).options).toMatchObject({ noAuth: true, host: '127.0.0.1' });
    expect(parseProxyArgs(['--port', '0'], { env: { ...env, GEMPOOL_PROXY_TOKEN: TOKEN } }).options).toMatchObject({ noAuth: false, tokens: [TOKEN], host: '127.0.0.1' });
  });

  it('with noAuth: true, forwards callers without a token', async () => {
    const open = await startProxy({ port: 0, noAuth: true, upstream: { origin: fake.origin, apiKey: UPSTREAM_KEY }, pool: { tls: { ca: fake.ca! }, minConnections: 0 } });
    try {
      expect(new URL(open.url).hostname).toBe('127.0.0.1');
      const response = await fetch(`${open.url}${GENERATE}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
      await response.arrayBuffer();
      expect(response.status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
