// Issue 8, @gempool/langchain half: gempoolMiddleware for createAgent, withGempool for direct use,
// and installGlobalDispatcher, with the real LangChain chat models against the TLS/HTTP/2 fake.
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent, tool } from 'langchain';
import { ChatGoogleGenerativeAI } from '@langchain/google-genai';
import { ChatGoogle } from '@langchain/google';
import { ChatVertexAI } from '@langchain/google-vertexai';
import { OAuth2Client } from 'google-auth-library';
import { z } from 'zod';
import { installGlobalDispatcher, systemClock, type CallInfo } from '@gempool/core';
import { gempoolMiddleware, uninstallGlobalRoute, withGempool } from '@gempool/langchain';
import { concurrently, driveClock, startRig, type Rig } from './rig-6789.js';

let rig: Rig | undefined;
afterEach(async () => {
  if (rig !== undefined) uninstallGlobalRoute(rig.pool);
  await rig?.close();
  rig = undefined;
});

type ModelKind = 'ChatGoogleGenerativeAI' | 'ChatGoogle' | 'ChatVertexAI';
const KINDS: ModelKind[] = ['ChatGoogleGenerativeAI', 'ChatGoogle', 'ChatVertexAI'];

function makeModel(kind: ModelKind, r: Rig, extra: Record<string, unknown> = {}) {
  const model = 'gemini-2.5-flash';
  if (kind === 'ChatGoogleGenerativeAI') return new ChatGoogleGenerativeAI({ model, apiKey: 'k', baseUrl: r.fake.origin, ...extra });
  if (kind === 'ChatGoogle') return new ChatGoogle({ model, apiKey: 'k', endpoint: r.fake.origin, ...extra });
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'vertex-token', expiry_date: Date.now() + 3_600_000 });
  return new ChatVertexAI({ model, location: 'us-central1', endpoint: r.fake.host + ':' + r.fake.port, authOptions: { authClient, projectId: 'p' }, ...extra });
}

function seen(r: Rig): CallInfo[] {
  const calls: CallInfo[] = [];
  r.pool.on('call-start', (call) => calls.push(call));
  return calls;
}

const textOf = (message: { content: unknown }) => (typeof message.content === 'string' ? message.content : JSON.stringify(message.content));

describe.each(KINDS)('issue 8: withGempool(%s, pool)', (kind) => {
  it('invoke and stream go through the pool', async () => {
    rig = await startRig();
    const calls = seen(rig);
    const model = withGempool(makeModel(kind, rig), rig.pool);
    expect(textOf(await model.invoke('hello langchain'))).toContain('Echo: hello langchain');
    let streamed = '';
    for await (const chunk of await model.stream('stream langchain')) streamed += textOf(chunk);
    expect(streamed).toContain('stream');
    expect(calls.map((c) => c.streaming)).toEqual([false, true]);
  });

  it('200 concurrent calls open no more connections than maxConnections', async () => {
    rig = await startRig({ maxConnections: 3 });
    const model = withGempool(makeModel(kind, rig), rig.pool);
    const answers = await concurrently(200, (i) => model.invoke(`distinct prompt ${i}`));
    expect(answers.every((a, i) => textOf(a).includes(`distinct prompt ${i}`))).toBe(true);
    expect(rig.fake.stats().connections.accepted).toBeLessThanOrEqual(3);
  });

  it('a 429 with RetryInfo is retried exactly once by gempool, not by the model', async () => {
    rig = await startRig({}, { faults: [{ kind: 'status', status: 429, retryDelay: '2s' }] });
    // maxRetries left at the model's default on purpose: the integration must switch it off.
    const model = withGempool(makeModel(kind, rig), rig.pool);
    const answer = await driveClock(rig.clock, model.invoke('limited'));
    expect(textOf(answer)).toContain('Echo: limited');
    expect(rig.fake.stats().requests.total).toBe(2);
  });
});

