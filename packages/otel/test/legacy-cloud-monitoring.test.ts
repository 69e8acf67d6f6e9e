// The deprecated @google-cloud/opentelemetry-cloud-monitoring-exporter (0.22) running on
// sdk-metrics 3 (the root package.json overrides its peer range). Its network client and auth are
// replaced on the instance, so the real transform and export path run with no network: the
// written metric types and labels must match legacyCloudMonitoringName()/legacyCloudMonitoringLabel().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricExporter } from '@google-cloud/opentelemetry-cloud-monitoring-exporter';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { METRIC_LIST, METRICS, instrumentGempool, legacyCloudMonitoringLabel, legacyCloudMonitoringName } from '@gempool/otel';
import { ScriptedPool } from './helpers/scripted-pool.js';
import { emitSample } from './helpers/emit-sample.js';

interface TimeSeries { metric: { type: string; labels: Record<string, string> }; metricKind: string; valueType: string }
const written: TimeSeries[] = [];
const descriptors: Array<{ type: string; metricKind: string; labels: Array<{ key: string }> }> = [];
let meterProvider: MeterProvider;

beforeAll(async () => {
  const exporter = new MetricExporter({ projectId: 'demo-project' });
  // Intercept before the network: the instance's Monitoring API client and auth.
  const internals = exporter as unknown as Record<string, any>;
  internals._projectId = 'demo-project';
  internals._auth = { getClient: async () => ({}) };
  internals._monitoring = {
    projects: {
      metricDescriptors: {
        get: async () => Promise.reject(Object.assign(new Error('not found'), { code: 404 })),
        create: async ({ requestBody }: { requestBody: (typeof descriptors)[number] }) => void descriptors.push(requestBody),
      },
      timeSeries: { create: async ({ requestBody }: { requestBody: { timeSeries: TimeSeries[] } }) => void written.push(...requestBody.timeSeries) },
    },
  };
  const reader = new PeriodicExportingMetricReader({ exporter: exporter as unknown as PushMetricExporter, exportIntervalMillis: 3_600_000 });
  meterProvider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'legacy' }), readers: [reader] });
  const pool = new ScriptedPool();
  const instrumentation = instrumentGempool(pool, { meterProvider });
  emitSample(pool);
  await meterProvider.forceFlush();
  await instrumentation.shutdown();
});

afterAll(() => meterProvider.shutdown());

describe('legacy Cloud Monitoring exporter names', () => {
  it('still exports with sdk-metrics 3', () => {
    expect(written.length).toBeGreaterThan(8);
  });

  it('writes workload.googleapis.com/<registry name> with the dots kept', () => {
    const expected = new Set(METRIC_LIST.map((m) => legacyCloudMonitoringName(m)));
    for (const series of written) expect(expected.has(series.metric.type), series.metric.type).toBe(true);
    expect(written.map((s) => s.metric.type)).toContain('workload.googleapis.com/gen_ai.client.operation.duration');
    expect(descriptors.map((d) => d.type)).toContain(legacyCloudMonitoringName(METRICS.retries));
  });

  it('turns attribute dots into underscores in label keys', () => {
    const retries = written.find((s) => s.metric.type === legacyCloudMonitoringName(METRICS.retries))!;
    expect(retries.metric.labels).toEqual({
      [legacyCloudMonitoringLabel('gen_ai.request.model')]: 'gemini-2.5-flash',
      [legacyCloudMonitoringLabel('gempool.retry.reason')]: '429',
    });
    expect(Object.keys(retries.metric.labels).sort()).toEqual(['gempool_retry_reason', 'gen_ai_request_model']);
    expect(retries.metricKind).toBe('CUMULATIVE');
    const duration = written.find((s) => s.metric.type === legacyCloudMonitoringName(METRICS.operationDuration))!;
    expect(duration.valueType).toBe('DISTRIBUTION');
  });
});
