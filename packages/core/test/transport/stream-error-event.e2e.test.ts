// A stream that ends with an error event: @google/genai throws on the event and releases its
// reader without cancelling the body. The pool must treat the event as the end of the call (slot
// back, call-end with the event's status) once the upstream has ended, without leak detection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, GoogleGenAI } from '@google/genai';
import { createGeminiPool, isGempoolError, type GempoolEvents } from '@gempool/core';
import { createManualClock, startFakeGemini, type FakeGemini } from '@gempool/testing';
import { STREAM, generateInit, until } from './helpers.js';

const MODEL = 'gemini-2.5-flash';
const POLICIES_OFF = { retry: { enabled: false }, coalesce: false, breaker: { enabled: false } } as const;

describe('a stream ending in an error event', () => {
  let fake: FakeGemini;
  beforeAll(async () => {
    fake = await startFakeGemini({ streamChunks: 4, faults: [{ kind: 'sse-error', afterChunks: 2, status: 503, times: Infinity }] });
  });
  afterAll(() => fake.close());

  function setup(http2: boolean) {
    const clock = createManualClock();
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 0, maxConnections: 2, http2, leakTimeoutMs: 30_000, clock, ...POLICIES_OFF });
    const events = { leaks: [] as GempoolEvents['leak'][], callEnds: [] as GempoolEvents['call-end'][], released: 0 };
    pool.on('leak', (event) => events.leaks.push(event));
    pool.on('call-end', (event) => events.callEnds.push(event));
    pool.on('lease-released', () => events.released++);
    const ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { ...pool.httpOptions, baseUrl: fake.origin } });
    return { clock, pool, events, ai };
  }

  it.each([
    { protocol: 'HTTP/2', http2: true },
    { protocol: 'HTTP/1.1', http2: false },
  ])('$protocol: the SDK throws, the slot comes back without a clock advance, and no leak fires later', async ({ http2 }) => {
    const { clock, pool, events, ai } = setup(http2);
    let text = '';
    const error = await (async () => {
      for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: 'tell me more' })) text += chunk.text ?? '';
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
    expect(text).not.toBe(''); // the events before the error reached the caller
    // HTTP/2 may deliver END_STREAM in a frame of its own, just after the event the SDK threw on:
    // the lease ends with the upstream (real time, microseconds on loopback), never by the clock.
    await until(() => events.released === 1, 1_000);
    expect(pool.stats()).toMatchObject({ inFlight: 0, connections: { busy: 0 }, leaks: { detected: 0, forceReturned: 0 } });
    expect(events.callEnds).toHaveLength(1);
    expect(events.callEnds[0]).toMatchObject({ outcome: 'error', status: 503, errorType: '503', streaming: true });
    await clock.advanceAsync(60_000);
    expect(events.leaks).toEqual([]);
    expect(pool.stats().leaks).toEqual({ detected: 0, forceReturned: 0 });
    // The connection is still good: the next call on it succeeds.
    fake.setFaults([]);
    try {
      expect((await ai.models.generateContent({ model: MODEL, contents: 'again' })).text).toMatch(/\S/);
    } finally {
      fake.setFaults([{ kind: 'sse-error', afterChunks: 2, status: 503, times: Infinity }]);
    }
    await pool.close();
  });

  it('unary calls are not streams: the same fault leaves them alone', async () => {
    const { pool, events, ai } = setup(true);
    expect((await ai.models.generateContent({ model: MODEL, contents: 'unary' })).text).toMatch(/\S/);
    expect(events.callEnds[0]).toMatchObject({ outcome: 'success', status: 200 });
    expect(pool.stats().inFlight).toBe(0);
    await pool.close();
  });

  it('a streamed JSON array (no alt=sse) ends the same way when its error element is read', async () => {
    const { pool, events } = setup(true);
    const response = await pool.fetch(fake.origin + STREAM.replace('?alt=sse', ''), generateInit());
    const reader = response.body!.getReader();
    let seen = '';
    while (!seen.includes('"error"')) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    reader.releaseLock(); // what an SDK does on the error: stop reading, no cancel
    await until(() => events.released === 1, 1_000);
    expect(pool.stats().inFlight).toBe(0);
    expect(events.callEnds[0]).toMatchObject({ outcome: 'error', status: 503 });
    await pool.close();
  });

  it('an error event the consumer has not read yet does not end the lease: leak detection still applies', async () => {
    const { clock, pool, events } = setup(true);
    const unread = await pool.fetch(fake.origin + STREAM, generateInit()); // never read
    await until(() => fake.stats().requests.total > 0, 1_000);
    await clock.advanceAsync(31_000);
    expect(events.leaks).toHaveLength(1);
    expect(pool.stats()).toMatchObject({ inFlight: 0, leaks: { detected: 1, forceReturned: 1 } });
    const error = await unread.text().catch((e: unknown) => e);
    expect(isGempoolError(error, 'LEASE_FORCE_RETURNED')).toBe(true);
    await pool.close();
  });
});
