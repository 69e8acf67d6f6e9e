// The tracer's sampling decision is honoured early: a sampled-out call gets no attempt spans, span
// events or attributes (its handlers return at once), while metrics still count it. A lane wait of
// 0 ms is not a span event on a sampled call; a real wait is.
import { describe, expect, it } from 'vitest';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { AlwaysOffSampler, AlwaysOnSampler, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type Sampler } from '@opentelemetry/sdk-trace';
import { METRICS, SPAN_EVENTS, instrumentGempool } from '@gempool/otel';
import { ScriptedPool } from './helpers/scripted-pool.js';

async function run(sampler: Sampler) {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const pool = new ScriptedPool();
  const instrumentation = instrumentGempool(pool, { tracerProvider, meterProvider });
  for (const waitMs of [0, 7]) {
    const call = pool.start('gemini-2.5-flash');
    pool.emit('queue-wait', { callId: call.callId, lane: 'standard', waitMs, result: 'admitted' });
    pool.attempt(call, 1, 503);
    pool.attempt(call, 2, 200);
    pool.end(call, { attempts: 2 });
  }
  await reader.forceFlush();
  const requests = metricExporter
    .getMetrics()
    .flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics))
    .filter((metric) => metric.descriptor.name === METRICS.requests.name)
    .flatMap((metric) => metric.dataPoints.map((point) => point.value as number));
  // Read before shutdown: shutting the exporter down empties it.
  const finished = spans.getFinishedSpans();
  await instrumentation.shutdown();
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  return { spans: finished, requests: requests.reduce((a, b) => a + b, 0) };
}

describe('sampling', () => {
  it('records no spans for sampled-out calls but still counts them in metrics', async () => {
    const { spans, requests } = await run(new AlwaysOffSampler());
    expect(spans).toEqual([]);
    expect(requests).toBe(2);
  });

  it('keeps one call span plus one span per attempt for sampled calls, with a queue-wait event only for a real wait', async () => {
    const { spans, requests } = await run(new AlwaysOnSampler());
    const calls = spans.filter((span) => span.name === 'generate_content gemini-2.5-flash');
    expect(calls).toHaveLength(2);
    expect(spans).toHaveLength(6);
    expect(requests).toBe(2);
    for (const call of calls) expect(spans.filter((span) => span.parentSpanContext?.spanId === call.spanContext().spanId)).toHaveLength(2);
    expect(calls.map((call) => call.events.map((event) => event.name))).toEqual([[], [SPAN_EVENTS.queueWait]]);
  });
});
