// responseParts scripts an agent's tool call: the real SDK sees a functionCall, unary and streamed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Agent } from 'undici';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { agentFor, genaiFor } from './clients.js';

describe('startFakeGemini responseParts', () => {
  let fake: FakeGemini;
  let agent: Agent;

  beforeAll(async () => {
    // Ask for the tool until the conversation carries its result, then answer in text.
    fake = await startFakeGemini({
      responseParts: (request) =>
        JSON.stringify(request.body).includes('functionResponse') ? undefined : [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }],
    });
    agent = agentFor(fake);
  });
  afterAll(async () => {
    await agent.close();
    await fake.close();
  });

  test('a unary call returns the scripted function call', async () => {
    const ai = genaiFor(fake.origin, agent);
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Weather in Paris?' });
    expect(response.functionCalls).toEqual([{ name: 'get_weather', args: { city: 'Paris' } }]);
    expect(response.usageMetadata?.totalTokenCount).toBeGreaterThan(0);
  });

  test('a streamed call carries the function call whole in one event', async () => {
    const ai = genaiFor(fake.origin, agent);
    const calls: unknown[] = [];
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Weather in Paris?' })) {
      calls.push(...(chunk.functionCalls ?? []));
    }
    expect(calls).toEqual([{ name: 'get_weather', args: { city: 'Paris' } }]);
  });

  test('once the tool result is in the conversation the answer is text again', async () => {
    const ai = genaiFor(fake.origin, agent);
    const response = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { forecast: 'sunny' } } }] },
      ],
    });
    expect(response.functionCalls).toBeUndefined();
    expect(response.text).toMatch(/^Echo: /);
  });

  test('a responseParts that is not a function is a ConfigError naming it', async () => {
    await expect(startFakeGemini({ responseParts: 'nope' as never })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'responseParts' });
  });
});
