// A scripted pool run (successes, a 429 with RetryInfo, a breaker trip, a leak, coalesced calls)
// exported through the real OTLP/HTTP protobuf exporters to a local receiver: the series and spans
// that arrive are exactly the expected ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTEMPT_SPAN_NAME, METRIC_LIST, METRICS, SPAN_EVENTS, instrumentGempool } from '@gempool/otel';
import { startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver.js';
import { ScriptedPool, usage } from './helpers/scripted-pool.js';
import type { DecodedMetric } from './helpers/otlp-proto.js';

const FLASH = 'gemini-2.5-flash';
const PRO = 'gemini-2.5-pro';
const ENDPOINT = `${PRO}|global|v1beta`;

let receiver: OtlpReceiver;
let metrics: DecodedMetric[];
let spans: OtlpReceiver['spans'];
let parentSpanId: string;
let parentTraceId: string;
let usageTracked = false;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const resource = resourceFromAttributes({ 'service.name': 'scripted', 'service.instance.id': 'test-1' });
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${receiver.origin}/v1/metrics` }),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${receiver.origin}/v1/traces` }) })],
  });
  const pool = new ScriptedPool();
  const instrumentation = instrumentGempool(pool, { meterProvider, tracerProvider });
  usageTracked = pool.usageTracked;
  pool.snapshot = { connections: { open: 4, idle: 3, busy: 1 }, queued: 2, inFlight: 1, utilization: 0.25, lanes: { standard: { queued: 2 }, critical: 0 } };

  pool.emit('connection-created', { origin: 'https://generativelanguage.googleapis.com', connectionId: 1, pool: 'default', httpVersion: '2', createMs: 35, tls: true, warm: true });
  pool.emit('connection-created', { origin: 'https://generativelanguage.googleapis.com', connectionId: 2, pool: 'default', httpVersion: '2', createMs: 40, tls: true, warm: false });

  // Three successes, the first inside a caller span (an agent step) that must become the parent.
  const parent = tracerProvider.getTracer('agent').startSpan('agent step');
  parentSpanId = parent.spanContext().spanId;
  parentTraceId = parent.spanContext().traceId;
  for (let i = 0; i < 3; i++) {
    const run = () => {
      const call = pool.start(FLASH);
      pool.emit('queue-wait', { callId: call.callId, lane: 'standard', waitMs: 4, result: 'admitted' });
      pool.emit('lease-acquired', { callId: call.callId, origin: call.origin, pool: 'default', waitMs: 2 });
      pool.attempt(call, 1, 200);
      pool.emit('lease-released', { callId: call.callId, origin: call.origin, pool: 'default', waitMs: 2, useMs: 110 });
      pool.end(call, { usage: usage(1_000_000, 100_000), finishReasons: ['STOP'] });
    };
    if (i === 0) context.with(trace.setSpan(context.active(), parent), run);
    else run();
  }
  parent.end();

  // A 429 with RetryInfo, retried after the server's delay, then success.
  const retried = pool.start(PRO, { lane: 'critical', tenant: 'tenant-42' });
  pool.attempt(retried, 1, 429);
  pool.emit('retry-scheduled', { callId: retried.callId, model: PRO, attempt: 1, delayMs: 1_500, reason: 'retry-info', status: 429 });
  pool.attempt(retried, 2, 200);
  pool.end(retried, { attempts: 2, retryReasons: ['retry-info'], usage: usage(2_000, 1_000, 1_000), lane: 'critical' });

  // The breaker trips on errors; the next call is rejected without an attempt.
  pool.emit('breaker-state', { endpoint: ENDPOINT, model: PRO, region: 'global', apiVersion: 'v1beta', from: 'closed', to: 'open', reason: 'errors' });
  const rejected = pool.start(PRO);
  pool.emit('breaker-rejected', { callId: rejected.callId, endpoint: ENDPOINT, model: PRO, fallbackModel: undefined });
  pool.end(rejected, { status: undefined, errorCode: 'BREAKER_OPEN', errorType: 'BREAKER_OPEN', attempts: 0, outcome: 'error' });

  // A response whose body is never read: the call ends at headers, the lease leaks later.
  const leaky = pool.start(FLASH);
  pool.attempt(leaky, 1, 200);
  pool.end(leaky);
  pool.emit('leak', { leaseId: 9, callId: leaky.callId, origin: leaky.origin, model: FLASH, method: 'generateContent', heldMs: 30_000, stack: 'Error: acquired\n    at agentStep (agent.ts:12:5)', forceReturned: true });

  // Two identical calls: the second is served by the first.
  const leader = pool.start(FLASH);
  const follower = pool.start(FLASH);
  pool.emit('coalesced', { callId: follower.callId, leaderCallId: leader.callId, model: FLASH });
  pool.attempt(leader, 1, 200);
  pool.end(leader, { usage: usage(10, 5) });
  pool.end(follower, { coalesced: true, usage: usage(10, 5) });

  await tracerProvider.forceFlush();
  await meterProvider.forceFlush();
  metrics = receiver.metricExports.at(-1)!;
  spans = receiver.spans;
  await instrumentation.shutdown();
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  contextManager.disable();
});

