// A LangChain agent with a tool, for real: the fake Gemini server answers with a functionCall for
// `get_weather` until the conversation carries its functionResponse, then with a text built from
// that result. For each Google chat model, through gempoolMiddleware: the tool runs with the
// scripted arguments, the agent finishes with the answer, every request goes through the pool, and
// runtime.context picks the lane and orders waiting calls by priority.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, tool } from 'langchain';
import { z } from 'zod';
import { createGeminiPool, type GeminiPool } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { gempoolMiddleware, uninstallGlobalRoute } from '@gempool/langchain';
import { KEY, MODEL, MODEL_CASES } from './chat-models.fixture.js';

let fake: FakeGemini;
const pools: GeminiPool[] = [];
/** The user text of each generate request, in the order the server received them. */
const served: string[] = [];

beforeAll(async () => {
  fake = await startFakeGemini({
    requireApiKey: KEY,
    responseParts: (request) => {
      served.push(firstUserText(request.body));
      return functionResponseOf(request.body) === undefined ? [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] : undefined;
    },
    responseText: (request) => `Final answer from the tool: ${JSON.stringify(functionResponseOf(request.body))}`,
  });
});
afterEach(async () => {
  fake.setFaults([]);
  fake.resetStats();
  served.length = 0;
  for (const pool of pools) uninstallGlobalRoute(pool);
  await Promise.all(pools.splice(0).map((pool) => pool.close({ timeoutMs: 1_000 })));
});
afterAll(() => fake.close());

function newPool(options: Parameters<typeof createGeminiPool>[0] = {}): GeminiPool {
  const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 1, ...options });
  pools.push(pool);
  return pool;
}

function weatherTool(calls: Array<{ city: string }>) {
  return tool(
    async (args: { city: string }) => {
      calls.push(args);
      return `21°C in ${args.city}`;
    },
    { name: 'get_weather', description: 'Current weather for a city', schema: z.object({ city: z.string() }) },
  );
}

describe.each(MODEL_CASES)('an agent with a tool through gempoolMiddleware, $name', ({ create }) => {
  it('calls the tool with the scripted arguments and finishes with an answer built from its result', async () => {
    const pool = newPool();
    const starts: Array<{ lane: string; tenant: string | undefined }> = [];
    pool.on('call-start', (event) => starts.push({ lane: event.lane, tenant: event.tenant }));
    const calls: Array<{ city: string }> = [];
    const agent = createAgent({ model: create(fake), tools: [weatherTool(calls)], middleware: [gempoolMiddleware({ pool })] });

    const state = await agent.invoke({ messages: [{ role: 'user', content: 'What is the weather in Paris?' }] }, { context: { lane: 'critical', priority: 90, tenant: 'tenant-7' } });

    expect(calls).toEqual([{ city: 'Paris' }]);
    const types = state.messages.map((message) => message.type);
    expect(types).toEqual(['human', 'ai', 'tool', 'ai']);
    const [, toolCall, toolResult, answer] = state.messages;
    expect((toolCall as { tool_calls?: Array<{ name: string; args: unknown }> }).tool_calls?.map(({ name, args }) => ({ name, args }))).toEqual([{ name: 'get_weather', args: { city: 'Paris' } }]);
    expect(toolResult!.content).toBe('21°C in Paris');
    expect(answer!.text).toMatch(/^Final answer from the tool: .*21°C in Paris/);
    // Both model calls went through the pool, in the context's lane.
    expect(fake.stats().requests.total).toBe(2);
    expect(starts).toEqual([
      { lane: 'critical', tenant: 'tenant-7' },
      { lane: 'critical', tenant: 'tenant-7' },
    ]);
    const lanes = pool.stats().lanes as Record<string, { admitted: number }>;
    expect(lanes.critical!.admitted).toBe(2);
    expect(lanes.standard!.admitted).toBe(0);
  });

  it('lets the higher runtime.context priority leave the lane queue first', async () => {
    // One HTTP/1.1 connection: one slot. A hung call holds it while both agents queue; aborting it
    // frees the slot, and the waiting calls are then served by priority.
    const pool = newPool({ http2: false, maxConnections: 1, coalesce: false, retry: { enabled: false } });
    const model = create(fake);
    const agent = createAgent({ model, tools: [weatherTool([])], middleware: [gempoolMiddleware({ pool })] });
    fake.setFaults([{ kind: 'hang', times: 1 }]);
    const blocker = new AbortController();
    const blocked = pool
      .fetch(`${fake.origin}/v1beta/models/${MODEL}:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': KEY },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'blocker' }] }] }),
        signal: blocker.signal,
      })
      .catch((error: unknown) => error);
    await until(() => fake.stats().inFlight === 1);
    const low = agent.invoke({ messages: [{ role: 'user', content: 'low priority weather' }] }, { context: { priority: 1 } });
    await until(() => pool.stats().queued === 1);
    const high = agent.invoke({ messages: [{ role: 'user', content: 'high priority weather' }] }, { context: { priority: 500 } });
    await until(() => pool.stats().queued === 2);
    blocker.abort();
    expect(await blocked).toMatchObject({ code: 'ABORTED' });
    const [lowState, highState] = await Promise.all([low, high]);

    // The hung blocker never reached the answer script; the first call served after it is the high one.
    expect(served[0]).toBe('high priority weather');
    expect(served.filter((text) => text === 'low priority weather')).toHaveLength(2);
    expect(served.filter((text) => text === 'high priority weather')).toHaveLength(2);
    for (const state of [lowState, highState]) expect(state.messages.map((message) => message.type)).toEqual(['human', 'ai', 'tool', 'ai']);
  });
});

function firstUserText(body: unknown): string {
  const contents = (body as { contents?: Array<{ parts?: Array<{ text?: string }> }> }).contents ?? [];
  return contents[0]?.parts?.find((part) => typeof part.text === 'string')?.text ?? '';
}

function functionResponseOf(body: unknown): unknown {
  const contents = (body as { contents?: Array<{ parts?: Array<{ functionResponse?: { response?: unknown } }> }> }).contents ?? [];
  for (const content of contents) for (const part of content.parts ?? []) if (part.functionResponse !== undefined) return part.functionResponse.response;
  return undefined;
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2_500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
}
