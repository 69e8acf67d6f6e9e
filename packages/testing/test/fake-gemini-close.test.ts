// close() must drop every connection, including warmed ones that never sent an HTTP request, so a
// "server restart" test sees the pool's connections go away without having to use them first.
import { describe, expect, test } from 'vitest';
import { createGeminiPool, type ConnectionDestroyedEvent } from '@gempool/core';
import { startFakeGemini } from '@gempool/testing';

const WARM = 3;
const TRANSPORT_ONLY = { retry: { enabled: false }, coalesce: false, breaker: { enabled: false }, autoscale: false } as const;

/** Resolves once `check` holds, polling on real time (a server-side fact, not a timing claim). */
async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('startFakeGemini close() with idle connections', () => {
  for (const variant of [
    { name: 'TLS, HTTP/2', tls: true, http2: true },
    { name: 'TLS, HTTP/1.1', tls: true, http2: false },
    { name: 'plain HTTP/1.1', tls: false, http2: false },
  ]) {
    test(`drops ${WARM} warmed connections that never sent a request (${variant.name})`, async () => {
      const fake = await startFakeGemini({ tls: variant.tls });
      const pool = createGeminiPool({
        origins: [fake.origin],
        ...(variant.tls ? { tls: { ca: fake.ca! } } : {}),
        http2: variant.http2,
        minConnections: WARM,
        maxConnections: WARM,
        ...TRANSPORT_ONLY,
      });
      const destroyed: ConnectionDestroyedEvent[] = [];
      pool.on('connection-destroyed', (event) => destroyed.push(event));
      try {
        await pool.warmup();
        await until(() => fake.stats().connections.open === WARM);
        expect(fake.stats().requests.total).toBe(0);

        await fake.close();
        await until(() => destroyed.length === WARM);
        expect(destroyed.map((event) => event.reason).every((reason) => reason === 'remote' || reason === 'error')).toBe(true);
        expect(fake.stats().connections.open).toBe(0);
      } finally {
        await pool.close();
        await fake.close();
      }
    });
  }
});
