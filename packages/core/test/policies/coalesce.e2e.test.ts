import { afterEach, describe, expect, it } from 'vitest';
import { runWithContext } from '@gempool/core';
import { prompt, startHarness, type PolicyHarness } from './e2e-helpers.js';

describe('coalescing through the real @google/genai SDK', () => {
  let h: PolicyHarness;
  afterEach(() => h?.close());

  it('serves 50 identical concurrent callers from 1 upstream call, each with its own full response', async () => {
    h = await startHarness({}, { latency: { fixedMs: 20 } });
    const ai = h.sdk();
    const results = await Promise.all(Array.from({ length: 50 }, () => ai.models.generateContent(prompt('same question'))));
    expect(h.fake.stats().requests.total).toBe(1);
    expect(new Set(results.map((r) => r.text))).toEqual(new Set([results[0]!.text]));
    expect(results[0]!.text).toContain('same question');
    expect(h.pool.stats().coalesce).toMatchObject({ leaders: 1, shared: 49 });
  });

  it('shares a result with a caller arriving within windowMs after it finished, not after', async () => {
    h = await startHarness();
    const ai = h.sdk();
    await ai.models.generateContent(prompt('again'));
    h.clock.advance(50);
    await ai.models.generateContent(prompt('again'));
    expect(h.fake.stats().requests.total).toBe(1);
    h.clock.advance(100);
    await ai.models.generateContent(prompt('again'));
    expect(h.fake.stats().requests.total).toBe(2);
  });

  it('never shares across API keys or tenants, and honours coalesce: false', async () => {
    h = await startHarness({}, { latency: { fixedMs: 20 } });
    await Promise.all([
      h.sdk('key-a').models.generateContent(prompt('q')),
      h.sdk('key-b').models.generateContent(prompt('q')),
      runWithContext({ tenant: 't1' }, () => h.sdk('key-a').models.generateContent(prompt('q'))),
      runWithContext({ coalesce: false }, () => h.sdk('key-a').models.generateContent(prompt('q'))),
      h.sdk('key-a').models.generateContent(prompt('q')), // shares with the first
    ]);
    expect(h.fake.stats().requests.total).toBe(4);
    expect(h.pool.stats().coalesce).toMatchObject({ shared: 1 });
  });

  it('keys on the canonical body: the same JSON shares whatever its key order or text/bytes form, other JSON does not', async () => {
    h = await startHarness({}, { latency: { fixedMs: 20 } });
    const url = `${h.fake.origin}/v1beta/models/gemini-2.5-flash:generateContent`;
    const send = (body: string | Uint8Array<ArrayBuffer>) => h.pool.fetch(url, { method: 'POST', headers: { 'x-goog-api-key': 'k', 'content-type': 'application/json' }, body }).then((r) => r.json());
    const text = '{"contents":[{"role":"user","parts":[{"text":"order"}]}]}';
    const reordered = '{"contents":[{"parts":[{"text":"order"}],"role":"user"}]}';
    const other = '{"contents":[{"role":"user","parts":[{"text":"ORDER"}]}]}';
    const bytes = new TextEncoder().encode(text);
    await Promise.all([send(text), send(text), send(reordered), send(bytes), send(new TextEncoder().encode(reordered)), send(other)]);
    // text, reordered and their bytes → 1 upstream call; `other` (same length, other value) → 1.
    expect(h.fake.stats().requests.total).toBe(2);
    expect(h.pool.stats().coalesce).toMatchObject({ shared: 4 });
  });

  it('finds a reordered copy among many same-length bodies in flight, and shares nothing else', async () => {
    h = await startHarness({}, { latency: { fixedMs: 20 } });
    const url = `${h.fake.origin}/v1beta/models/gemini-2.5-flash:generateContent`;
    const send = (body: string) => h.pool.fetch(url, { method: 'POST', headers: { 'x-goog-api-key': 'k', 'content-type': 'application/json' }, body }).then((r) => r.json());
    // Templated prompts: every body has the same length, so all share one shape.
    const bodies = Array.from({ length: 30 }, (_, i) => `{"contents":[{"role":"user","parts":[{"text":"task ${String(i).padStart(2, '0')}"}]}]}`);
    const reordered = '{"contents":[{"parts":[{"text":"task 17"}],"role":"user"}]}';
    await Promise.all([...bodies.map(send), send(reordered)]);
    expect(h.fake.stats().requests.total).toBe(30);
    expect(h.pool.stats().coalesce).toMatchObject({ shared: 1 });
  });

  it('does not coalesce streaming calls', async () => {
    h = await startHarness({}, { latency: { fixedMs: 20 } });
    const ai = h.sdk();
    const read = async () => {
      let text = '';
      for await (const chunk of await ai.models.generateContentStream(prompt('stream'))) text += chunk.text ?? '';
      return text;
    };
    const [a, b] = await Promise.all([read(), read()]);
    expect(a).toBe(b);
    expect(h.fake.stats().requests.total).toBe(2);
  });
});
