// Issue 6: @gempool/otel — instrumentGempool spans and metrics, METRICS registry, cost, ledger,
// content redaction, startTelemetry validation and the legacy name mapping. In-memory OpenTelemetry
// SDK readers/exporters stand in for the real exporters' transport; the pool and fake are real.
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { ConfigError } from '@gempool/core';
import { createGoogleGenAI } from '@gempool/genai';
import { METRICS, instrumentGempool, legacyCloudMonitoringName, legacyCloudMonitoringLabel, resolveTelemetryConfig, startTelemetry, type LedgerRecord } from '@gempool/otel';
import { driveClock, startRig, type Rig } from './rig-6789.js';

class TestReader extends MetricReader {
  protected onForceFlush = async () => undefined;
  protected onShutdown = async () => undefined;
}

const SECRET_KEY = 'AIzaSECRET-acceptance-key-6';
const PROMPT = 'my confidential prompt about zebras';
let rig: Rig | undefined;
const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => void context.setGlobalContextManager(contextManager.enable()));
afterAll(() => context.disable());
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function instrumented(poolOptions = {}, fakeOptions = {}, extra: Parameters<typeof instrumentGempool>[1] = {}) {
  rig = await startRig(poolOptions, fakeOptions);
  const spans = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const handle = instrumentGempool(rig.pool, { meterProvider, tracerProvider, ...extra });
  const ai = createGoogleGenAI({ apiKey: SECRET_KEY, httpOptions: { baseUrl: rig.fake.origin }, pool: rig.pool });
  const collect = async (): Promise<ResourceMetrics> => (await reader.collect()).resourceMetrics;
  return { rig, ai, spans, collect, handle, tracerProvider };
}

interface Point {
  attributes: Record<string, unknown>;
  value: unknown;
}

function series(metrics: ResourceMetrics, name: string): Point[] {
  return metrics.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as Point[]);
}

const callSpans = (spans: ReadableSpan[]) => spans.filter((s) => s.name.startsWith('generate_content '));

