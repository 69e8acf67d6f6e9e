// Shared set-up for the acceptance checks: what an outside user would write with the public API
// only (package names, documented options), against the TLS + HTTP/2 fake Gemini.
import { createGeminiPool, gempoolErrorCode, type GeminiPool, type GeminiPoolOptions, type LaneStats, type PoolStats } from '@gempool/core';
import { createGoogleGenAI } from '@gempool/genai';
import { startFakeGemini, createManualClock, type FakeGemini, type FakeGeminiOptions, type ManualClock } from '@gempool/testing';
import type { GoogleGenAI } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';

export const API_KEY = 'acceptance-key-1';

export interface Rig {
  fake: FakeGemini;
  pool: GeminiPool;
  ai: GoogleGenAI;
  clock: ManualClock;
}

const cleanups: Array<() => Promise<void>> = [];

/** Closes everything the helpers opened (call from afterEach). */
export async function closeAll(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
}

export async function startFake(options: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const fake = await startFakeGemini({ tls: true, ...options });
  cleanups.push(() => fake.close());
  return fake;
}

/** A pool trusting `cas`, on a manual clock unless one is given; closed by closeAll. */
export function makePool(cas: Array<string | undefined>, options: GeminiPoolOptions = {}): { pool: GeminiPool; clock: ManualClock } {
  const clock = (options.clock as ManualClock | undefined) ?? createManualClock(1_000_000);
  const ca = cas.filter((c): c is string => c !== undefined);
  const pool = createGeminiPool({ minConnections: 0, tls: { ca }, ...options, clock });
  cleanups.push(async () => {
    // close's drain timeout runs on the pool's clock: move a manual clock past it.
    const closing = pool.close({ timeoutMs: 100 });
    if ('advanceAsync' in clock) await clock.advanceAsync(200);
    await Promise.race([closing, new Promise<void>((resolve) => setTimeout(resolve, 1_000))]);
  });
  return { pool, clock };
}

export function makeAi(pool: GeminiPool, baseUrl: string, apiKey = API_KEY): GoogleGenAI {
  return createGoogleGenAI({ apiKey, pool, httpOptions: { baseUrl } });
}

/** Fake (TLS, HTTP/2) + pool + real @google/genai client pointed at it. */
export async function startRig(poolOptions: GeminiPoolOptions = {}, fakeOptions: FakeGeminiOptions = {}): Promise<Rig> {
  const fake = await startFake(fakeOptions);
  const { pool, clock } = makePool([fake.ca], { origins: [fake.origin], ...poolOptions });
  return { fake, pool, clock, ai: makeAi(pool, fake.origin) };
}

/** A Vertex client (project/location) that authenticates with a fixed bearer token, no network. */
export function makeVertexAi(pool: GeminiPool, location: string, baseUrl?: string): GoogleGenAI {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'acceptance-token', expiry_date: Date.now() + 3_600_000 });
  return createGoogleGenAI({
    vertexai: true,
    project: 'acceptance-project',
    location,
    pool,
    // The root google-auth-library and the SDK's own copy differ in version, hence the cast.
    googleAuthOptions: { authClient } as unknown as NonNullable<Parameters<typeof createGoogleGenAI>[0]['googleAuthOptions']>,
    ...(baseUrl === undefined ? {} : { httpOptions: { baseUrl } }),
  });
}

/** Settles a promise into { value } or { error, code } so tests can tally outcomes. */
export async function outcome<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown; code: string | undefined }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error, code: gempoolErrorCode(error) ?? (error as { code?: string }).code };
  }
}

/** Lets queued promise callbacks and socket I/O run, with no clock movement (a few real ms). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Waits (real time, bounded) until `check` is true; for socket round trips that must happen first. */
export async function until(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise<void>((resolve) => setTimeout(resolve, 2));
  }
}

/** Advances a manual clock in steps, letting I/O run between steps (backoff timers, windows). */
export async function advance(clock: ManualClock, ms: number, stepMs = 100): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    await clock.advanceAsync(Math.min(stepMs, ms - done));
    await settle(5);
  }
}

/** Upstream requests the fake saw for one model and method. */
export function upstream(fake: FakeGemini, model: string, method = 'generateContent'): number {
  const byModelMethod = fake.stats().requests.byModelMethod as Record<string, number | Record<string, number>>;
  const direct = byModelMethod[`${model}:${method}`];
  if (typeof direct === 'number') return direct;
  const nested = byModelMethod[model];
  if (typeof nested === 'object') return nested[method] ?? 0;
  return 0;
}

/**
 * Takes one connection slot with a streaming call whose body is left unread (a call holds its slot
 * until its body ends); the returned function cancels the body and frees the slot.
 */
export async function holdSlot(pool: GeminiPool, origin: string, model = 'gemini-2.5-flash'): Promise<() => Promise<void>> {
  const response = await pool.fetch(`${origin}/v1beta/models/${model}:streamGenerateContent?alt=sse`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': API_KEY },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: `hold ${Math.random()}` }] }] }),
  });
  return async () => {
    await response.body?.cancel();
  };
}

/** A generateContent body for pool.fetch. */
export function generateBody(text: string): string {
  return JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] });
}

/** Moves the manual clock in steps until `promise` settles (or `maxMs` of clock time passed). */
export async function drive<T>(clock: ManualClock, promise: Promise<T>, stepMs = 100, maxMs = 300_000): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => {});
  await settle(5);
  for (let moved = 0; !settled && moved < maxMs; moved += stepMs) {
    await clock.advanceAsync(stepMs);
    await settle(3);
    // Real sockets (connect, refused, TLS) finish on real time: give them a moment per step.
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
  return watched;
}

/**
 * pool.stats() with the sections the docs describe, as present (not optional) fields: `PoolStats`
 * types them as optional (absent when the feature is off); these tests configure them.
 */
export interface DocumentedStats extends Omit<PoolStats, 'lanes' | 'breakers' | 'coalesce' | 'batching' | 'regions' | 'pools' | 'autoscale' | 'sharedState'> {
  lanes: Record<string, LaneStats>;
  breakers: Array<{ endpoint: string; state: 'closed' | 'open' | 'half-open'; calls: number; failures: number; rejected: number }>;
  coalesce: { leaders: number; shared: number; inFlight: number };
  batching: { batches: number; batchedCalls: number; open: number };
  regions: Record<string, { healthy: boolean; active: boolean; reason: string; calls: number; errors: number; errorRate: number }>;
  pools: Record<string, { min: number; max: number; open: number; inFlight: number; queued: number }>;
  autoscale: { enabled: boolean; pools: Record<string, { max: number; floor: number; ceiling: number; scaledUp: number; scaledDown: number }> };
  sharedState: { mode: string; connected: boolean; fallbacks: number; reconnects: number };
}

export function stats(pool: GeminiPool): DocumentedStats {
  return pool.stats() as DocumentedStats;
}