// An agent step: ask for the tool until the conversation holds its answer, then reply in text.
function toolScript(request: { body: unknown }) {
  if (JSON.stringify(request.body).includes('functionResponse')) return undefined;
  return [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }];
}

const getWeather = tool(async ({ city }: { city: string }) => `sunny in ${city}`, {
  name: 'get_weather',
  description: 'Weather for a city',
  schema: z.object({ city: z.string() }),
});

describe.each(KINDS)('issue 8: createAgent({ middleware: [gempoolMiddleware] }) with %s', (kind) => {
  it('runs a multi-step tool conversation through the pool; lane and tenant from runtime.context reach the transport', async () => {
    rig = await startRig({ lanes: { critical: { priority: 100 }, standard: { priority: 0 } } }, { responseParts: toolScript });
    const calls = seen(rig);
    const agent = createAgent({ model: makeModel(kind, rig), tools: [getWeather], middleware: [gempoolMiddleware({ pool: rig.pool })] });
    const result = await agent.invoke(
      { messages: [{ role: 'user', content: 'weather in Paris?' }] },
      { context: { priority: 100, lane: 'critical', tenant: 'user-7' } },
    );
    expect(result.messages.some((m) => m.getType() === 'tool' && textOf(m).includes('sunny in Paris'))).toBe(true);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.every((c) => c.lane === 'critical' && c.tenant === 'user-7')).toBe(true);
    const lanes = rig.pool.stats().lanes as Record<string, { admitted: number }>;
    expect(lanes.critical?.admitted).toBe(calls.length);
  });
});

describe('issue 8: gempoolMiddleware with a "google-genai:…" model string', () => {
  it('routes the model the string creates through the pool, deadline from runtime.context, no model-level retries', async () => {
    // Real clock: there is no network here, so the call must end by the 200 ms deadline itself.
    rig = await startRig({ connectTimeoutMs: 200, clock: systemClock });
    const calls = seen(rig);
    const codes: Array<string | undefined> = [];
    rig.pool.on('call-end', (call) => codes.push(call.errorCode));
    process.env.GOOGLE_API_KEY ??= 'k';
    const agent = createAgent({ model: 'google-genai:gemini-2.5-flash', tools: [], middleware: [gempoolMiddleware({ pool: rig.pool })] });
    const error = await agent.invoke({ messages: [{ role: 'user', content: 'hi' }] }, { context: { deadlineMs: 200 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    // DNS fails here: depending on timing the deadline ends the call or stops the retries.
    expect(String(error)).toMatch(/DEADLINE_EXCEEDED|RETRY_EXHAUSTED/);
    // One logical call: the model's own AsyncCaller retries are off while the pool retries.
    expect(calls.map((c) => `${c.origin} ${c.model}`)).toEqual(['https://generativelanguage.googleapis.com gemini-2.5-flash']);
    expect(codes).toHaveLength(1);
  });
});

describe('issue 8: installGlobalDispatcher(pool, { origins })', () => {
  it('routes only Gemini/configured origins through the pool, leaves others on the previous dispatcher, and uninstall() restores', async () => {
    rig = await startRig();
    const other = await startRig();
    try {
      const calls = seen(rig);
      const route = installGlobalDispatcher(rig.pool, { origins: [rig.fake.origin] });
      const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'global route' }] }] });
      const init = { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' }, body };
      const routed = await fetch(`${rig.fake.origin}/v1beta/models/gemini-2.5-flash:generateContent`, init);
      expect(routed.status).toBe(200);
      await routed.text();
      expect(calls).toHaveLength(1);
      // Another origin is not the pool's: it stays on the previous dispatcher (which does not trust
      // the fake CA, so a TLS failure there proves the pool was not used).
      await expect(fetch(`${other.fake.origin}/v1beta/models/gemini-2.5-flash:generateContent`, init)).rejects.toThrow();
      expect(calls).toHaveLength(1);
      route.uninstall();
      await expect(fetch(`${rig.fake.origin}/v1beta/models/gemini-2.5-flash:generateContent`, init)).rejects.toThrow();
      expect(calls).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});
