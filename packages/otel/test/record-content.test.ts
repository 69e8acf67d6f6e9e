// recordContent: true, end to end: @google/genai → createGeminiPool → the fake Gemini server, with
// spans exported over real OTLP/HTTP to a local receiver and the NDJSON ledger on. The prompt,
// system instruction, answer and tool calls arrive as GenAI semantic-convention messages on the
// call span and in the ledger; the API key never does (header or `?key=`).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleGenAI } from '@google/genai';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_GEN_AI_INPUT_MESSAGES, ATTR_GEN_AI_OUTPUT_MESSAGES, ATTR_GEN_AI_SYSTEM_INSTRUCTIONS } from '@opentelemetry/semantic-conventions/incubating';
import { DEFAULTS, createGeminiPool } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { SPAN_ATTRIBUTES, instrumentGempool, type LedgerRecord } from '@gempool/otel';
import { startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver.js';
import type { DecodedSpan } from './helpers/otlp-proto.js';

const API_KEY = 'AIzaSyCONTENT-SECRET-KEY-98765';
const MODEL = 'gemini-2.5-flash';
const SYSTEM = 'You are terse-3c1d.';
const PROMPT = 'recorded-prompt-5e2a: summarise the quarter';
const STREAM_PROMPT = 'recorded-stream-prompt-77b0';
const TOOL_PROMPT = 'recorded-tool-prompt: weather in Paris?';
const ANSWER = 'recorded answer 0c4f';

let fake: FakeGemini;
let receiver: OtlpReceiver;
let dir: string;
let ledger: LedgerRecord[] = [];
let ledgerText = '';

beforeAll(async () => {
  fake = await startFakeGemini({
    requireApiKey: API_KEY,
    responseText: () => ANSWER,
    responseParts: (request) => (request.prompt.includes('weather') ? [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] : undefined),
  });
  receiver = await startOtlpReceiver();
  dir = await mkdtemp(join(tmpdir(), 'gempool-content-'));
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${receiver.origin}/v1/traces` }) })] });
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${receiver.origin}/v1/metrics` }), exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 1, maxConnections: 4 });
  const ledgerPath = join(dir, 'ledger.ndjson');
  const instrumentation = instrumentGempool(pool, { tracerProvider, meterProvider, recordContent: true, ledger: { path: ledgerPath } });
  const ai = new GoogleGenAI({ apiKey: API_KEY, httpOptions: { ...pool.httpOptions, baseUrl: fake.origin } });

  await ai.models.generateContent({ model: MODEL, contents: PROMPT, config: { systemInstruction: SYSTEM } });
  for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: STREAM_PROMPT })) void chunk;
  await ai.models.generateContent({ model: MODEL, contents: TOOL_PROMPT });
  // The key in the query string instead of a header: still never recorded.
  const viaQuery = await pool.fetch(`${fake.origin}/v1beta/models/${MODEL}:generateContent?key=${API_KEY}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'query-key prompt' }] }] }),
  });
  expect(viaQuery.status).toBe(200);
  await viaQuery.text();
  // Larger than the cap: the cut body is not JSON any more, so it is kept as one raw text part.
  await ai.models.generateContent({ model: MODEL, contents: 'big '.repeat(DEFAULTS.maxContentBytes / 2) });

  await instrumentation.shutdown();
  await pool.close();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
  ledgerText = await readFile(ledgerPath, 'utf8');
  ledger = ledgerText.trim().split('\n').map((line) => JSON.parse(line) as LedgerRecord);
});

afterAll(async () => {
  await fake?.close();
  await receiver?.close();
  await rm(dir, { recursive: true, force: true });
});

const callSpans = () => receiver.spans.filter((span) => span.name === `generate_content ${MODEL}`);
const json = (span: DecodedSpan, key: string) => JSON.parse(String(span.attributes[key])) as unknown;
const spanWith = (text: string) => callSpans().find((span) => String(span.attributes[SPAN_ATTRIBUTES.inputMessages]).includes(text))!;
const recordWith = (text: string) => ledger.find((record) => record.prompt?.includes(text))!;

describe('recordContent: true', () => {
  it('uses the GenAI semantic-convention attribute names', () => {
    expect(SPAN_ATTRIBUTES.inputMessages).toBe(ATTR_GEN_AI_INPUT_MESSAGES);
    expect(SPAN_ATTRIBUTES.outputMessages).toBe(ATTR_GEN_AI_OUTPUT_MESSAGES);
    expect(SPAN_ATTRIBUTES.systemInstructions).toBe(ATTR_GEN_AI_SYSTEM_INSTRUCTIONS);
  });

  it('puts prompt, system instruction and answer on the call span', () => {
    expect(callSpans()).toHaveLength(5);
    const span = spanWith(PROMPT);
    expect(json(span, ATTR_GEN_AI_INPUT_MESSAGES)).toEqual([{ role: 'user', parts: [{ type: 'text', content: PROMPT }] }]);
    expect(json(span, ATTR_GEN_AI_SYSTEM_INSTRUCTIONS)).toEqual([{ type: 'text', content: SYSTEM }]);
    expect(json(span, ATTR_GEN_AI_OUTPUT_MESSAGES)).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: ANSWER }], finish_reason: 'stop' }]);
  });

  it('joins a streamed answer into one output message', () => {
    const span = spanWith(STREAM_PROMPT);
    expect(span.attributes['gempool.streaming']).toBe(true);
    expect(json(span, ATTR_GEN_AI_OUTPUT_MESSAGES)).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: ANSWER }], finish_reason: 'stop' }]);
  });

  it('records a function call as a tool_call part', () => {
    const span = spanWith(TOOL_PROMPT);
    expect(json(span, ATTR_GEN_AI_OUTPUT_MESSAGES)).toEqual([
      { role: 'assistant', parts: [{ type: 'tool_call', id: null, name: 'get_weather', arguments: { city: 'Paris' } }], finish_reason: 'tool_call' },
    ]);
  });

  it('keeps a body cut at the cap as one raw text part', () => {
    const span = spanWith('big big');
    const messages = json(span, ATTR_GEN_AI_INPUT_MESSAGES) as Array<{ parts: Array<{ type: string; content: string }> }>;
    expect(messages).toHaveLength(1);
    expect(messages[0]!.parts[0]!.type).toBe('text');
    expect(messages[0]!.parts[0]!.content.startsWith('{"contents":')).toBe(true);
    expect(Buffer.byteLength(messages[0]!.parts[0]!.content)).toBeLessThanOrEqual(DEFAULTS.maxContentBytes);
  });

  it('writes prompt and response to the ledger (system instruction first)', () => {
    expect(ledger).toHaveLength(5);
    const record = recordWith(PROMPT);
    expect(JSON.parse(record.prompt!)).toEqual([
      { role: 'system', parts: [{ type: 'text', content: SYSTEM }] },
      { role: 'user', parts: [{ type: 'text', content: PROMPT }] },
    ]);
    expect(JSON.parse(record.response!)[0].parts[0].content).toBe(ANSWER);
    expect(recordWith('query-key prompt').response).toContain(ANSWER);
  });

  it('never records the API key, from a header or the query string', () => {
    const everything = [...receiver.rawBodies.map((body) => body.toString('latin1')), JSON.stringify(receiver.spans), ledgerText].join('\n');
    expect(everything).toContain(PROMPT); // content is there, so the search below is meaningful
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain('key=');
  });

  it('keeps content off metrics', () => {
    const metrics = JSON.stringify(receiver.metricExports);
    expect(receiver.metricExports.length).toBeGreaterThan(0);
    for (const text of [PROMPT, SYSTEM, ANSWER, 'get_weather']) expect(metrics).not.toContain(text);
  });
});
