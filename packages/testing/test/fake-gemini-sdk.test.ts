// The fake server through the real @google/genai SDK, over TLS (HTTP/2) and plain HTTP/1.1.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Agent } from 'undici';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { agentFor, genaiFor, vertexGenaiFor } from './clients.js';

describe.each([{ tls: true }, { tls: false }])('@google/genai against startFakeGemini (tls: $tls)', ({ tls }) => {
  let fake: FakeGemini;
  let agent: Agent;

  beforeAll(async () => {
    fake = await startFakeGemini({ tls });
    agent = agentFor(fake);
  });
  afterAll(async () => {
    await agent.close();
    await fake.close();
  });

  test('generateContent echoes the prompt with usage metadata', async () => {
    const ai = genaiFor(fake.origin, agent);
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Why is the sky blue on clear days' });
    expect(response.text).toBe('Echo: Why is the sky blue on clear days');
    expect(response.candidates?.[0]?.finishReason).toBe('STOP');
    expect(response.usageMetadata?.promptTokenCount).toBe(Math.ceil('Why is the sky blue on clear days'.length / 4));
    expect(response.usageMetadata?.totalTokenCount).toBe((response.usageMetadata?.promptTokenCount ?? 0) + (response.usageMetadata?.candidatesTokenCount ?? 0));
    expect(response.modelVersion).toBe('gemini-2.5-flash');
    expect(response.responseId).toMatch(/^[\w-]{22}$/);
    expect(fake.stats().httpVersions).toEqual(tls ? { '2': expect.any(Number) } : { '1.1': expect.any(Number) });
  });

  test('generateContentStream yields several chunks that add up to the answer', async () => {
    const ai = genaiFor(fake.origin, agent);
    const texts: string[] = [];
    let last: { finish?: string; total?: number } = {};
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-pro', contents: 'Tell me about streaming responses please' })) {
      texts.push(chunk.text ?? '');
      last = { finish: chunk.candidates?.[0]?.finishReason, total: chunk.usageMetadata?.totalTokenCount };
    }
    expect(texts.length).toBe(3);
    expect(texts.join('')).toBe('Echo: Tell me about streaming responses please');
    expect(last.finish).toBe('STOP');
    expect(last.total).toBeGreaterThan(0);
  });

  test('countTokens counts about four characters per token', async () => {
    const ai = genaiFor(fake.origin, agent);
    const response = await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'x'.repeat(40) });
    expect(response.totalTokens).toBe(10);
  });

  test('embedContent returns one deterministic vector per text (the SDK calls batchEmbedContents)', async () => {
    const ai = genaiFor(fake.origin, agent);
    const first = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: ['alpha', 'beta'], config: { outputDimensionality: 16 } });
    const again = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: ['alpha'], config: { outputDimensionality: 16 } });
    expect(first.embeddings).toHaveLength(2);
    expect(first.embeddings?.[0]?.values).toHaveLength(16);
    expect(again.embeddings?.[0]?.values).toEqual(first.embeddings?.[0]?.values);
    expect(first.embeddings?.[1]?.values).not.toEqual(first.embeddings?.[0]?.values);
    expect(fake.stats().requests.byModelMethod['gemini-embedding-001:batchEmbedContents']).toBe(2);
  });

  test('errors reach the SDK as ApiError with the google.rpc.Status body', async () => {
    const ai = genaiFor(fake.origin, agent);
    fake.setFaults([{ kind: 'status', status: 429, quota: 'per-day', model: 'gemini-2.5-flash' }]);
    const error = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'ApiError', status: 429 });
    expect(String((error as Error).message)).toContain('GenerateRequestsPerDayPerProjectPerModel-FreeTier');
  });

  test('an error event inside the SSE stream surfaces as ApiError mid-iteration', async () => {
    const ai = genaiFor(fake.origin, agent);
    fake.setFaults([{ kind: 'sse-error', status: 503 }]);
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'one two three four' })) seen.push(chunk.text ?? '');
    })().catch((caught: unknown) => caught);
    expect(seen).toHaveLength(1);
    expect(error).toMatchObject({ name: 'ApiError', status: 503 });
  });
});

describe('@google/genai on Vertex paths', () => {
  let fake: FakeGemini;
  let agent: Agent;

  beforeAll(async () => {
    fake = await startFakeGemini();
    agent = agentFor(fake);
  });
  afterAll(async () => {
    await agent.close();
    await fake.close();
  });

  test('generate, stream, countTokens and embed (predict) all hit /projects/P/locations/L/publishers/google/models/M', async () => {
    const ai = vertexGenaiFor(fake.origin, agent);
    const generated = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'vertex hello' });
    expect(generated.text).toBe('Echo: vertex hello');
    const chunks: string[] = [];
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'vertex stream' })) chunks.push(chunk.text ?? '');
    expect(chunks.join('')).toBe('Echo: vertex stream');
    expect((await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'abcdefgh' })).totalTokens).toBe(2);
    const embedded = await ai.models.embedContent({ model: 'text-embedding-005', contents: ['one', 'two'], config: { outputDimensionality: 8 } });
    expect(embedded.embeddings?.map((embedding) => embedding.values?.length)).toEqual([8, 8]);
    expect(fake.stats().requests.byMethod).toMatchObject({ generateContent: 1, streamGenerateContent: 1, countTokens: 1, predict: 1 });
  });

  test('requireApiKey accepts the Bearer token and refuses a wrong key', async () => {
    const strict = await startFakeGemini({ requireApiKey: 'fake-token' });
    const strictAgent = agentFor(strict);
    try {
      const ok = await vertexGenaiFor(strict.origin, strictAgent).models.generateContent({ model: 'gemini-2.5-flash', contents: 'authorized' });
      expect(ok.text).toBe('Echo: authorized');
      const refused = await genaiFor(strict.origin, strictAgent).models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' }).catch((caught: unknown) => caught);
      expect(refused).toMatchObject({ status: 400 });
    } finally {
      await strictAgent.close();
      await strict.close();
    }
  });
});
