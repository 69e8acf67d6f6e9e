// Issue 4, points 4 (coalescing) and 5 (embedding batching), real @google/genai over TLS/HTTP/2.
import { afterEach, describe, expect, it } from 'vitest';
import { runWithContext } from '@gempool/core';
import { closeAll, drive, generateBody, makeAi, settle, startRig, upstream, API_KEY, type Rig , stats } from './qa-rig.js';

afterEach(closeAll);

const MODEL = 'gemini-2.5-flash';
const same = (rig: Rig, ai = rig.ai) => ai.models.generateContent({ model: MODEL, contents: 'the same question' });

describe('issue 4.4: coalescing', () => {
  it('50 identical concurrent callers produce 1 upstream call; each gets the full answer', async () => {
    const rig = await startRig({}, { faults: [{ kind: 'latency', addMs: 30, times: Infinity }] });
    const answers = await Promise.all(Array.from({ length: 50 }, () => same(rig)));
    expect(answers.every((a) => a.text === 'Echo: the same question')).toBe(true);
    expect(upstream(rig.fake, MODEL)).toBe(1);
    expect(stats(rig.pool).coalesce.shared).toBe(49);
    await rig.clock.advanceAsync(200);
    await settle();
    expect(stats(rig.pool).coalesce.inFlight).toBe(0);
  });

  it('each caller gets its own Response object, readable on its own', async () => {
    const rig = await startRig({}, { faults: [{ kind: 'latency', addMs: 30, times: Infinity }] });
    const url = `${rig.fake.origin}/v1beta/models/${MODEL}:generateContent`;
    const init = () => ({ method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': API_KEY }, body: generateBody('shared') });
    const responses = await Promise.all([rig.pool.fetch(url, init()), rig.pool.fetch(url, init()), rig.pool.fetch(url, init())]);
    expect(new Set(responses).size).toBe(3);
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ candidates: unknown[] }>));
    expect(bodies.every((b) => b.candidates.length === 1)).toBe(true);
    expect(upstream(rig.fake, MODEL)).toBe(1);
  });

  // "identical … calls (same credential, URL, canonical request body)": another key order shares.
  it('JSON key order does not matter (canonical body)', async () => {
    const rig = await startRig({}, { faults: [{ kind: 'latency', addMs: 30, times: Infinity }] });
    const url = `${rig.fake.origin}/v1beta/models/${MODEL}:generateContent`;
    const headers = { 'content-type': 'application/json', 'x-goog-api-key': API_KEY };
    const a = '{"contents":[{"role":"user","parts":[{"text":"k"}]}],"generationConfig":{"temperature":0,"topK":1}}';
    const b = '{"generationConfig":{"topK":1,"temperature":0},"contents":[{"parts":[{"text":"k"}],"role":"user"}]}';
    const responses = await Promise.all([rig.pool.fetch(url, { method: 'POST', headers, body: a }), rig.pool.fetch(url, { method: 'POST', headers, body: b })]);
    await Promise.all(responses.map((r) => r.text()));
    expect(upstream(rig.fake, MODEL)).toBe(1);
  });

  it('shares a call that arrives within windowMs (100 ms) after the first, not after', async () => {
    const rig = await startRig();
    await same(rig);
    await rig.clock.advanceAsync(60);
    await same(rig);
    expect(upstream(rig.fake, MODEL)).toBe(1);
    await rig.clock.advanceAsync(200);
    await same(rig);
    expect(upstream(rig.fake, MODEL)).toBe(2);
  });

  it('never shares across API keys', async () => {
    const rig = await startRig({}, { faults: [{ kind: 'latency', addMs: 30, times: Infinity }] });
    const other = makeAi(rig.pool, rig.fake.origin, 'another-key-2');
    await Promise.all([same(rig), same(rig, other), same(rig), same(rig, other)]);
    expect(upstream(rig.fake, MODEL)).toBe(2);
  });

  it('never shares across tenants', async () => {
    const rig = await startRig({}, { faults: [{ kind: 'latency', addMs: 30, times: Infinity }] });
    await Promise.all(['a', 'b', 'a', 'b'].map((tenant) => runWithContext({ tenant }, () => same(rig))));
    expect(upstream(rig.fake, MODEL)).toBe(2);
  });

  it('context coalesce: false opts a call out', async () => {
    const rig = await startRig({}, { faults: [{ kind: 'latency', addMs: 30, times: Infinity }] });
    await Promise.all(Array.from({ length: 4 }, () => runWithContext({ coalesce: false }, () => same(rig))));
    expect(upstream(rig.fake, MODEL)).toBe(4);
  });

  it('identical concurrent streams each receive the complete stream from its start', async () => {
    const rig = await startRig({}, { streamChunks: 4 });
    const read = async () => {
      const parts: string[] = [];
      for await (const chunk of await rig.ai.models.generateContentStream({ model: MODEL, contents: 'one two three four five' })) parts.push(chunk.text ?? '');
      return parts;
    };
    const [a, b, c] = await Promise.all([read(), read(), read()]);
    expect(a!.length).toBe(4);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });
});

describe('issue 4.5: embedding batching', () => {
  const EMBED = 'gemini-embedding-001';
  const embed = (rig: Rig, text: string) => rig.ai.models.embedContent({ model: EMBED, contents: text });
  const texts = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];

  it('concurrent embedContent calls go out as one batchEmbedContents; each caller gets its own result', async () => {
    const alone = await startRig({ batching: false, coalesce: false });
    const expected = [];
    for (const text of texts) expected.push((await embed(alone, text)).embeddings?.[0]?.values);
    const rig = await startRig({ batching: { windowMs: 10 } });
    const results = await drive(rig.clock, Promise.all(texts.map((text) => embed(rig, text))), 5);
    expect(results.map((r) => r.embeddings?.[0]?.values)).toEqual(expected);
    expect(results.every((r) => r.embeddings?.length === 1)).toBe(true);
    expect(upstream(rig.fake, EMBED, 'batchEmbedContents')).toBe(1);
    await settle();
    expect(stats(rig.pool).batching).toMatchObject({ batches: 1, batchedCalls: 5 });
  });

  it('maxBatchSize bounds each batch', async () => {
    const rig = await startRig({ batching: { windowMs: 10, maxBatchSize: 2 } });
    const results = await drive(rig.clock, Promise.all(texts.map((text) => embed(rig, text))), 5);
    expect(results).toHaveLength(5);
    expect(upstream(rig.fake, EMBED, 'batchEmbedContents')).toBe(3);
  });
});
