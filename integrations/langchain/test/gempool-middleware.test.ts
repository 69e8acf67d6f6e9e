// createAgent({ model, tools, middleware: [gempoolMiddleware({ pool })] }) with the real langchain 1.x
// agent against the fake Gemini server over TLS + HTTP/2.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, initChatModel, tool } from 'langchain';
import { z } from 'zod';
import { createGeminiPool, type GeminiPool } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { gempoolMiddleware, uninstallGlobalRoute } from '@gempool/langchain';
import { KEY, MODEL, MODEL_CASES } from './chat-models.fixture.js';

let fake: FakeGemini;
const pools: GeminiPool[] = [];
const prompts: string[] = [];

beforeAll(async () => {
  // Records the order in which the server answers, to observe priority ordering.
  fake = await startFakeGemini({ tls: true, requireApiKey: KEY, responseText: (request) => (prompts.push(request.prompt), `Echo: ${request.prompt.split(' ').slice(-3).join(' ')}`) });
});
afterEach(async () => {
  fake.setFaults([]);
  fake.resetStats();
  prompts.length = 0;
  for (const pool of pools) uninstallGlobalRoute(pool);
  await Promise.all(pools.splice(0).map((pool) => pool.close({ timeoutMs: 1_000 })));
});
afterAll(() => fake.close());

function newPool(options: Parameters<typeof createGeminiPool>[0] = {}): GeminiPool {
  return newPoolFor(fake.origin, { tls: { ca: fake.ca }, ...options });
}

function newPoolFor(origin: string, options: Parameters<typeof createGeminiPool>[0] = {}): GeminiPool {
  const pool = createGeminiPool({ origins: [origin], minConnections: 1, ...options });
  pools.push(pool);
  return pool;
}

const lookup = tool(async ({ city }: { city: string }) => `21°C in ${city}`, {
  name: 'get_weather',
  description: 'Current weather for a city',
  schema: z.object({ city: z.string() }),
});

describe.each(MODEL_CASES)('gempoolMiddleware with $name', ({ create }) => {
  it('runs a multi-turn agent conversation with tools through the pool, with the runtime context on every call', async () => {
    const pool = newPool();
    const starts: Array<{ lane: string; tenant: string | undefined }> = [];
    pool.on('call-start', (event) => starts.push({ lane: event.lane, tenant: event.tenant }));
    const agent = createAgent({ model: create(fake), tools: [lookup], middleware: [gempoolMiddleware({ pool })] });
    const context = { lane: 'critical', priority: 90, tenant: 'tenant-7' };

    let state = await agent.invoke({ messages: [{ role: 'user', content: 'weather in Paris' }] }, { context });
    state = await agent.invoke({ messages: [...state.messages, { role: 'user', content: 'and in Tokyo' }] }, { context });
    state = await agent.invoke({ messages: [...state.messages, { role: 'user', content: 'thanks a lot' }] }, { context });

    expect(state.messages.filter((message) => message.type === 'ai').map((message) => message.content)).toEqual(['Echo: weather in Paris', 'Echo: and in Tokyo', 'Echo: thanks a lot']);
    // Each turn sends the whole conversation and the tool declaration.
    expect(prompts.at(-1)).toContain('weather in Paris');
    expect(fake.stats().requests.total).toBe(3);
    expect(starts).toEqual(Array.from({ length: 3 }, () => ({ lane: 'critical', tenant: 'tenant-7' })));
  });
});

describe('gempoolMiddleware', () => {
  it('serves waiting calls by the priority in runtime.context', async () => {
    // One HTTP/2 connection of 100 streams, all held by slow calls: agent calls wait in the pool's
    // queue and leave it by priority when the streams free up. (Aborting 100 streams at once would
    // trip the server's rapid-reset guard, so the blockers end by answering.)
    const pool = newPool({ maxConnections: 1, coalesce: false, retry: { enabled: false } });
    const agent = createAgent({ model: MODEL_CASES[1]!.create(fake), tools: [], middleware: [gempoolMiddleware({ pool })] });
    fake.setFaults([{ kind: 'slow-headers', delayMs: 300, times: 100 }]);
    const blocked = Array.from({ length: 100 }, (_, i) =>
      pool.fetch(`${fake.origin}/v1beta/models/${MODEL}:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': KEY },
        body: JSON.stringify({ contents: [{ parts: [{ text: `blocker ${i}` }] }] }),
      }).then(async (response) => (await response.arrayBuffer(), response.status)),
    );
    await until(() => fake.stats().inFlight === 100);
    const low = agent.invoke({ messages: [{ role: 'user', content: 'low priority' }] }, { context: { priority: 1 } });
    await until(() => pool.stats().queued === 1);
    const high = agent.invoke({ messages: [{ role: 'user', content: 'high priority' }] }, { context: { priority: 500 } });
    await until(() => pool.stats().queued === 2);
    expect(new Set(await Promise.all(blocked))).toEqual(new Set([200]));
    await Promise.all([low, high]);
    expect(prompts.filter((prompt) => prompt.endsWith('priority'))).toEqual(['high priority', 'low priority']);
  });

  it('routes a "google-genai:…" model (initChatModel) and turns its retries off', async () => {
    const pool = newPool();
    fake.setFaults([{ kind: 'status', status: 429, retryDelay: '0.01s', times: Infinity }]);
    const model = await initChatModel(`google-genai:${MODEL}`, { apiKey: KEY, baseUrl: fake.origin });
    const agent = createAgent({ model, tools: [lookup], middleware: [gempoolMiddleware({ pool })] });
    await expect(agent.invoke({ messages: [{ role: 'user', content: 'limited' }] })).rejects.toThrow(/429/);
    // gempool's default 4 attempts, not multiplied by LangChain's 6 retries.
    expect(fake.stats().requests.total).toBe(4);
  });

  it('merges the context function over the runtime context, and rejects a mistyped field', async () => {
    const pool = newPool();
    const tenants: Array<string | undefined> = [];
    pool.on('call-start', (event) => tenants.push(event.tenant));
    const middleware = gempoolMiddleware({ pool, context: ({ runtimeContext }) => ({ tenant: `user-${(runtimeContext as { userId: string }).userId}` }) });
    const agent = createAgent({ model: MODEL_CASES[2]!.create(fake), tools: [], middleware: [middleware] });
    await agent.invoke({ messages: [{ role: 'user', content: 'who am I' }] }, { context: { userId: '42', tenant: 'ignored' } });
    expect(tenants).toEqual(['user-42']);
    await expect(agent.invoke({ messages: [{ role: 'user', content: 'bad' }] }, { context: { priority: 'high' } })).rejects.toThrow(/runtime\.context\.priority/);
    expect(() => gempoolMiddleware({ pool: undefined as never })).toThrow(/`pool`/);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
}
