// End to end with the real pool: @google/genai → createGeminiPool → the fake Gemini server (TLS,
// HTTP/2), instrumented through startTelemetry('otlp') to a local OTLP receiver, with the NDJSON
// ledger on. Checks the caller span becomes the parent, retries and coalescing show up, and (with
// recordContent off, the default) no API key, prompt or response text appears in any exported
// payload, warning, ledger record or core event.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleGenAI } from '@google/genai';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { createGeminiPool, type GeminiPool } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { ATTEMPT_SPAN_NAME, METRICS, SPAN_ATTRIBUTES, SPAN_EVENTS, instrumentGempool, startTelemetry, type LedgerRecord } from '@gempool/otel';
import { startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver.js';

const API_KEY = 'AIzaSyTEST-SECRET-KEY-0123456789';
const PROMPT = 'confidential-prompt-7f3a about quarterly numbers';
const ANSWER = 'confidential-answer-91bc';
const MODEL = 'gemini-2.5-flash';

let fake: FakeGemini;
let receiver: OtlpReceiver;
let pool: GeminiPool;
let dir: string;
let ledgerText = '';
const warnings: string[] = [];
let parentSpanId = '';
const eventContent: unknown[] = [];

beforeAll(async () => {
  fake = await startFakeGemini({ requireApiKey: API_KEY, responseText: () => ANSWER });
  receiver = await startOtlpReceiver();
  dir = await mkdtemp(join(tmpdir(), 'gempool-otel-'));
  const telemetry = await startTelemetry({ exporter: 'otlp', otlpEndpoint: receiver.origin, serviceName: 'e2e', exportIntervalMs: 3_600_000 });
  pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 1, maxConnections: 4 });
  const ledgerPath = join(dir, 'ledger.ndjson');
  const instrumentation = instrumentGempool(pool, { ledger: { path: ledgerPath }, onWarning: (m) => warnings.push(m) });
  // recordContent is off (the default): core must not even capture the bodies.
  pool.on('call-end', (e) => eventContent.push(e.requestText, e.responseText));
  const ai = new GoogleGenAI({ apiKey: API_KEY, httpOptions: { ...pool.httpOptions, baseUrl: fake.origin } });
  const generate = (text = PROMPT) => ai.models.generateContent({ model: MODEL, contents: text });

  // A caller span around an SDK call (what a LangChain agent step looks like) must parent the call span.
  const tracer = trace.getTracer('agent');
  await tracer.startActiveSpan('agent step', async (span) => {
    parentSpanId = span.spanContext().spanId;
    await generate();
    span.end();
  });
  // A 429 with RetryInfo: the pool waits the server's delay, then succeeds.
  fake.setFaults([{ model: MODEL, method: 'generateContent', kind: 'status', status: 429, retryDelay: '0.02s', times: 1 }]);
  await generate(`${PROMPT} (retried)`); // a different prompt, or coalescing would serve it from the first call
  fake.setFaults([]);
  // Two identical concurrent calls: one upstream request, two logical calls.
  await Promise.all([generate('same prompt'), generate('same prompt')]);

  await instrumentation.shutdown();
  await pool.close();
  await telemetry.shutdown();
  trace.disable();
  metrics.disable();
  context.disable();
  propagation.disable();
  ledgerText = await readFile(ledgerPath, 'utf8');
});

afterAll(async () => {
  await fake?.close();
  await receiver?.close();
  await rm(dir, { recursive: true, force: true });
});

const callSpans = () => receiver.spans.filter((s) => s.name === `generate_content ${MODEL}`);

describe('real pool, real SDK, real OTLP exporters', () => {
  it('exports one client span per logical call, parented on the caller span', () => {
    expect(callSpans()).toHaveLength(4);
    const first = callSpans().find((s) => s.parentSpanId === parentSpanId);
    expect(first).toBeDefined();
    expect(first!.attributes).toMatchObject({ 'gen_ai.provider.name': 'gcp.gemini', 'gen_ai.request.model': MODEL, 'gempool.attempts': 1 });
    expect(receiver.spans.filter((s) => s.name === ATTEMPT_SPAN_NAME).length).toBeGreaterThanOrEqual(4);
  });

  it('shows the 429 retry with its RetryInfo delay on the span and in the metrics', () => {
    const retried = callSpans().find((s) => s.attributes['gempool.attempts'] === 2)!;
    const event = retried.events.find((e) => e.name === SPAN_EVENTS.retryScheduled)!;
    expect(event.attributes['gempool.retry.reason']).toBe('retry-info');
    expect(event.attributes['gempool.retry.delay_s']).toBeCloseTo(0.02, 3);
    const retries = receiver.metricExports.at(-1)!.find((m) => m.name === METRICS.retries.name)!;
    expect(retries.points.map((p) => [p.attributes['gempool.retry.reason'], p.value])).toEqual([['retry-info', 1]]);
  });

  it('records usage and cost from usageMetadata', () => {
    const first = callSpans().find((s) => s.parentSpanId === parentSpanId)!;
    expect(first.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(first.attributes['gempool.cost_usd']).toBeGreaterThan(0);
  });

  it('writes one ledger record per logical call', () => {
    const records = ledgerText.trim().split('\n').map((l) => JSON.parse(l) as LedgerRecord);
    expect(records).toHaveLength(4);
    expect(records.map((r) => r.attempts).sort()).toEqual([1, 1, 1, 2]);
    const follower = records.find((r) => r.coalesced)!;
    expect(records.filter((r) => r.coalesced)).toHaveLength(1);
    // A follower made no upstream call: no tokens or cost of its own, so cost is not double counted.
    expect(follower.cost_usd).toBeNull();
    expect(records.find((r) => r.attempts === 2)!.retry_reasons).toEqual(['retry-info']);
  });

  it('never exports the API key, the prompt or the response text', () => {
    const everything = [
      ...receiver.rawBodies.map((b) => b.toString('latin1')),
      JSON.stringify(receiver.spans),
      JSON.stringify(receiver.metricExports),
      JSON.stringify(receiver.headers),
      ledgerText,
      ...warnings,
    ].join('\n');
    expect(receiver.rawBodies.length).toBeGreaterThan(1);
    for (const secret of [API_KEY, 'confidential-prompt-7f3a', ANSWER, 'same prompt']) expect(everything).not.toContain(secret);
  });

  it('records no content attribute, ledger content or event content without recordContent', () => {
    for (const span of receiver.spans) {
      for (const key of [SPAN_ATTRIBUTES.inputMessages, SPAN_ATTRIBUTES.outputMessages, SPAN_ATTRIBUTES.systemInstructions]) expect(span.attributes[key]).toBeUndefined();
    }
    const records = ledgerText.trim().split('\n').map((l) => JSON.parse(l) as LedgerRecord);
    expect(records.every((r) => r.prompt === null && r.response === null)).toBe(true);
    expect(eventContent).toHaveLength(8);
    expect(eventContent.every((text) => text === undefined)).toBe(true);
  });
});