afterAll(async () => receiver.close());

const metric = (name: string) => {
  const found = metrics.find((m) => m.name === name);
  if (found === undefined) throw new Error(`metric ${name} not exported; got ${metrics.map((m) => m.name).join(', ')}`);
  return found;
};
const series = (name: string) => metric(name).points.map((p) => ({ ...p.attributes, value: p.value }));

describe('scripted run over real OTLP exporters', () => {
  it('asks the pool to track usage', () => {
    expect(usageTracked).toBe(true);
  });

  it('exports only registry metrics, each point with registry attributes only', () => {
    const registry = new Map(METRIC_LIST.map((m) => [m.name, m]));
    for (const m of metrics) {
      const definition = registry.get(m.name);
      expect(definition, m.name).toBeDefined();
      expect(m.unit).toBe(definition!.unit);
      for (const point of m.points) {
        for (const key of Object.keys(point.attributes)) expect(definition!.attributes, `${m.name} ${key}`).toContain(key);
      }
    }
    expect(metrics.map((m) => m.name).sort()).toEqual(
      [
        METRICS.operationDuration, METRICS.tokenUsage, METRICS.requests, METRICS.cost, METRICS.connectionCount,
        METRICS.connectionCreateTime, METRICS.connectionWaitTime, METRICS.connectionUseTime, METRICS.pendingRequests,
        METRICS.inFlight, METRICS.utilization, METRICS.connectionsCreated, METRICS.leaksDetected, METRICS.leaksForceReturned,
        METRICS.breakerState, METRICS.breakerTransitions, METRICS.breakerRejections, METRICS.retries, METRICS.coalescedCalls,
        METRICS.laneQueueDepth, METRICS.laneWaitTime,
      ].map((m) => m.name).sort(),
    );
  });

  it('counts requests by outcome and error type', () => {
    const base = { 'gen_ai.operation.name': 'generate_content', 'gen_ai.provider.name': 'gcp.gemini' };
    expect(series(METRICS.requests.name)).toEqual(
      expect.arrayContaining([
        { ...base, 'gen_ai.request.model': FLASH, 'gempool.lane': 'standard', 'gempool.outcome': 'success', value: 6 },
        { ...base, 'gen_ai.request.model': PRO, 'gempool.lane': 'critical', 'gempool.outcome': 'success', value: 1 },
        { ...base, 'gen_ai.request.model': PRO, 'gempool.lane': 'standard', 'gempool.outcome': 'error', 'error.type': 'BREAKER_OPEN', value: 1 },
      ]),
    );
    expect(metric(METRICS.requests.name).points).toHaveLength(3);
    expect(metric(METRICS.requests.name).monotonic).toBe(true);
  });

  it('records GenAI duration and token usage histograms with the registry buckets', () => {
    const duration = metric(METRICS.operationDuration.name);
    expect(duration.type).toBe('histogram');
    expect(duration.points.reduce((n, p) => n + p.value, 0)).toBe(8);
    expect(duration.points[0]!.bounds).toEqual([...METRICS.operationDuration.buckets]);
    const tokens = metric(METRICS.tokenUsage.name);
    const flashInput = tokens.points.find((p) => p.attributes['gen_ai.request.model'] === FLASH && p.attributes['gen_ai.token.type'] === 'input')!;
    expect(flashInput.value).toBe(5); // 3 successes + leader + follower
    expect(flashInput.sum).toBe(3_000_020);
  });

  it('adds cost in USD by model from the price table', () => {
    const cost = Object.fromEntries(metric(METRICS.cost.name).points.map((p) => [p.attributes['gen_ai.request.model'], p.value]));
    // flash: 3 × (1M in × $0.30 + 100k out × $2.50) + 2 × tiny; pro: 1k in × $1.25 + 1k cached × $0.125 + 1k out × $10.
    expect(cost[FLASH]).toBeCloseTo(3 * (0.3 + 0.25) + 2 * (10 * 0.3e-6 + 5 * 2.5e-6), 9);
    expect(cost[PRO]).toBeCloseTo((1_000 * 1.25 + 1_000 * 0.125 + 1_000 * 10) / 1e6, 9);
  });

  it('counts retries by reason, breaker transitions, rejections, leaks and coalesced calls', () => {
    expect(series(METRICS.retries.name)).toEqual([{ 'gen_ai.request.model': PRO, 'gempool.retry.reason': 'retry-info', value: 1 }]);
    expect(series(METRICS.breakerTransitions.name)).toEqual([
      { 'gempool.breaker.endpoint': ENDPOINT, 'gen_ai.request.model': PRO, 'gempool.breaker.state': 'open', 'gempool.breaker.reason': 'errors', value: 1 },
    ]);
    expect(series(METRICS.breakerState.name)).toEqual([{ 'gempool.breaker.endpoint': ENDPOINT, 'gen_ai.request.model': PRO, value: 2 }]);
    expect(series(METRICS.breakerRejections.name)).toEqual([{ 'gempool.breaker.endpoint': ENDPOINT, 'gen_ai.request.model': PRO, value: 1 }]);
    expect(series(METRICS.leaksDetected.name)).toEqual([{ 'gen_ai.request.model': FLASH, value: 1 }]);
    expect(series(METRICS.leaksForceReturned.name)).toEqual([{ 'gen_ai.request.model': FLASH, value: 1 }]);
    expect(series(METRICS.coalescedCalls.name)).toEqual([{ 'gen_ai.request.model': FLASH, value: 1 }]);
  });

  it('reads gauges from pool.stats() at collection time', () => {
    expect(series(METRICS.connectionCount.name)).toEqual([
      { 'gempool.connection.state': 'idle', value: 3 },
      { 'gempool.connection.state': 'used', value: 1 },
    ]);
    expect(series(METRICS.pendingRequests.name)).toEqual([{ value: 2 }]);
    expect(series(METRICS.utilization.name)).toEqual([{ value: 0.25 }]);
    expect(series(METRICS.laneQueueDepth.name)).toEqual([
      { 'gempool.lane': 'standard', value: 2 },
      { 'gempool.lane': 'critical', value: 0 },
    ]);
    expect(series(METRICS.connectionsCreated.name)).toEqual([
      { 'gempool.pool.name': 'default', 'server.address': 'generativelanguage.googleapis.com', value: 2 },
    ]);
  });

  it('exports one client span per call, child spans per attempt and a leak span', () => {
    const callSpans = spans.filter((s) => s.name.startsWith('generate_content '));
    expect(callSpans.map((s) => s.name).sort()).toEqual([...Array(6).fill(`generate_content ${FLASH}`), ...Array(2).fill(`generate_content ${PRO}`)]);
    expect(callSpans.every((s) => s.kind === 3)).toBe(true); // SPAN_KIND_CLIENT
    const attempts = spans.filter((s) => s.name === ATTEMPT_SPAN_NAME);
    expect(attempts).toHaveLength(7);
    const callIds = new Set(callSpans.map((s) => s.spanId));
    expect(attempts.every((s) => callIds.has(s.parentSpanId))).toBe(true);
    expect(spans.filter((s) => s.name === SPAN_EVENTS.leak)).toHaveLength(1);
    expect(spans).toHaveLength(8 + 7 + 1 + 1); // + the caller's own span
    expect(spans.every((s) => s.resource['service.name'] === 'scripted' && s.resource['service.instance.id'] === 'test-1')).toBe(true);
  });

  it('parents the call span on the caller span active at call-start', () => {
    const first = spans.find((s) => s.parentSpanId === parentSpanId);
    expect(first?.name).toBe(`generate_content ${FLASH}`);
    expect(first?.traceId).toBe(parentTraceId);
  });

  it('puts gen_ai attributes, usage, cost and finish reasons on the call span', () => {
    const first = spans.find((s) => s.parentSpanId === parentSpanId)!;
    expect(first.attributes).toMatchObject({
      'gen_ai.operation.name': 'generate_content',
      'gen_ai.provider.name': 'gcp.gemini',
      'gen_ai.request.model': FLASH,
      'gen_ai.response.model': FLASH,
      'gen_ai.usage.input_tokens': 1_000_000,
      'gen_ai.usage.output_tokens': 100_000,
      'gen_ai.response.finish_reasons': ['STOP'],
      'gempool.attempts': 1,
      'gempool.coalesced': false,
    });
    expect(first.attributes['gempool.cost_usd']).toBeCloseTo(0.55, 9);
    expect(first.events.map((e) => e.name)).toEqual([SPAN_EVENTS.queueWait]);
  });

  it('records retry scheduling, breaker rejection, coalescing and the leak stack as events', () => {
    const retried = spans.find((s) => s.attributes['gempool.tenant'] === 'tenant-42')!;
    expect(retried.events).toEqual([
      { name: SPAN_EVENTS.retryScheduled, attributes: { 'gempool.attempt': 1, 'gempool.retry.delay_s': 1.5, 'gempool.retry.reason': 'retry-info', 'http.response.status_code': 429 } },
    ]);
    expect(retried.attributes['gempool.retry_reasons']).toEqual(['retry-info']);
    const rejected = spans.find((s) => s.attributes['error.type'] === 'BREAKER_OPEN')!;
    expect(rejected.status.code).toBe(2); // STATUS_CODE_ERROR
    expect(rejected.events.map((e) => e.name)).toEqual([SPAN_EVENTS.breakerRejected]);
    const follower = spans.find((s) => s.attributes['gempool.coalesced'] === true)!;
    expect(follower.events.map((e) => e.name)).toEqual([SPAN_EVENTS.coalesced]);
    const leak = spans.find((s) => s.name === SPAN_EVENTS.leak)!;
    expect(leak.attributes['gempool.leak.acquire_stack']).toContain('agent.ts:12:5');
    expect(leak.attributes['gempool.leak.force_returned']).toBe(true);
  });
});
