// Shared setup for the policy end-to-end tests: a fake Gemini server on port 0, a pool with a
// manual clock, the real @google/genai SDK pointed at it, and a driver that moves the manual
// clock while real I/O happens.
import { GoogleGenAI } from '@google/genai';
import { createGeminiPool, type GeminiPool, type GeminiPoolOptions, type GempoolEventName, type GempoolEvents } from '@gempool/core';
import { createManualClock, startFakeGemini, type FakeGemini, type FakeGeminiOptions, type ManualClock } from '@gempool/testing';

export interface PolicyHarness {
  fake: FakeGemini;
  pool: GeminiPool;
  clock: ManualClock;
  sdk(apiKey?: string): GoogleGenAI;
  events<K extends GempoolEventName>(name: K): GempoolEvents[K][];
  close(): Promise<void>;
}

export async function startHarness(options: GeminiPoolOptions = {}, fakeOptions: FakeGeminiOptions = {}): Promise<PolicyHarness> {
  const fake = await startFakeGemini(fakeOptions);
  const clock = createManualClock(1_000_000);
  const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca }, minConnections: 0, maxConnections: 4, clock, ...options });
  const seen = new Map<string, unknown[]>();
  return {
    fake,
    pool,
    clock,
    sdk: (apiKey = 'test-key-1') => new GoogleGenAI({ apiKey, httpOptions: { ...pool.httpOptions, baseUrl: fake.origin } }),
    events(name) {
      let list = seen.get(name);
      if (list === undefined) {
        list = [];
        seen.set(name, list);
        const target = list;
        pool.on(name, (event) => target.push(event));
      }
      return list as never;
    },
    async close() {
      await pool.close({ timeoutMs: 1000 });
      await fake.close();
    },
  };
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Settles `promise`, advancing the manual clock by `stepMs` between short real pauses for I/O. */
export function drive<T>(clock: ManualClock, promise: Promise<T>, stepMs = 250, maxSteps = 2000): Promise<T> {
  return clock.drive(promise, { stepMs, maxSteps });
}

/** Waits (real time, briefly) until `condition` holds. */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time');
    await realSleep(2);
  }
}

export const prompt = (text: string) => ({ model: 'gemini-2.5-flash', contents: text });
