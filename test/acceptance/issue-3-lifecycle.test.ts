// Issue 3 acceptance checks, point 4: idle connections above the minimum close after
// idleTimeoutMs; maxLifetimeMs / maxUsesPerConnection retire connections gracefully; a dead
// connection (socket error, validation) is replaced; a restarted server is reconnected to.
import type { ConnectionDestroyedEvent } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { genaiOver, MODEL, modelPath, poolFor, promptBody, rejectionOf, until } from './issue-2-3-helpers.js';

let fake: FakeGemini | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function destroyedReasons(pool: ReturnType<typeof poolFor>['pool']): string[] {
  const reasons: string[] = [];
  pool.on('connection-destroyed', (event: ConnectionDestroyedEvent) => reasons.push(event.reason));
  return reasons;
}

describe('issue 3.4: connection lifecycle', () => {
  it('idle connections above minConnections close after idleTimeoutMs; the minimum stays', async () => {
    fake = await startFakeGemini({ tls: true, latency: { fixedMs: 20 } });
    const { pool, clock } = poolFor(fake, { http2: false, minConnections: 1, maxConnections: 4, idleTimeoutMs: 60_000 });
    const reasons = destroyedReasons(pool);
    try {
      await pool.warmup();
      const ai = genaiOver(pool, fake);
      await Promise.all([1, 2, 3].map((i) => ai.models.generateContent({ model: MODEL, contents: `idle ${i}` })));
      // At least 3 (one per concurrent HTTP/1.1 call); the pool may have opened a spare as well.
      const open = pool.stats().connections.open;
      expect(open).toBeGreaterThanOrEqual(3);
      await clock.advanceAsync(59_000);
      expect(pool.stats().connections.open).toBe(open);
      await clock.advanceAsync(2_000);
      expect(pool.stats().connections.open).toBe(1);
      expect(reasons).toEqual(Array(open - 1).fill('idle'));
      await until(() => fake!.stats().connections.open === 1, 'the server to see two sockets close');
    } finally {
      await pool.close();
    }
  });

  it('maxLifetimeMs retires a connection gracefully: the call in flight finishes, the next call gets a new connection', async () => {
    fake = await startFakeGemini({ tls: true, latency: { 'gemini-slow': { fixedMs: 60 } } });
    const { pool, clock } = poolFor(fake, { minConnections: 1, maxConnections: 1, maxLifetimeMs: 60_000 });
    const reasons = destroyedReasons(pool);
    try {
      await pool.warmup();
      const ai = genaiOver(pool, fake);
      const inFlight = ai.models.generateContent({ model: 'gemini-slow', contents: 'survives retirement' });
      await until(() => fake!.stats().inFlight === 1, 'the call to reach the server');
      await clock.advanceAsync(61_000);
      expect((await inFlight).text).toBe('Echo: survives retirement');
      expect((await ai.models.generateContent({ model: MODEL, contents: 'new connection' })).text).toBe('Echo: new connection');
      await until(() => reasons.includes('lifetime'), 'a lifetime retirement');
      expect(fake.stats().connections.accepted).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('maxUsesPerConnection retires connections after that many calls; concurrent calls never fail', async () => {
    fake = await startFakeGemini({ tls: true });
    const { pool } = poolFor(fake, { minConnections: 1, maxConnections: 2, maxUsesPerConnection: 3 });
    const reasons = destroyedReasons(pool);
    try {
      const ai = genaiOver(pool, fake);
      for (let i = 0; i < 7; i++) await ai.models.generateContent({ model: MODEL, contents: `use ${i}` });
      const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => ai.models.generateContent({ model: MODEL, contents: `burst ${i}` })));
      expect(burst.map((r) => r.text)).toEqual(Array.from({ length: 10 }, (_, i) => `Echo: burst ${i}`));
      expect(reasons.filter((r) => r === 'uses').length).toBeGreaterThanOrEqual(2);
      expect(fake.stats().connections.accepted).toBeGreaterThanOrEqual(3);
    } finally {
      await pool.close();
    }
  });

  it('a connection killed by a socket error is replaced; later calls succeed', async () => {
    fake = await startFakeGemini({ tls: true, faults: [{ kind: 'reset', scope: 'connection' }] });
    const { pool } = poolFor(fake, { minConnections: 2, maxConnections: 2 });
    const reasons = destroyedReasons(pool);
    try {
      await pool.warmup();
      await rejectionOf(pool.fetch(`${fake.origin}${modelPath(MODEL, 'generateContent')}`, { method: 'POST', body: promptBody('killed') }));
      await until(() => reasons.length === 1 && pool.stats().connections.open === 2, 'the dead connection to be replaced');
      const ai = genaiOver(pool, fake);
      const after = await Promise.all([1, 2, 3].map((i) => ai.models.generateContent({ model: MODEL, contents: `after ${i}` })));
      expect(after.map((r) => r.text)).toEqual(['Echo: after 1', 'Echo: after 2', 'Echo: after 3']);
    } finally {
      await pool.close();
    }
  });

  it.each([
    ['TLS + HTTP/2', true, 0],
    ['TLS + HTTP/2, idle past validateAfterIdleMs', true, 31_000],
    ['plain HTTP/1.1', false, 0],
  ])('a server that restarts (%s) is reconnected to without caller-visible failures', async (_name, tls, idleMs) => {
    fake = await startFakeGemini({ tls });
    const { port } = fake;
    const { pool, clock } = poolFor(fake, { minConnections: 2, maxConnections: 4, validateAfterIdleMs: 30_000 });
    try {
      await pool.warmup();
      const ai = genaiOver(pool, fake);
      expect((await ai.models.generateContent({ model: MODEL, contents: 'before' })).text).toBe('Echo: before');
      await fake.close();
      fake = await startFakeGemini({ tls, port });
      await clock.advanceAsync(idleMs);
      const after = await Promise.all([1, 2, 3, 4, 5].map((i) => ai.models.generateContent({ model: MODEL, contents: `after restart ${i}` })));
      expect(after.map((r) => r.text)).toEqual([1, 2, 3, 4, 5].map((i) => `Echo: after restart ${i}`));
    } finally {
      await pool.close();
    }
  });
});
