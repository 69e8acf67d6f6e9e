// Shared helpers for the acceptance checks: written from the issue texts and docs only, so they
// use nothing but the public API (packages imported by name) and real sockets to the fake server.
import { GoogleGenAI } from '@google/genai';
import { createGeminiPool, isGempoolError, type GeminiPool, type GeminiPoolOptions } from '@gempool/core';
import { createManualClock, type FakeGemini, type ManualClock } from '@gempool/testing';
import { Agent, fetch as undiciFetch, request } from 'undici';

export const MODEL = 'gemini-2.5-flash';

/** A Gemini request body with one user turn. */
export function promptBody(text: string): string {
  return JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] });
}

/** Google AI path for `model:method` (v1beta unless told). */
export function modelPath(model: string, method: string, version = 'v1beta'): string {
  return `/${version}/models/${model}:${method}`;
}

export interface PoolUnderTest {
  pool: GeminiPool;
  clock: ManualClock;
}

/** A pool over the fake (trusting its CA) on a manual clock; retries off unless the test asks. */
export function poolFor(fake: FakeGemini, options: GeminiPoolOptions = {}): PoolUnderTest {
  const clock = createManualClock(1_000_000);
  const pool = createGeminiPool({
    origins: [fake.origin],
    ...(fake.ca === undefined ? {} : { tls: { ca: fake.ca } }),
    retry: { enabled: false },
    coalesce: false,
    clock,
    ...options,
  });
  return { pool, clock };
}

/** The real GenAI SDK over the pool, the one-line way the pool docs show. */
export function genaiOver(pool: GeminiPool, fake: FakeGemini): GoogleGenAI {
  return new GoogleGenAI({ apiKey: 'test-key', httpOptions: { ...pool.httpOptions, baseUrl: fake.origin } });
}

/** Raw undici (no gempool) trusting the fake's CA, HTTP/2 allowed. */
export function rawClient(fake: FakeGemini): {
  agent: Agent;
  request: (path: string, init?: { method?: string; body?: string; signal?: AbortSignal }) => Promise<{ status: number; headers: Record<string, unknown>; text: string }>;
  fetch: (path: string, init?: { method?: string; body?: string; signal?: AbortSignal }) => Promise<globalThis.Response>;
} {
  const agent = new Agent({ allowH2: true, connect: { ca: fake.ca } });
  return {
    agent,
    async request(path, init = {}) {
      const res = await request(`${fake.origin}${path}`, {
        dispatcher: agent,
        method: (init.method ?? 'POST') as 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'test-key' },
        body: init.body,
        signal: init.signal,
      });
      return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
    },
    fetch: (path, init = {}) =>
      undiciFetch(`${fake.origin}${path}`, {
        dispatcher: agent,
        method: init.method ?? 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'test-key' },
        body: init.body,
        signal: init.signal,
      }) as unknown as Promise<globalThis.Response>,
  };
}

/** Resolves with the error a promise rejects with (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, got a value');
}

/** The GempoolError code of an error, also when an SDK wrapped it as `cause`. */
export function codeOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGempoolError(e)) return e.code;
  }
  return undefined;
}

/** Waits (real time, a few ms per turn, bounded) until `check` holds. */
export async function until(check: () => boolean, what: string, maxMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > maxMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Whether a promise has settled, without waiting for it. */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}
