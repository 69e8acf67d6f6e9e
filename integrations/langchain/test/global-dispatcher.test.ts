// installGlobalDispatcher (@gempool/core) with Node's built-in fetch: routed origins go through the
// pool (the only client trusting the fake's CA), every other origin stays on Node's own dispatcher.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiPool, installGlobalDispatcher, runWithContext, type GeminiPool } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';

let fake: FakeGemini;
let pool: GeminiPool;
let plain: Server;
let plainOrigin: string;
const body = JSON.stringify({ contents: [{ parts: [{ text: 'through the bridge' }] }] });

beforeAll(async () => {
  fake = await startFakeGemini({ tls: true });
  pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca }, minConnections: 1 });
  plain = createServer((_request, response) => response.end('not gemini'));
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  plainOrigin = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await pool.close({ timeoutMs: 1_000 });
  await fake.close();
  await new Promise((resolve) => plain.close(resolve));
});

const generate = (init: RequestInit = {}) =>
  fetch(`${fake.origin}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, ...init });

describe('installGlobalDispatcher', () => {
  it('routes the pool origins through the pool, leaves others alone, and uninstalls', async () => {
    await expect(generate()).rejects.toThrow(); // Node's own dispatcher does not trust the fake's CA
    const installation = installGlobalDispatcher(pool);
    try {
      expect(installation.routes('https://us-central1-aiplatform.googleapis.com')).toBe(true);
      expect(installation.routes('https://example.com')).toBe(false);
      const response = await generate();
      expect(response.status).toBe(200);
      expect(((await response.json()) as { candidates: Array<{ content: { parts: Array<{ text: string }> } }> }).candidates[0]!.content.parts[0]!.text).toBe('Echo: through the bridge');
      expect(await (await fetch(plainOrigin)).text()).toBe('not gemini');
      expect(Object.keys(pool.stats().origins)).toEqual([fake.origin]);
    } finally {
      installation.uninstall();
      installation.uninstall();
    }
    await expect(generate()).rejects.toThrow();
  });

  it('carries the call context and the caller abort signal into the pool', async () => {
    const installation = installGlobalDispatcher(pool);
    try {
      const lanes: string[] = [];
      const onStart = (event: { lane: string }) => lanes.push(event.lane);
      pool.on('call-start', onStart);
      await runWithContext({ lane: 'bulk' }, async () => (await generate()).arrayBuffer());
      pool.off('call-start', onStart);
      expect(lanes).toEqual(['bulk']);

      fake.setFaults([{ kind: 'hang', times: 1 }]);
      const controller = new AbortController();
      // A different prompt, so coalescing does not hand it the previous call's answer.
      const pending = generate({ signal: controller.signal, body: body.replace('bridge', 'bridge, hanging') });
      for (let i = 0; i < 500 && fake.stats().inFlight === 0; i++) await new Promise((resolve) => setTimeout(resolve, 2));
      controller.abort();
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      installation.uninstall();
    }
  });

  it('answers gempool failures with a Google error response carrying the code', async () => {
    const closed = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca }, minConnections: 0 });
    await closed.close();
    const installation = installGlobalDispatcher(closed);
    try {
      const response = await generate();
      expect(response.status).toBe(503);
      expect(response.headers.get('x-gempool-error-code')).toBe('POOL_CLOSED');
      expect(JSON.stringify(await response.json())).toContain('"reason":"POOL_CLOSED","domain":"gempool"');
    } finally {
      installation.uninstall();
    }
    expect(() => installGlobalDispatcher(pool, { origins: ['not an origin'] })).toThrow(/`origins`/);
  });
});
