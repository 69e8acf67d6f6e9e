// pool.trackContent(): call-start / call-end carry the request and response body text, capped, and
// never a header (so never the API key). Off by default.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiPool, type CallEndEvent, type CallInfo, type GeminiPool } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';

const API_KEY = 'AIzaSyTRACK-CONTENT-SECRET';
const GENERATE = '/v1beta/models/gemini-2.5-flash:generateContent';
const STREAM = '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse';
const ANSWER = 'the scripted answer';

let fake: FakeGemini;
beforeAll(async () => {
  fake = await startFakeGemini({ requireApiKey: API_KEY, responseText: () => ANSWER });
});
afterAll(() => fake.close());

function init(text: string): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': API_KEY },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] }),
  };
}

async function run(setup: (pool: GeminiPool) => void, path: string, prompt: string): Promise<{ start: CallInfo; end: CallEndEvent }> {
  const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 1, maxConnections: 2 });
  setup(pool);
  const starts: CallInfo[] = [];
  const ends: CallEndEvent[] = [];
  pool.on('call-start', (event) => starts.push(event)).on('call-end', (event) => ends.push(event));
  try {
    const response = await pool.fetch(fake.origin + path, init(prompt));
    expect(response.status).toBe(200);
    await response.text();
  } finally {
    await pool.close();
  }
  expect(starts).toHaveLength(1);
  expect(ends).toHaveLength(1);
  return { start: starts[0]!, end: ends[0]! };
}

describe('pool.trackContent()', () => {
  it('is off by default: events carry no prompt or response text', async () => {
    const { start, end } = await run((pool) => pool.trackUsage(), GENERATE, 'private prompt one');
    expect(start.requestText).toBeUndefined();
    expect(end.requestText).toBeUndefined();
    expect(end.responseText).toBeUndefined();
    expect(JSON.stringify([start, end])).not.toMatch(/private prompt one|scripted answer/);
  });

  it('puts the request body on call-start and call-end and the response body on call-end', async () => {
    const { start, end } = await run((pool) => pool.trackContent(), GENERATE, 'private prompt two');
    expect(JSON.parse(start.requestText!)).toEqual({ contents: [{ role: 'user', parts: [{ text: 'private prompt two' }] }] });
    expect(end.requestText).toBe(start.requestText);
    expect(JSON.parse(end.responseText!).candidates[0].content.parts[0].text).toBe(ANSWER);
    // Usage is parsed from the same bytes even without trackUsage().
    expect(end.usage?.totalTokens).toBeGreaterThan(0);
  });

  it('keeps a streamed (SSE) response as the caller read it', async () => {
    const { end } = await run((pool) => pool.trackContent(), STREAM, 'private prompt three');
    expect(end.streaming).toBe(true);
    expect(end.responseText).toMatch(/^data: /);
    const events = end.responseText!.split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6)));
    expect(events.length).toBeGreaterThan(1);
    expect(events.map((event) => event.candidates[0].content.parts[0].text).join('')).toBe(ANSWER);
  });

  it('caps both texts at maxBytes', async () => {
    const { start, end } = await run((pool) => pool.trackContent({ maxBytes: 40 }), GENERATE, 'x'.repeat(500));
    expect(Buffer.byteLength(start.requestText!)).toBeLessThanOrEqual(40);
    expect(start.requestText).toBe(init('x'.repeat(500)).body!.toString().slice(0, 40));
    expect(Buffer.byteLength(end.responseText!)).toBeLessThanOrEqual(40);
  });

  it('never carries a header, so never the API key', async () => {
    const { start, end } = await run((pool) => pool.trackContent(), GENERATE, 'private prompt four');
    expect(JSON.stringify([start, end])).not.toContain(API_KEY);
  });

  it('rejects a bad maxBytes with a ConfigError naming it', async () => {
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 0 });
    try {
      for (const bad of [0, -1, 1.5, '64k']) {
        expect(() => pool.trackContent({ maxBytes: bad as never })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'trackContent.maxBytes' }));
      }
    } finally {
      await pool.close();
    }
  });
});
