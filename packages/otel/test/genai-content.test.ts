// Gemini bodies → GenAI semantic-convention messages: roles, tool calls and results, reasoning,
// streamed chunks (SSE and JSON array), finish reasons, and bodies that carry no messages.
import { describe, expect, it } from 'vitest';
import type { CallEndEvent } from '@gempool/core';
import { toGenAiContent } from '@gempool/otel';

function event(requestText: string | undefined, responseText: string | undefined, extra: Partial<CallEndEvent> = {}): CallEndEvent {
  return {
    callId: 1, operation: 'generate_content', method: 'generateContent', model: 'gemini-2.5-pro', apiVersion: 'v1beta', provider: 'gcp.gemini',
    origin: 'https://example.test', lane: 'standard', tenant: undefined, streaming: false, startTime: 0, outcome: 'success', status: 200,
    errorCode: undefined, errorType: undefined, durationMs: 1, attempts: 1, retryReasons: [], usage: undefined, finishReasons: undefined,
    coalesced: false, region: undefined, servedModel: 'gemini-2.5-pro', requestText, responseText, ...extra,
  };
}

describe('toGenAiContent', () => {
  it('maps a tool conversation: model turns to assistant, function results to the tool role', () => {
    const request = {
      contents: [
        { role: 'user', parts: [{ text: 'Weather?' }] },
        { role: 'model', parts: [{ functionCall: { id: 'c1', name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { id: 'c1', name: 'get_weather', response: { forecast: 'rain' } } }] },
      ],
    };
    expect(toGenAiContent(event(JSON.stringify(request), undefined)).inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather?' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: { forecast: 'rain' } }] },
    ]);
  });

  it('joins an SSE stream per candidate, keeps reasoning apart and maps MAX_TOKENS to length', () => {
    const chunks = [
      { candidates: [{ content: { role: 'model', parts: [{ text: 'thinking…', thought: true }] } }] },
      { candidates: [{ content: { role: 'model', parts: [{ text: 'Hello ' }] } }] },
      { candidates: [{ content: { role: 'model', parts: [{ text: 'world' }] }, finishReason: 'MAX_TOKENS' }] },
    ];
    const sse = chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`).join('');
    expect(toGenAiContent(event(undefined, sse)).outputMessages).toEqual([
      { role: 'assistant', parts: [{ type: 'reasoning', content: 'thinking…' }, { type: 'text', content: 'Hello world' }], finish_reason: 'length' },
    ]);
  });

  it('reads a JSON-array stream (Vertex without alt=sse) and maps SAFETY to content_filter', () => {
    const array = JSON.stringify([
      { candidates: [{ content: { parts: [{ text: 'Par' }] } }] },
      { candidates: [{ content: { parts: [{ text: 'tial' }] }, finishReason: 'SAFETY' }] },
    ]);
    expect(toGenAiContent(event(undefined, array)).outputMessages).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: 'Partial' }], finish_reason: 'content_filter' }]);
  });

  it('reads system instructions and embedding inputs; an error body or embeddings yield no output message', () => {
    const generate = toGenAiContent(event(JSON.stringify({ systemInstruction: { parts: [{ text: 'Be brief' }] }, contents: [{ parts: [{ text: 'Hi' }] }] }), undefined));
    expect(generate.systemInstructions).toEqual([{ type: 'text', content: 'Be brief' }]);
    expect(generate.inputMessages).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'Hi' }] }]);
    const embed = toGenAiContent(event(JSON.stringify({ content: { parts: [{ text: 'embed me' }] } }), JSON.stringify({ embedding: { values: [0.1, 0.2] } })));
    expect(embed.inputMessages).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'embed me' }] }]);
    expect(embed.outputMessages).toBeUndefined();
    const failed = toGenAiContent(event(undefined, JSON.stringify({ error: { code: 429, status: 'RESOURCE_EXHAUSTED' } }), { outcome: 'error', status: 429 }));
    expect(failed.outputMessages).toBeUndefined();
  });

  it('keeps a body cut at the cap (not JSON any more) as one raw text part', () => {
    const content = toGenAiContent(event('{"contents":[{"parts":[{"text":"cut her', '{"candidates":[{"content":{"parts":[{"text":"cut', { finishReasons: ['STOP'] }));
    expect(content.inputMessages).toEqual([{ role: 'user', parts: [{ type: 'text', content: '{"contents":[{"parts":[{"text":"cut her' }] }]);
    expect(content.outputMessages).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: '{"candidates":[{"content":{"parts":[{"text":"cut' }], finish_reason: 'stop' }]);
  });

  it('has nothing to say without content', () => {
    expect(toGenAiContent(event(undefined, undefined))).toEqual({ inputMessages: undefined, systemInstructions: undefined, outputMessages: undefined });
  });
});
