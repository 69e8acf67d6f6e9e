// Per-model pools, the API-version split and autoscaling on a real pool against the fake Gemini
// server (plain HTTP/1.1 on loopback: one call per connection makes capacity easy to see).
import { afterEach, describe, expect, it } from 'vitest';
import { createGeminiPool, runWithContext, type ConnectionCreatedEvent, type GeminiPool, type GeminiPoolOptions } from '@gempool/core';
import { createManualClock, startFakeGemini, type FakeGemini } from '@gempool/testing';

let fake: FakeGemini | undefined;
let pool: GeminiPool | undefined;
afterEach(async () => {
  await pool?.close({ timeoutMs: 500 });
  await fake?.close();
  pool = undefined;
  fake = undefined;
});

async function start(options: GeminiPoolOptions, versions?: string[]): Promise<{ fake: FakeGemini; pool: GeminiPool }> {
  fake = await startFakeGemini({ tls: false, responseText: (request) => (versions?.push(request.apiVersion), 'ok') });
  pool = createGeminiPool({ origins: [fake.origin], http2: false, minConnections: 0, coalesce: false, leakTimeoutMs: 0, ...options });
  return { fake, pool };
}

const generate = (p: GeminiPool, origin: string, model: string, text: string, version = 'v1beta') =>
  p
    .fetch(`${origin}/${version}/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] }),
    })
    .then(async (response) => (await response.arrayBuffer(), response.status));

describe('per-model pools', () => {
  it('gives a model group its own connections, so its backlog cannot starve other models', async () => {
    const { fake: server, pool: p } = await start({ maxConnections: 2, autoscale: false, pools: { pro: { models: ['*-pro'], maxConnections: 2 } } });
    server.setFaults([{ model: 'gemini-2.5-pro', kind: 'hang', times: Infinity }]);
    const created: ConnectionCreatedEvent[] = [];
    p.on('connection-created', (event) => created.push(event));
    // Ten Pro calls hang on the Pro pool's 2 connections (8 wait in its queue) …
    const stuck = Array.from({ length: 10 }, (_, i) => generate(p, server.origin, 'gemini-2.5-pro', `pro ${i}`).catch((error: unknown) => error));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // … while Flash calls go through the default pool.
    const flash = await Promise.all(Array.from({ length: 6 }, (_, i) => generate(p, server.origin, 'gemini-2.5-flash', `flash ${i}`)));
    expect(flash).toEqual([200, 200, 200, 200, 200, 200]);
    const pools = p.stats().pools as Record<string, { inFlight: number; queued: number; max: number }>;
    expect(pools.pro).toMatchObject({ inFlight: 2, queued: 8, max: 2 });
    expect(pools.default!.queued).toBe(0);
    expect(new Set(created.map((event) => event.pool))).toEqual(new Set(['pro', 'default']));
    expect(created.filter((event) => event.pool === 'pro')).toHaveLength(2);
    await p.close({ timeoutMs: 100 });
    for (const outcome of await Promise.all(stuck)) expect(outcome).toMatchObject({ code: expect.any(String) });
  });

  it('warms every group', async () => {
    const { pool: p } = await start({ minConnections: 1, maxConnections: 2, autoscale: false, apiVersions: { v1: 50, v1beta: 50 }, pools: { pro: { models: ['*-pro'], minConnections: 2 } } });
    await p.warmup();
    const pools = p.stats().pools as Record<string, { open: number }>;
    expect(pools).toMatchObject({ default: { open: 1 }, v1: { open: 1 }, v1beta: { open: 1 }, pro: { open: 2 } });
  });
});

describe('API-version split', () => {
  it('splits tenants by percentage, keeps each tenant on one version, and applies a change to new calls', async () => {
    const versions: string[] = [];
    const { fake: server, pool: p } = await start({ maxConnections: 8, autoscale: false, apiVersions: { v1: 80, v1beta: 20 } }, versions);
    const run = async (tenants: number) => {
      versions.length = 0;
      for (let batch = 0; batch < tenants; batch += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, i) => runWithContext({ tenant: `t${batch + i}` }, () => generate(p, server.origin, 'gemini-2.5-flash', `q ${batch + i}`))));
      }
      return versions.filter((version) => version === 'v1').length / versions.length;
    };
    const first = await run(1_000);
    expect(Math.abs(first - 0.8)).toBeLessThan(0.05);
    // One tenant always lands on the same version.
    versions.length = 0;
    for (let i = 0; i < 5; i++) await runWithContext({ tenant: 't7' }, () => generate(p, server.origin, 'gemini-2.5-flash', `again ${i}`));
    expect(new Set(versions).size).toBe(1);

    p.setTrafficSplit({ v1: 20, v1beta: 80 });
    const second = await run(1_000);
    expect(Math.abs(second - 0.2)).toBeLessThan(0.05);
    const stats = p.stats();
    expect((stats.trafficSplit as { split: Record<string, number> }).split).toEqual({ v1: 20, v1beta: 80 });
    // Each version has its own connections.
    const pools = stats.pools as Record<string, { open: number }>;
    expect(pools.v1!.open).toBeGreaterThan(0);
    expect(pools.v1beta!.open).toBeGreaterThan(0);
  });

  it('leaves calls on other versions and non-model calls alone', async () => {
    const versions: string[] = [];
    const { fake: server, pool: p } = await start({ autoscale: false, apiVersions: { v1: 100, v1beta: 0 } }, versions);
    await generate(p, server.origin, 'gemini-2.5-flash', 'a', 'v1beta');
    await generate(p, server.origin, 'gemini-2.5-flash', 'b', 'v1alpha');
    expect(versions).toEqual(['v1', 'v1alpha']);
  });
});

describe('autoscaling a real pool', () => {
  it('raises the maximum after 60 s of saturation and lowers it after 5 min idle', async () => {
    const clock = createManualClock(0);
    const { fake: server, pool: p } = await start({ clock, maxConnections: 4, minConnections: 2, queueTimeoutMs: 3_600_000, retry: { enabled: false }, autoscale: { ceiling: 8 } });
    const scaled: Array<{ from: number; to: number; direction: string }> = [];
    p.on('autoscale', ({ from, to, direction }) => scaled.push({ from, to, direction }));
    server.setFaults([{ kind: 'hang', times: 6 }]);
    const held = Array.from({ length: 6 }, (_, i) => generate(p, server.origin, 'gemini-2.5-flash', `held ${i}`).catch((error: unknown) => error));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await clock.advanceAsync(61_000);
    expect(scaled).toEqual([{ from: 4, to: 5, direction: 'up' }]);
    expect((p.stats().autoscale as { pools: Record<string, { max: number }> }).pools.default!.max).toBe(5);

    // The load goes away (the server drops the held calls: typed errors, no retries here); the
    // pool idles, and 5 minutes later the maximum comes down.
    await server.close();
    for (const outcome of await Promise.all(held)) expect(outcome).toMatchObject({ code: expect.any(String) });
    await clock.advanceAsync(301_000);
    expect(scaled.at(-1)).toEqual({ from: 5, to: 4, direction: 'down' });
  });
});
