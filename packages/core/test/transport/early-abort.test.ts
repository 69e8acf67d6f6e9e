// Regression: a call aborted right after pool.fetch started used to send Node's HTTP/2 session
// into an endless native write loop (the next call to the origin never completed, the process ran
// out of memory). Every abort timing, then a normal call on the same pool, must both settle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiPool, isGempoolError } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { GENERATE, generateInit } from './helpers.js';

const variants = [
  { name: 'HTTP/2 over TLS', tls: true, version: '2' },
  { name: 'HTTP/1.1 plain', tls: false, version: '1.1' },
] as const;
const pools = [{ name: 'defaults' }, { name: 'minConnections 0', minConnections: 0 }, { name: 'minConnections 1', minConnections: 1 }] as const;

/** Ways to let the call get further before aborting: not at all, a microtask, a tick, a turn, two turns. */
const waits: Array<() => Promise<unknown>> = [
  () => Promise.resolve(),
  () => Promise.resolve().then(() => {}),
  () => new Promise((resolve) => process.nextTick(resolve)),
  () => new Promise((resolve) => setImmediate(resolve)),
  () => new Promise((resolve) => setImmediate(() => setImmediate(resolve))),
];

describe.each(variants)('a call aborted as it starts, $name', ({ tls, version }) => {
  let fake: FakeGemini;
  beforeAll(async () => {
    fake = await startFakeGemini({ tls });
  });
  afterAll(() => fake.close());

  it.each(pools)('leaves the pool serving the next call ($name)', async ({ name: _name, ...extra }) => {
    const pool = createGeminiPool({ origins: [fake.origin], tls: fake.ca === undefined ? undefined : { ca: fake.ca }, ...extra });
    // Several rounds: the loop showed on a connection opened while earlier calls ran.
    for (let round = 0; round < 3; round++) {
      for (const [index, wait] of waits.entries()) {
        const controller = new AbortController();
        const aborted = pool.fetch(fake.origin + GENERATE, generateInit(`abort ${round}.${index}`, { signal: controller.signal }));
        if (index > 0) await wait();
        controller.abort();
        // Aborted, or (when the abort came after the answer) a response whose body still reads or errors typed.
        const outcome = await aborted.then(
          (response) => response.text().then(() => 'answered', (error: unknown) => (isGempoolError(error) ? error.code : 'untyped')),
          (error: unknown) => (isGempoolError(error) ? error.code : 'untyped'),
        );
        expect(['ABORTED', 'answered']).toContain(outcome);
        const next = await pool.fetch(fake.origin + GENERATE, generateInit(`next ${round}.${index}`));
        expect(next.status).toBe(200);
        expect(await next.text()).toContain(`next ${round}.${index}`);
      }
    }
    expect(pool.stats()).toMatchObject({ inFlight: 0 });
    expect(pool.stats().origins[fake.origin]!.httpVersion).toBe(version);
    await pool.close();
  });
});
