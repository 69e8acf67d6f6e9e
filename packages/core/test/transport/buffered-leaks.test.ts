// Leak tracking of bodies already in memory (coalesced, transport-buffered, batched), with the
// DEFAULT options (coalescing on): they hold no slot, but an unread one is reported like a pooled one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleGenAI } from '@google/genai';
import { createGeminiPool, isGempoolError, type GempoolEvents } from '@gempool/core';
import { createManualClock, startFakeGemini, type FakeGemini } from '@gempool/testing';
import { GENERATE, STREAM, generateInit } from './helpers.js';

describe('leak tracking of buffered bodies (default options)', () => {
  let fake: FakeGemini;
  beforeAll(async () => {
    fake = await startFakeGemini();
  });
  afterAll(() => fake.close());

  function defaultPool() {
    const clock = createManualClock();
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 1, clock });
    const events: string[] = [];
    const leaks: GempoolEvents['leak'][] = [];
    const late: GempoolEvents['returned-late'][] = [];
    pool.on('leak', (info) => (leaks.push(info), events.push(`leak ${info.callId}`)));
    pool.on('returned-late', (info) => late.push(info));
    pool.on('call-end', (info) => events.push(`end ${info.callId} ${info.errorCode ?? info.outcome}`));
    return { clock, pool, events, leaks, late };
  }

  it('an unread generateContent body is force-returned after leakTimeoutMs with the caller stack; a later read fails', async () => {
    const { clock, pool, events, leaks, late } = defaultPool();
    const abandoned = await pool.fetch(fake.origin + GENERATE, generateInit('never read')); // coalescing leader: buffered
    await clock.advanceAsync(29_000);
    expect(leaks).toHaveLength(0);
    await clock.advanceAsync(10_000);
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({ model: 'gemini-2.5-flash', method: 'generateContent', origin: fake.origin, forceReturned: true });
    expect(leaks[0]!.heldMs).toBeGreaterThanOrEqual(30_000);
    expect(leaks[0]!.stack).toContain('buffered-leaks.test.ts');
    expect(pool.stats().leaks).toEqual({ detected: 1, forceReturned: 1 });
    // The leak is reported while the call is open; the call then ends with the force-return.
    expect(events).toEqual([`leak ${leaks[0]!.callId}`, `end ${leaks[0]!.callId} LEASE_FORCE_RETURNED`]);
    const error = await abandoned.text().catch((e: unknown) => e);
    expect(isGempoolError(error, 'LEASE_FORCE_RETURNED')).toBe(true);
    expect(late).toHaveLength(1);
    await abandoned.text().catch(() => undefined);
    expect(late).toHaveLength(1);
    await pool.close();
  });

  it('coalesced followers are tracked each: only the callers that never read leak', async () => {
    const { clock, pool, leaks } = defaultPool();
    fake.resetStats();
    const responses = await Promise.all([1, 2, 3].map(() => pool.fetch(fake.origin + GENERATE, generateInit('shared, partly read'))));
    expect(fake.stats().requests.total).toBe(1);
    const read = (await responses[0]!.json()) as { candidates: unknown[] };
    expect(read.candidates).toHaveLength(1);
    await responses[1]!.body!.cancel();
    await clock.advanceAsync(40_000);
    expect(leaks).toHaveLength(1);
    expect(leaks[0]!.stack).toContain('buffered-leaks.test.ts');
    expect(pool.stats().leaks).toEqual({ detected: 1, forceReturned: 1 });
    await pool.close();
  });

  it('bodies read at once are never leaks, and call-end waits for the read', async () => {
    const { clock, pool, events, leaks } = defaultPool();
    const response = await pool.fetch(fake.origin + GENERATE, generateInit('read me'));
    expect(events.filter((event) => event.startsWith('end'))).toHaveLength(0);
    expect(await response.text()).toContain('Echo: read me');
    expect(events).toHaveLength(1);
    await clock.advanceAsync(60_000);
    expect(leaks).toHaveLength(0);
    await pool.close();
  });

  it('a streamed body: leak is emitted before the call ends', async () => {
    const slow = await startFakeGemini({ streamChunks: 3, streamIntervalMs: 5_000 });
    const clock = createManualClock();
    const pool = createGeminiPool({ origins: [slow.origin], tls: { ca: slow.ca! }, minConnections: 1, clock });
    const events: string[] = [];
    pool.on('leak', () => events.push('leak')).on('call-end', (info) => events.push(`end ${info.errorCode}`));
    await pool.fetch(slow.origin + STREAM, generateInit('stream never read'));
    await clock.advanceAsync(40_000);
    expect(events).toEqual(['leak', 'end LEASE_FORCE_RETURNED']);
    await pool.close({ timeoutMs: 0 });
    await slow.close();
  });

  it('the real @google/genai SDK reads its bodies: no false leaks, every call ends', async () => {
    const { clock, pool, leaks } = defaultPool();
    let ended = 0;
    pool.on('call-end', () => ended++);
    const ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { ...pool.httpOptions, baseUrl: fake.origin } });
    // Identical prompts are coalesced (buffered followers), distinct ones are leaders of their own.
    const prompts = Array.from({ length: 30 }, (_, i) => `question ${i % 10}`);
    const results = await Promise.all(prompts.map((contents) => ai.models.generateContent({ model: 'gemini-2.5-flash', contents })));
    expect(results.every((result) => result.text?.startsWith('Echo: question'))).toBe(true);
    const embedded = await ai.models.embedContent({ model: 'text-embedding-004', contents: 'embed me' });
    expect(embedded.embeddings?.length).toBe(1);
    await clock.advanceAsync(120_000);
    expect(leaks).toHaveLength(0);
    expect(pool.stats().leaks).toEqual({ detected: 0, forceReturned: 0 });
    expect(ended).toBe(31);
    await pool.close();
  });

  it('with leak detection off, buffered bodies are handed back as they are', async () => {
    const clock = createManualClock();
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 1, leakTimeoutMs: 0, clock });
    let ended = 0;
    pool.on('call-end', () => ended++);
    const response = await pool.fetch(fake.origin + GENERATE, generateInit('untracked'));
    expect(ended).toBe(1);
    await clock.advanceAsync(60_000);
    expect(await response.text()).toContain('Echo: untracked');
    expect(pool.stats().leaks).toEqual({ detected: 0, forceReturned: 0 });
    await pool.close();
  });
});
