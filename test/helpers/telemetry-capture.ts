// Everything a pool reveals, gathered as text, so a test can search it for secrets: every event
// payload (all event names), spans (names, attributes, events, status) and metric points (with
// attributes) from in-memory OpenTelemetry exporters, console output and process warnings.
import { vi } from 'vitest';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { GeminiPool, GempoolEventName } from '@gempool/core';

// Typed as a record so a new event name in core fails to compile here until it is captured too.
const EVENT_NAMES = Object.keys({
  'call-start': 1,
  'call-end': 1,
  'attempt-start': 1,
  'attempt-end': 1,
  'connection-created': 1,
  'connection-destroyed': 1,
  leak: 1,
  'returned-late': 1,
  'lease-acquired': 1,
  'lease-released': 1,
  'queue-wait': 1,
  'retry-scheduled': 1,
  'retry-budget-exhausted': 1,
  coalesced: 1,
  'breaker-state': 1,
  'breaker-rejected': 1,
  'region-health': 1,
  failover: 1,
  autoscale: 1,
  batch: 1,
  warning: 1,
  'shared-state': 1,
  'quota-wait': 1,
} satisfies Record<GempoolEventName, 1>) as GempoolEventName[];

export interface TelemetryCapture {
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: TracerProvider;
  /** Payloads seen so far, by event name. */
  readonly events: Map<GempoolEventName, unknown[]>;
  spanCount(): number;
  /** Flushes the providers and returns every captured item as one JSON text. */
  dump(): Promise<string>;
  stop(): Promise<void>;
}

export function captureTelemetry(pool: GeminiPool): TelemetryCapture {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 })] });
  const events = new Map<GempoolEventName, unknown[]>();
  for (const name of EVENT_NAMES) {
    const seen: unknown[] = [];
    events.set(name, seen);
    pool.on(name, (event) => seen.push(event));
  }
  const consoleLines: string[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void consoleLines.push(args.map(String).join(' '))),
  );
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', onWarning);

  return {
    meterProvider,
    tracerProvider,
    events,
    spanCount: () => spans.getFinishedSpans().length,
    async dump() {
      await tracerProvider.forceFlush();
      await meterProvider.forceFlush();
      const spanData = spans.getFinishedSpans().map((span) => ({
        name: span.name,
        attributes: span.attributes,
        events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
        status: span.status,
      }));
      const points = metrics
        .getMetrics()
        .flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics))
        .map((metric) => ({ name: metric.descriptor.name, points: metric.dataPoints.map((point) => ({ attributes: point.attributes, value: point.value })) }));
      return JSON.stringify({ events: Object.fromEntries(events), spans: spanData, metrics: points, console: consoleLines, warnings });
    },
    async stop() {
      for (const spy of spies) spy.mockRestore();
      process.off('warning', onWarning);
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** An error as text: name, message, stack, own fields and its whole cause chain. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (current instanceof Error) parts.push(current.name, current.message, current.stack ?? '');
    try {
      parts.push(JSON.stringify(current, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)));
    } catch {
      parts.push(String(current));
    }
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}