describe('issue 6: traces', () => {
  it('one client span per call named `{operation} {model}` with gen_ai.* attributes and an attempt child span', async () => {
    const t = await instrumented();
    await t.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hello spans' });
    const [span] = callSpans(t.spans.getFinishedSpans());
    expect(span?.name).toBe('generate_content gemini-2.5-flash');
    expect(span?.attributes).toMatchObject({
      'gen_ai.operation.name': 'generate_content',
      'gen_ai.provider.name': 'gcp.gemini',
      'gen_ai.request.model': 'gemini-2.5-flash',
    });
    // Semconv examples are lower-case (`stop`); gempool writes Gemini's own value (`STOP`): accept both.
    expect(String(span?.attributes['gen_ai.response.finish_reasons']).toLowerCase()).toBe('stop');
    expect(span?.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(span?.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    const children = t.spans.getFinishedSpans().filter((s) => s.parentSpanContext?.spanId === span?.spanContext().spanId);
    expect(children.length).toBe(1);
  });

  it('the caller span is the parent (trace context propagates)', async () => {
    const t = await instrumented();
    const tracer = t.tracerProvider.getTracer('agent');
    await tracer.startActiveSpan('agent step', async (parent) => {
      await t.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'child of agent' });
      parent.end();
    });
    const all = t.spans.getFinishedSpans();
    const parent = all.find((s) => s.name === 'agent step');
    expect(callSpans(all)[0]?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
  });

  it('a 429 with RetryInfo: retry_scheduled event with delay and reason, two attempt spans, retries{reason} metric', async () => {
    const t = await instrumented({}, { faults: [{ kind: 'status', status: 429, retryDelay: '2s' }] });
    await driveClock(t.rig.clock, t.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'limited' }));
    const span = callSpans(t.spans.getFinishedSpans())[0]!;
    const scheduled = span.events.find((e) => e.name === 'gempool.retry_scheduled');
    expect(scheduled?.attributes).toMatchObject({ 'gempool.retry.delay_s': 2, 'gempool.retry.reason': 'retry-info' });
    expect(span.attributes['gempool.attempts']).toBe(2);
    const retries = series(await t.collect(), METRICS.retries.name);
    expect(retries.map((p) => [p.attributes['gempool.retry.reason'], p.value])).toEqual([['retry-info', 1]]);
  });

  it('a breaker rejection is a span event and a transition metric; error.type is set', async () => {
    const t = await instrumented(
      { retry: { enabled: false }, breaker: { minimumCalls: 2, errorThreshold: 0.5 } },
      { faults: [{ kind: 'status', status: 503, times: Infinity }] },
    );
    for (let i = 0; i < 4; i++) await t.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: `fail ${i}` }).catch(() => undefined);
    const spans = callSpans(t.spans.getFinishedSpans());
    expect(spans.some((s) => s.events.some((e) => e.name === 'gempool.breaker_rejected'))).toBe(true);
    expect(spans.every((s) => s.attributes['error.type'] !== undefined)).toBe(true);
    const transitions = series(await t.collect(), METRICS.breakerTransitions.name);
    expect(transitions.some((p) => p.attributes['gempool.breaker.state'] === 'open')).toBe(true);
  });

  async function leakRun() {
    // A stream still arriving (the fake pauses between events) whose body the caller never reads.
    const t = await instrumented({ leakTimeoutMs: 30_000 }, { streamChunks: 3, streamIntervalMs: 5_000 });
    const response = await t.rig.pool.fetch(`${t.rig.fake.origin}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': SECRET_KEY },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'never read' }] }] }),
    });
    expect(response.status).toBe(200);
    await t.rig.clock.advanceAsync(31_000);
    return t;
  }

  it('a leak: the acquirer stack is recorded in a span, leak counters count it', async () => {
    const t = await leakRun();
    const stacks = t.spans.getFinishedSpans().map((s) => s.attributes['gempool.leak.acquire_stack'] ?? s.events.find((e) => e.name === 'gempool.leak')?.attributes?.['gempool.leak.acquire_stack']);
    expect(stacks.some((stack) => String(stack).includes('issue-6.test.ts'))).toBe(true);
    const metrics = await t.collect();
    expect(series(metrics, METRICS.leaksDetected.name)[0]?.value).toBe(1);
    expect(series(metrics, METRICS.leaksForceReturned.name)[0]?.value).toBe(1);
  });

  // The issue asks for span events for leak force-return (with the acquirer stack) on the call.
  it('a leak force-return is an event on the call span (same trace), with the acquirer stack', async () => {
    const t = await leakRun();
    const call = t.spans.getFinishedSpans().find((s) => s.name === 'generate_content gemini-2.5-flash')!;
    const leak = call.events.find((e) => e.name === 'gempool.leak');
    expect(String(leak?.attributes?.['gempool.leak.acquire_stack'])).toContain('issue-6.test.ts');
  });

  it('coalesced calls: a span event and gempool.coalesced_calls', async () => {
    const t = await instrumented();
    await Promise.all([1, 2, 3].map(() => t.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'same prompt' })));
    expect(t.rig.fake.stats().requests.total).toBe(1);
    expect(callSpans(t.spans.getFinishedSpans()).filter((s) => s.events.some((e) => e.name === 'gempool.coalesced'))).toHaveLength(2);
    expect(series(await t.collect(), METRICS.coalescedCalls.name)[0]?.value).toBe(2);
  });
});

describe('issue 6: metrics and cost', () => {
  it('every emitted metric is in METRICS; operation duration (s), token usage by type, requests by outcome, cost in USD', async () => {
    const t = await instrumented();
    await t.ai.models.generateContent({ model: 'gemini-2.5-pro', contents: 'price me please' });
    const metrics = await t.collect();
    const registry = new Set<string>(Object.values(METRICS).map((m) => m.name));
    const emitted = metrics.scopeMetrics.flatMap((s) => s.metrics);
    expect(emitted.filter((m) => !registry.has(m.descriptor.name)).map((m) => m.descriptor.name)).toEqual([]);
    expect(emitted.find((m) => m.descriptor.name === 'gen_ai.client.operation.duration')?.descriptor.unit).toBe('s');
    const tokenTypes = series(metrics, 'gen_ai.client.token.usage').map((p) => p.attributes['gen_ai.token.type']);
    expect(tokenTypes.sort()).toEqual(['input', 'output']);
    expect(series(metrics, METRICS.requests.name)[0]?.attributes['gempool.outcome']).toBe('success');
    expect(series(metrics, METRICS.cost.name)[0]?.value).toBeGreaterThan(0);
    expect(callSpans(t.spans.getFinishedSpans())[0]?.attributes['gempool.cost_usd']).toBeGreaterThan(0);
  });

  it('prices are overridable in options', async () => {
    const t = await instrumented({}, {}, { prices: { 'gemini-2.5-flash': { inputPerMillion: 1_000_000, outputPerMillion: 0, cachedInputPerMillion: 0 } } });
    const response = await t.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'a custom price' });
    const cost = series(await t.collect(), METRICS.cost.name)[0]?.value;
    expect(cost).toBeCloseTo(response.usageMetadata!.promptTokenCount!, 6);
  });
});

describe('issue 6: content and secrets', () => {
  it('no API key, prompt or response text in spans, metrics or ledger unless recordContent', async () => {
    const records: LedgerRecord[] = [];
    const t = await instrumented({}, {}, { ledger: { sink: { name: 'memory', write: async (batch) => void records.push(...batch) } } });
    const response = await t.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: PROMPT });
    await t.handle.flush();
    const everything = JSON.stringify([t.spans.getFinishedSpans().map((s) => [s.attributes, s.events]), await t.collect(), records]);
    expect(records).toHaveLength(1);
    for (const secret of [SECRET_KEY, 'zebras', response.text!]) expect(everything).not.toContain(secret);
  });

  it('recordContent: true records prompt and response on the span and in the ledger, never the key', async () => {
    const records: LedgerRecord[] = [];
    const t = await instrumented({}, {}, { recordContent: true, ledger: { sink: { name: 'memory', write: async (batch) => void records.push(...batch) } } });
    await t.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: PROMPT });
    await t.handle.flush();
    const span = callSpans(t.spans.getFinishedSpans())[0]!;
    expect(String(span.attributes['gen_ai.input.messages'])).toContain('zebras');
    expect(String(span.attributes['gen_ai.output.messages'])).toContain('Echo:');
    expect(JSON.stringify(records)).toContain('zebras');
    expect(JSON.stringify([span.attributes, records])).not.toContain(SECRET_KEY);
  });
});

describe('issue 6: ledger', () => {
  it('ledger: { path } writes one NDJSON record per logical call with the documented fields', async () => {
    const path = join(tmpdir(), `gempool-ledger-6789-${process.pid}.ndjson`);
    const t = await instrumented({}, { faults: [{ kind: 'status', status: 429, retryDelay: '1s' }] }, { ledger: { path } });
    try {
      await driveClock(t.rig.clock, t.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'ledger me' }));
      await t.handle.shutdown();
      const lines = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ model: 'gemini-2.5-flash', attempts: 2, retry_reasons: ['retry-info'], coalesced: false });
      for (const field of ['time', 'lane', 'tenant', 'status', 'latency_ms', 'input_tokens', 'output_tokens', 'cost_usd', 'region']) expect(lines[0]).toHaveProperty(field);
    } finally {
      await rm(path, { force: true });
    }
  });

  it('a failing sink drops records with a warning and a counter, never failing the call', async () => {
    const warnings: string[] = [];
    const failing = { name: 'broken', write: async () => Promise.reject(new Error('sink down')) };
    const t = await instrumented({}, {}, { ledger: { sink: failing }, onWarning: (m) => warnings.push(m) });
    const response = await t.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'still works' });
    expect(response.text).toBe('Echo: still works');
    await t.handle.flush().catch(() => undefined);
    await t.handle.shutdown().catch(() => undefined);
    expect(warnings.length).toBeGreaterThan(0);
    expect(series(await t.collect(), METRICS.ledgerDropped.name)[0]?.value).toBeGreaterThan(0);
  });
});

describe('issue 6: startTelemetry and exporters', () => {
  it('export interval under 10 s for Google Cloud is a ConfigError', async () => {
    await expect(startTelemetry({ exporter: 'google-cloud', projectId: 'p', exportIntervalMs: 5_000 })).rejects.toThrow(ConfigError);
  });

  it('google-cloud is the default when a project is known; service.name and service.instance.id always set', () => {
    const config = resolveTelemetryConfig({ projectId: 'p', serviceName: 'svc' }, {});
    expect(config.exporter).toBe('google-cloud');
    expect(config.resourceAttributes['service.name']).toBe('svc');
    expect(config.resourceAttributes['service.instance.id']).toBeTruthy();
    expect(resolveTelemetryConfig({ exporter: 'none' }, {}).resourceAttributes['service.instance.id']).toBeTruthy();
  });

  it("startTelemetry({ exporter: 'none' }) starts and shuts down", async () => {
    const telemetry = await startTelemetry({ exporter: 'none', serviceName: 'acceptance' });
    expect(telemetry.exporter).toBe('none');
    await telemetry.shutdown();
  });

  it('the legacy exporter path maps names as documented (workload.googleapis.com, label dots to _)', () => {
    expect(legacyCloudMonitoringName(METRICS.operationDuration)).toBe('workload.googleapis.com/gen_ai.client.operation.duration');
    expect(legacyCloudMonitoringLabel('gen_ai.request.model')).toBe('gen_ai_request_model');
  });
});
