// /metrics: the pool's OpenTelemetry metrics (named by the @gempool/otel registry through
// instrumentGempool) rendered by the OpenTelemetry Prometheus exporter on our own server, so the
// proxy listens on one port only. The SDK pieces load lazily: they are only needed here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { instrumentGempool } from '@gempool/otel';
import type { ProxyPool } from './proxy-pool.js';

export interface MetricsEndpoint {
  handle(req: IncomingMessage, res: ServerResponse): void;
  shutdown(): Promise<void>;
}

export async function createMetricsEndpoint(pool: ProxyPool): Promise<MetricsEndpoint> {
  const [{ PrometheusExporter }, { MeterProvider }] = await Promise.all([import('@opentelemetry/exporter-prometheus'), import('@opentelemetry/sdk-metrics')]);
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const instrumentation = instrumentGempool(pool, { meterProvider });
  return {
    handle: (req, res) => exporter.getMetricsRequestHandler(req, res),
    async shutdown() {
      await instrumentation.shutdown();
      await meterProvider.shutdown();
    },
  };
}
