// OpenTelemetry SDK providers whose exporters discard what they get: the SDK does all its work
// (aggregation, span creation, batching) but nothing leaves the process, so a benchmark measures
// instrumentation cost, not an exporter's network.
import { ExportResultCode } from '@opentelemetry/core';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';

const discardingSpanExporter: SpanExporter = {
  export(_spans: ReadableSpan[], done) {
    done({ code: ExportResultCode.SUCCESS });
  },
  shutdown: async () => {},
};

export interface BenchTelemetry {
  meterProvider: MeterProvider;
  tracerProvider: TracerProvider;
  shutdown(): Promise<void>;
}

export function createBenchTelemetry(): BenchTelemetry {
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 10_000 })],
  });
  const tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: discardingSpanExporter, maxQueueSize: 10_000 })] });
  return {
    meterProvider,
    tracerProvider,
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}
