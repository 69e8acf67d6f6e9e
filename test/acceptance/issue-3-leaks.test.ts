// Issue 3 acceptance checks, point 3: a lease lasts until the body is read, cancelled or errored;
// an unread body is force-returned after leakTimeoutMs (manual clock) with a `leak` event carrying
// the caller's stack, later reads fail with LEASE_FORCE_RETURNED; readers of slow streams are never
// leaks; 1,000 abandoned responses never exhaust the pool; leak detection off captures no stacks.
import type { LeakInfo, ReturnedLateEvent } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { codeOf, MODEL, modelPath, poolFor, promptBody, rejectionOf, until } from './issue-2-3-helpers.js';

let fake: FakeGemini;
beforeAll(async () => {
  fake = await startFakeGemini({ tls: true, streamChunks: 4 });
});
afterAll(() => fake.close());

const post = (text: string): RequestInit => ({ method: 'POST', body: promptBody(text) });
const url = (method = 'generateContent', query = '') => `${fake.origin}${modelPath(MODEL, method)}${query}`;

describe('issue 3.3: leases end with the body', () => {
  it.each([
    ['read to the end', (res: Response) => res.text()],
    ['cancelled', (res: Response) => res.body!.cancel()],
  ])('a body %s gives the slot back', async (_how, finish) => {
    const { pool } = poolFor(fake, { minConnections: 1 });
    try {
      const res = await pool.fetch(url(), post('lease'));
      expect(pool.stats().inFlight).toBe(1);
      await finish(res);
      await until(() => pool.stats().inFlight === 0, 'the slot to come back');
    } finally {
      await pool.close();
    }
  });
});

describe('issue 3.3: leak detection', () => {
  it('an unread body is force-returned after leakTimeoutMs: leak event with stack, slot freed, later read fails', async () => {
    const { pool, clock } = poolFor(fake, { minConnections: 1 });
    const leaks: LeakInfo[] = [];
    const late: ReturnedLateEvent[] = [];
    pool.on('leak', (info) => leaks.push(info));
    pool.on('returned-late', (event) => late.push(event));
    try {
      const res = await pool.fetch(url(), post('never read'));
      await clock.advanceAsync(29_000);
      expect(leaks).toEqual([]);
      expect(pool.stats().inFlight).toBe(1);
      await clock.advanceAsync(2_000);
      expect(leaks).toHaveLength(1);
      expect(leaks[0]).toMatchObject({ origin: fake.origin, model: MODEL });
      expect(leaks[0]!.heldMs).toBeGreaterThanOrEqual(30_000);
      expect(leaks[0]!.stack).toContain('issue-3-leaks.test.ts');
      expect(pool.stats()).toMatchObject({ inFlight: 0, leaks: { detected: 1, forceReturned: 1 } });
      const error = await rejectionOf(res.text());
      expect(codeOf(error)).toBe('LEASE_FORCE_RETURNED');
      expect(late).toHaveLength(1);
    } finally {
      await pool.close();
    }
  });

  it('a streaming body read chunk by chunk over minutes is never a leak', async () => {
    const { pool, clock } = poolFor(fake, { minConnections: 1, leakTimeoutMs: 30_000 });
    const leaks: LeakInfo[] = [];
    pool.on('leak', (info) => leaks.push(info));
    try {
      const res = await pool.fetch(url('streamGenerateContent', '?alt=sse'), post('long stream'));
      const reader = res.body!.getReader();
      let text = '';
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        text += new TextDecoder().decode(r.value);
        await clock.advanceAsync(20_000);
      }
      expect(text).toContain('data: ');
      expect(leaks).toEqual([]);
    } finally {
      await pool.close();
    }
  });

  it('a reader waiting on a slow stream that keeps delivering data is never a leak', async () => {
    const slow = await startFakeGemini({ tls: true, streamChunks: 4, streamIntervalMs: 30 });
    const { pool, clock } = poolFor(slow, { minConnections: 1, leakTimeoutMs: 30_000 });
    const leaks: LeakInfo[] = [];
    pool.on('leak', (info) => leaks.push(info));
    try {
      const res = await pool.fetch(`${slow.origin}${modelPath(MODEL, 'streamGenerateContent')}?alt=sse`, post('slow stream'));
      const reader = res.body!.getReader();
      let events = 0;
      while (true) {
        const next = reader.read();
        await clock.advanceAsync(20_000); // 20 s of clock pass while the reader waits for the next event
        const r = await next;
        if (r.done) break;
        events += (new TextDecoder().decode(r.value).match(/^data: /gm) ?? []).length;
      }
      expect(events).toBe(4);
      expect(leaks).toEqual([]);
    } finally {
      await pool.close();
      await slow.close();
    }
  });

  it('1,000 abandoned responses over time never exhaust the pool', async () => {
    const { pool, clock } = poolFor(fake, { minConnections: 1, maxConnections: 2 });
    try {
      await pool.warmup();
      for (let round = 0; round < 10; round++) {
        const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => pool.fetch(url(), post(`abandoned ${round}.${i}`))));
        expect(responses.every((r) => r.status === 200)).toBe(true);
        await clock.advanceAsync(31_000);
      }
      expect(pool.stats()).toMatchObject({ inFlight: 0, queued: 0, leaks: { forceReturned: 1_000 } });
      const after = await pool.fetch(url(), post('still works'));
      expect((await after.json()).candidates[0].content.parts[0].text).toBe('Echo: still works');
      expect(pool.stats().connections.open).toBeLessThanOrEqual(2);
    } finally {
      await pool.close();
    }
  });

  it('100 abandoned responses over HTTP/1.1 never exhaust the pool', async () => {
    const plain = await startFakeGemini({ tls: false });
    const { pool, clock } = poolFor(plain, { minConnections: 1, maxConnections: 4 });
    try {
      for (let round = 0; round < 25; round++) {
        await Promise.all(Array.from({ length: 4 }, (_, i) => pool.fetch(`${plain.origin}${modelPath(MODEL, 'generateContent')}`, post(`h1 ${round}.${i}`))));
        await clock.advanceAsync(31_000);
      }
      expect(pool.stats()).toMatchObject({ inFlight: 0, leaks: { forceReturned: 100 } });
      const after = await pool.fetch(`${plain.origin}${modelPath(MODEL, 'generateContent')}`, post('h1 after'));
      expect(after.status).toBe(200);
      await after.text();
    } finally {
      await pool.close();
      await plain.close();
    }
  });

  it('leakTimeoutMs: 0 disables detection and captures no stacks', async () => {
    const { pool, clock } = poolFor(fake, { minConnections: 1, leakTimeoutMs: 0 });
    const leaks: LeakInfo[] = [];
    pool.on('leak', (info) => leaks.push(info));
    const capture = vi.spyOn(Error, 'captureStackTrace');
    try {
      await pool.warmup();
      capture.mockClear();
      const res = await pool.fetch(url(), post('no detection'));
      expect(capture).not.toHaveBeenCalled();
      await clock.advanceAsync(600_000);
      expect(leaks).toEqual([]);
      expect(pool.stats()).toMatchObject({ inFlight: 1, leaks: { detected: 0 } });
      expect((await res.json()).candidates[0].content.parts[0].text).toBe('Echo: no detection');
    } finally {
      capture.mockRestore();
      await pool.close();
    }
  });
});
