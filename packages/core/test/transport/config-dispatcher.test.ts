import { describe, expect, it } from 'vitest';
import { request, fetch as undiciFetch } from 'undici';
import { createGeminiPool, createResourcePool, isGempoolError, type ConfigError } from '@gempool/core';
import { createManualClock, startFakeGemini } from '@gempool/testing';
import { GENERATE, TRANSPORT_ONLY } from './helpers.js';

describe('option validation', () => {
  const bad: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ minConnections: -1 }, 'minConnections', /an integer from 0 and up, got `-1` \(number\)/],
    [{ maxConnections: 0 }, 'maxConnections', /from 1 and up, got `0`/],
    [{ minConnections: 20, maxConnections: 10 }, 'minConnections', /at most `maxConnections` \(10\), got `20`/],
    [{ origins: ['https://example.com/v1beta'] }, 'origins[0]', /without path/],
    [{ origins: ['ftp://example.com'] }, 'origins[0]', /http\(s\) origin/],
    [{ origins: 'https://example.com' }, 'origins', /an array/],
    [{ leakTimeoutMs: 1.5 }, 'leakTimeoutMs', /integer/],
    [{ http2: 'yes' }, 'http2', /a boolean, got `"yes"` \(string\)/],
    [{ tls: { ca: 42 } }, 'tls.ca', /PEM string/],
    [{ clock: {} }, 'clock', /`now`/],
  ];
  it.each(bad)('rejects %j naming %s', (options, field, message) => {
    let error: unknown;
    try {
      createGeminiPool(options as never);
    } catch (e) {
      error = e;
    }
    expect(isGempoolError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as ConfigError).field).toBe(field);
    expect((error as Error).message).toMatch(message);
  });

  it('lets an unset minimum follow a smaller maximum down', async () => {
    const pool = createGeminiPool({ origins: ['http://127.0.0.1:1'], maxConnections: 5 });
    expect(pool.stats().origins['http://127.0.0.1:1']).toMatchObject({ max: 5 });
    await pool.close();
  });

  it('does not write defaults onto the caller options', () => {
    const options = Object.freeze({ origins: ['http://127.0.0.1:1'], minConnections: 0 });
    const pool = createGeminiPool(options);
    expect(Object.keys(options)).toEqual(['origins', 'minConnections']);
    return pool.close();
  });
});

describe('pool.dispatcher', () => {
  it('serves undici.request and undici.fetch over the pooled connections', async () => {
    const fake = await startFakeGemini();
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 1, maxConnections: 1, ...TRANSPORT_ONLY });
    await pool.warmup();
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'via dispatcher' }] }] });
    const viaRequest = await request(fake.origin + GENERATE, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher: pool.dispatcher });
    expect(viaRequest.statusCode).toBe(200);
    expect(await viaRequest.body.text()).toContain('via dispatcher');
    const viaFetch = await undiciFetch(fake.origin + GENERATE, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher: pool.dispatcher });
    expect(viaFetch.status).toBe(200);
    expect(await viaFetch.text()).toContain('via dispatcher');
    expect(pool.stats()).toMatchObject({ inFlight: 0, connections: { created: 1 } });
    await pool.close();
    await fake.close();
  });
});

describe('createResourcePool', () => {
  it('leases instances least-busy first, keeps hot ones for real-time work, and force-returns leaks', async () => {
    const clock = createManualClock();
    let made = 0;
    const destroyed: number[] = [];
    const pool = createResourcePool({
      create: () => ({ id: ++made }),
      destroy: (instance) => void destroyed.push(instance.id),
      min: 1,
      max: 3,
      hotInstances: 1,
      leakTimeoutMs: 1_000,
      clock,
    });
    await pool.warmup();
    expect(pool.stats()).toMatchObject({ open: 1, hot: { open: 1 }, cold: { open: 0 } });
    const batch = await pool.acquire({ temperature: 'cold' });
    const batch2 = await pool.acquire({ temperature: 'cold' });
    expect(pool.stats().cold.open).toBe(2);
    // Batch work is saturated, yet real-time work still gets the hot instance at once.
    const realtime = await pool.acquire({ temperature: 'hot' });
    expect(pool.stats().hot!.inUse).toBe(1);
    const queued = pool.acquire({ temperature: 'cold', timeoutMs: 500 }).catch((e: unknown) => e);
    await clock.advanceAsync(500);
    expect(isGempoolError(await queued, 'DEADLINE_EXCEEDED')).toBe(true);
    batch.release();
    batch2.release();
    const leaks: unknown[] = [];
    pool.on('leak', (info) => leaks.push(info));
    await clock.advanceAsync(1_500); // `realtime` was never released
    expect(leaks).toHaveLength(1);
    expect(pool.stats().leaks.forceReturned).toBe(1);
    realtime.release(); // late: reported, not double-released
    expect(pool.stats().inUse).toBe(0);
    expect(await pool.use((instance) => instance.id, { temperature: 'hot' })).toBe(1);
    await pool.close();
    expect(destroyed.sort()).toEqual([1, 2, 3]);
  });

  it('rejects bad options with the field named', () => {
    expect(() => createResourcePool({ create: () => 1, max: 2, hotInstances: 3 })).toThrow(/hotInstances/);
    expect(() => createResourcePool({ create: 'x' as never, max: 1 })).toThrow(/`create`/);
  });
});
