import { describe, expect, it } from 'vitest';
import { createGeminiPool, isGempoolError, type GempoolEvents } from '@gempool/core';
import { createManualClock, startFakeGemini } from '@gempool/testing';
import { GENERATE, TRANSPORT_ONLY, generateInit, until } from './helpers.js';

const read = async (response: Promise<Response>) => (await response).text();

describe('connection lifecycle', () => {
  it('retires connections after maxUsesPerConnection without failing in-flight calls', async () => {
    const fake = await startFakeGemini({ latency: { fixedMs: 5 } });
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 2, maxConnections: 4, maxUsesPerConnection: 10, ...TRANSPORT_ONLY });
    const destroyed: GempoolEvents['connection-destroyed'][] = [];
    pool.on('connection-destroyed', (event) => destroyed.push(event));
    await pool.warmup();
    const bodies = await Promise.all(Array.from({ length: 100 }, () => read(pool.fetch(fake.origin + GENERATE, generateInit()))));
    expect(bodies.every((body) => body.includes('candidates'))).toBe(true);
    await until(() => destroyed.length >= 8);
    expect(destroyed.every((event) => event.reason === 'uses' && event.uses === 10)).toBe(true);
    await pool.close();
    await fake.close();
  });

  it('retires by lifetime and closes idle connections above the minimum (manual clock)', async () => {
    const fake = await startFakeGemini();
    const clock = createManualClock();
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, http2: false, minConnections: 1, maxConnections: 4, idleTimeoutMs: 10_000, maxLifetimeMs: 60_000, clock, ...TRANSPORT_ONLY });
    const reasons: string[] = [];
    pool.on('connection-destroyed', (event) => reasons.push(event.reason));
    await Promise.all(Array.from({ length: 4 }, () => read(pool.fetch(fake.origin + GENERATE, generateInit()))));
    expect(pool.stats().connections.open).toBe(4);
    await clock.advanceAsync(15_000);
    expect(reasons.filter((reason) => reason === 'idle')).toHaveLength(3);
    expect(pool.stats().connections.open).toBe(1);
    await clock.advanceAsync(50_000);
    expect(reasons).toContain('lifetime');
    await until(() => pool.stats().connections.open === 1);
    expect(await read(pool.fetch(fake.origin + GENERATE, generateInit()))).toContain('candidates');
    await pool.close();
    await fake.close();
  });

  it('replaces connections after the server restarts on the same port', async () => {
    const first = await startFakeGemini();
    const pool = createGeminiPool({ origins: [first.origin], tls: { ca: first.ca! }, minConnections: 2, ...TRANSPORT_ONLY });
    await pool.warmup();
    // Two concurrent calls use both warm connections (least busy first), so the fake knows both
    // sessions and its close() drops them (it does not track sockets that never spoke HTTP).
    const before = await Promise.all([1, 2].map(() => read(pool.fetch(first.origin + GENERATE, generateInit()))));
    expect(before.every((body) => body.includes('candidates'))).toBe(true);
    await first.close();
    await until(() => pool.stats().connections.destroyed >= 2);
    const second = await startFakeGemini({ port: first.port });
    const bodies = await Promise.all(Array.from({ length: 10 }, () => read(pool.fetch(first.origin + GENERATE, generateInit()))));
    expect(bodies.every((body) => body.includes('candidates'))).toBe(true);
    expect(second.stats().requests.total).toBe(10);
    await pool.close();
    await second.close();
  });

  it('queues when every slot is busy and fails with QUEUE_FULL / QUEUE_TIMEOUT instead of hanging', async () => {
    const fake = await startFakeGemini();
    const clock = createManualClock();
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, http2: false, minConnections: 1, maxConnections: 1, maxQueue: 1, queueTimeoutMs: 5_000, leakTimeoutMs: 0, clock, ...TRANSPORT_ONLY, lanes: { standard: { maxQueue: 1, queueTimeoutMs: 5_000 } } });
    await pool.warmup();
    const holder = await pool.fetch(fake.origin + GENERATE, generateInit()); // holds the only slot
    const waiting = pool.fetch(fake.origin + GENERATE, generateInit()).catch((e: unknown) => e);
    await until(() => pool.stats().queued === 1);
    const full = await pool.fetch(fake.origin + GENERATE, generateInit()).catch((e: unknown) => e);
    expect(isGempoolError(full, 'QUEUE_FULL')).toBe(true);
    await clock.advanceAsync(5_000);
    expect(isGempoolError(await waiting, 'QUEUE_TIMEOUT')).toBe(true);
    await holder.text();
    expect(await read(pool.fetch(fake.origin + GENERATE, generateInit()))).toContain('candidates');
    await pool.close();
    await fake.close();
  });
});
