// Exporters for each `exporter` choice of startTelemetry. Google Cloud's current path is OTLP to
// the Telemetry API (telemetry.googleapis.com) with Application Default Credentials; the legacy
// Cloud Monitoring exporter (deprecated, archived after 2026-10-30) stays available for dashboards
// that read workload.googleapis.com/*.
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { ConsoleMetricExporter, PeriodicExportingMetricReader, type IMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';

export const GOOGLE_TELEMETRY_ENDPOINT = 'https://telemetry.googleapis.com';

export type ExporterKind = 'google-cloud' | 'google-cloud-legacy' | 'otlp' | 'prometheus' | 'console' | 'none';
export const EXPORTER_KINDS: readonly ExporterKind[] = ['google-cloud', 'google-cloud-legacy', 'otlp', 'prometheus', 'console', 'none'];

/** Anything that can produce auth headers: a google-auth-library GoogleAuth or AuthClient. */
export interface AuthHeaderSource {
  getRequestHeaders(url?: string): Promise<Headers | Record<string, string>>;
}

export interface ExporterSetup {
  spanProcessors: SpanProcessor[];
  metricReaders: IMetricReader[];
  /** Where traces and metrics go (for diagnostics and tests); undefined when not a URL. */
  tracesUrl: string | undefined;
  metricsUrl: string | undefined;
}

export interface ExporterSetupOptions {
  kind: ExporterKind;
  exportIntervalMs: number;
  projectId: string | undefined;
  /** google-cloud: base URL of the Telemetry API (default https://telemetry.googleapis.com). */
  googleEndpoint: string;
  /** google-cloud / google-cloud-legacy traces: ADC by default. */
  auth: () => AuthHeaderSource;
  /** otlp: base URL; default from OTEL_EXPORTER_OTLP_* variables. */
  otlpEndpoint: string | undefined;
  prometheus: { port?: number; host?: string } | undefined;
}

export async function createExporters(options: ExporterSetupOptions): Promise<ExporterSetup> {
  const periodic = (exporter: PushMetricExporter) =>
    new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: options.exportIntervalMs, exportTimeoutMillis: Math.min(options.exportIntervalMs, 30_000) });
  switch (options.kind) {
    case 'google-cloud': {
      const headers = googleHeaders(options.auth);
      const tracesUrl = `${options.googleEndpoint}/v1/traces`;
      const metricsUrl = `${options.googleEndpoint}/v1/metrics`;
      return {
        spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: tracesUrl, headers }) })],
        metricReaders: [periodic(new OTLPMetricExporter({ url: metricsUrl, headers }))],
        tracesUrl,
        metricsUrl,
      };
    }
    case 'google-cloud-legacy': {
      // Loaded only when chosen: the package is deprecated and pulls in the Monitoring client.
      const { MetricExporter } = await import('@google-cloud/opentelemetry-cloud-monitoring-exporter');
      const tracesUrl = `${options.googleEndpoint}/v1/traces`;
      return {
        spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: tracesUrl, headers: googleHeaders(options.auth) }) })],
        metricReaders: [periodic(new MetricExporter({ projectId: options.projectId }) as unknown as PushMetricExporter)],
        tracesUrl,
        metricsUrl: undefined,
      };
    }
    case 'otlp': {
      const base = options.otlpEndpoint?.replace(/\/$/, '');
      const tracesUrl = base === undefined ? undefined : `${base}/v1/traces`;
      const metricsUrl = base === undefined ? undefined : `${base}/v1/metrics`;
      return {
        spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter(tracesUrl === undefined ? {} : { url: tracesUrl }) })],
        metricReaders: [periodic(new OTLPMetricExporter(metricsUrl === undefined ? {} : { url: metricsUrl }))],
        tracesUrl,
        metricsUrl,
      };
    }
    case 'prometheus': {
      const reader = new PrometheusExporter({ port: options.prometheus?.port, host: options.prometheus?.host });
      return { spanProcessors: [], metricReaders: [reader], tracesUrl: undefined, metricsUrl: undefined };
    }
    case 'console':
      return {
        spanProcessors: [new BatchSpanProcessor({ exporter: new ConsoleSpanExporter() })],
        metricReaders: [periodic(new ConsoleMetricExporter())],
        tracesUrl: undefined,
        metricsUrl: undefined,
      };
    case 'none':
      return { spanProcessors: [], metricReaders: [], tracesUrl: undefined, metricsUrl: undefined };
  }
}

/** An OTLP headers factory: a fresh (cached, auto-refreshed) ADC token per export. */
function googleHeaders(auth: () => AuthHeaderSource): () => Promise<Record<string, string>> {
  let source: AuthHeaderSource | undefined;
  return async () => {
    source ??= auth();
    const headers = await source.getRequestHeaders();
    return headers instanceof Headers ? Object.fromEntries(headers.entries()) : { ...headers };
  };
}
