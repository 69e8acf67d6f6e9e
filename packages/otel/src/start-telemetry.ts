// startTelemetry(): one call that sets up @opentelemetry/sdk-node for a service (Cloud Run, GKE or
// anywhere) so instrumentGempool's spans and metrics are exported. Registers the global providers,
// the AsyncLocalStorage context manager (so caller spans parent pool spans) and W3C propagation.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ConfigError } from '@gempool/core';
import { createExporters, EXPORTER_KINDS, GOOGLE_TELEMETRY_ENDPOINT, type AuthHeaderSource, type ExporterKind } from './telemetry-exporters.js';

/** Cloud Monitoring accepts one point per series per ~10 s. */
export const MIN_GOOGLE_EXPORT_INTERVAL_MS = 10_000;
export const DEFAULT_EXPORT_INTERVAL_MS = 60_000;

export interface StartTelemetryOptions {
  /** Default: `google-cloud` when a project is known (option or GOOGLE_CLOUD_PROJECT), else `otlp` when OTEL_EXPORTER_OTLP_ENDPOINT is set, else `console`. */
  exporter?: ExporterKind;
  /** Google Cloud project; default GOOGLE_CLOUD_PROJECT / GCLOUD_PROJECT. */
  projectId?: string;
  /** `service.name`; default OTEL_SERVICE_NAME, K_SERVICE (Cloud Run) or `gempool`. */
  serviceName?: string;
  /** `service.instance.id`; default K_REVISION/hostname plus a random id, unique per process. */
  serviceInstanceId?: string;
  /** Metric export interval. Default 60 000 ms; at least 10 000 ms for Google Cloud. */
  exportIntervalMs?: number;
  /** Extra resource attributes (`deployment.environment.name`…). */
  resourceAttributes?: Record<string, string | number | boolean>;
  /** `otlp`: collector base URL (`http://collector:4318`); default from OTEL_EXPORTER_OTLP_* variables. */
  otlpEndpoint?: string;
  /** `prometheus`: where to serve /metrics. Default port 9464. */
  prometheus?: { port?: number; host?: string };
  /** `google-cloud`: Telemetry API base URL (tests, private endpoints). Default https://telemetry.googleapis.com. */
  googleEndpoint?: string;
  /** Credentials for Google Cloud exports; default Application Default Credentials (google-auth-library). */
  auth?: AuthHeaderSource;
}

export interface Telemetry {
  exporter: ExporterKind;
  /** The resource every signal carries. */
  resourceAttributes: Readonly<Record<string, string | number | boolean>>;
  tracesUrl: string | undefined;
  metricsUrl: string | undefined;
  exportIntervalMs: number;
  /** Flushes and stops exporting; call on SIGTERM (Cloud Run gives 10 s). */
  shutdown(): Promise<void>;
}

/** The settings startTelemetry will use, resolved and validated from options and environment (no side effects). */
export interface ResolvedTelemetryConfig {
  exporter: ExporterKind;
  projectId: string | undefined;
  exportIntervalMs: number;
  resourceAttributes: Record<string, string | number | boolean>;
  googleEndpoint: string;
}

export function resolveTelemetryConfig(options: StartTelemetryOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedTelemetryConfig {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'an object', options);
  const projectId = options.projectId ?? env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT;
  const exporter = options.exporter ?? (projectId !== undefined ? 'google-cloud' : env.OTEL_EXPORTER_OTLP_ENDPOINT ? 'otlp' : 'console');
  if (!EXPORTER_KINDS.includes(exporter)) throw new ConfigError('exporter', `one of ${EXPORTER_KINDS.join(', ')}`, exporter);
  const isGoogle = exporter === 'google-cloud' || exporter === 'google-cloud-legacy';
  if (isGoogle && (typeof projectId !== 'string' || projectId === '')) {
    throw new ConfigError('projectId', 'a Google Cloud project id (or GOOGLE_CLOUD_PROJECT set) for a Google Cloud exporter', projectId);
  }
  const exportIntervalMs = options.exportIntervalMs ?? DEFAULT_EXPORT_INTERVAL_MS;
  const minimum = isGoogle ? MIN_GOOGLE_EXPORT_INTERVAL_MS : 1;
  if (!Number.isInteger(exportIntervalMs) || exportIntervalMs < minimum) {
    throw new ConfigError('exportIntervalMs', `an integer from ${minimum} and up${isGoogle ? ' (Cloud Monitoring accepts one point per series per 10 s)' : ''}`, exportIntervalMs);
  }
  const serviceName = options.serviceName ?? env.OTEL_SERVICE_NAME ?? env.K_SERVICE ?? 'gempool';
  if (typeof serviceName !== 'string' || serviceName === '') throw new ConfigError('serviceName', 'a non-empty string', serviceName);
  const instanceId = options.serviceInstanceId ?? `${env.K_REVISION ?? hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  if (typeof instanceId !== 'string' || instanceId === '') throw new ConfigError('serviceInstanceId', 'a non-empty string', instanceId);
  return {
    exporter,
    projectId,
    exportIntervalMs,
    resourceAttributes: {
      ...options.resourceAttributes,
      'service.name': serviceName,
      'service.instance.id': instanceId,
      ...(projectId === undefined ? {} : { 'gcp.project_id': projectId }),
    },
    googleEndpoint: (options.googleEndpoint ?? GOOGLE_TELEMETRY_ENDPOINT).replace(/\/$/, ''),
  };
}

export async function startTelemetry(options: StartTelemetryOptions = {}): Promise<Telemetry> {
  const { exporter, projectId, exportIntervalMs, resourceAttributes, googleEndpoint } = resolveTelemetryConfig(options);
  const setup = await createExporters({
    kind: exporter,
    exportIntervalMs,
    projectId,
    googleEndpoint,
    auth: () => options.auth ?? defaultGoogleAuth(),
    otlpEndpoint: options.otlpEndpoint,
    prometheus: options.prometheus,
  });

  const sdk = new NodeSDK({
    resource: resourceFromAttributes(resourceAttributes),
    // Only our resource: host/process detectors add high-cardinality labels Cloud Monitoring bills.
    resourceDetectors: [],
    spanProcessors: setup.spanProcessors,
    metricReaders: setup.metricReaders,
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  return {
    exporter,
    resourceAttributes: Object.freeze(resourceAttributes),
    tracesUrl: setup.tracesUrl,
    metricsUrl: setup.metricsUrl,
    exportIntervalMs,
    shutdown: () => (stopped ??= sdk.shutdown()),
  };
}

let adc: AuthHeaderSource | undefined;
/** Application Default Credentials (metadata server on Cloud Run / GKE, gcloud locally). */
function defaultGoogleAuth(): AuthHeaderSource {
  adc ??= lazyGoogleAuth();
  return adc;
}

function lazyGoogleAuth(): AuthHeaderSource {
  let auth: Promise<AuthHeaderSource> | undefined;
  return {
    async getRequestHeaders() {
      auth ??= import('google-auth-library').then(
        ({ GoogleAuth }) => new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] }),
      );
      return (await auth).getRequestHeaders();
    },
  };
}
