// Shared set-up for the acceptance checks of issues 6–9 (helpers.ts belongs to another QA pass in
// this folder): a TLS/HTTP/2 fake Gemini, a pool that trusts it and runs on a manual clock, and a
// way to drive that clock until a call settles (backoff, RetryInfo) without real waiting.
import { createGeminiPool, type GeminiPool, type GeminiPoolOptions } from '@gempool/core';
import { createManualClock, startFakeGemini, type FakeGemini, type FakeGeminiOptions, type ManualClock } from '@gempool/testing';

export interface Rig {
  fake: FakeGemini;
  pool: GeminiPool;
  clock: ManualClock;
  close(): Promise<void>;
}

export async function startRig(poolOptions: GeminiPoolOptions = {}, fakeOptions: FakeGeminiOptions = {}): Promise<Rig> {
  const fake = await startFakeGemini({ tls: true, ...fakeOptions });
  const clock = createManualClock(1_000_000);
  const pool = createGeminiPool({
    origins: [fake.origin],
    tls: { ca: fake.ca },
    minConnections: 1,
    maxConnections: 4,
    clock,
    ...poolOptions,
  });
  return {
    fake,
    pool,
    clock,
    async close() {
      await pool.close({ timeoutMs: 1_000 }).catch(() => undefined);
      await fake.close();
    },
  };
}

/**
 * Moves the manual clock in `stepMs` steps until `promise` settles, so retry backoff and RetryInfo
 * delays pass without real waiting. Gives real I/O a moment between steps.
 */
export function driveClock<T>(clock: ManualClock, promise: Promise<T>, stepMs = 250, maxSteps = 800): Promise<T> {
  return clock.drive(promise, { stepMs, maxSteps });
}

/** `count` concurrent copies of `call(i)`. */
export function concurrently<T>(count: number, call: (index: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, index) => call(index)));
}
