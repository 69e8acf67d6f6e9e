// startTelemetry: configuration resolution (no side effects), the interval rule for Google Cloud,
// and the `google-cloud` path (OTLP + ADC headers) exporting to a local stand-in for
// telemetry.googleapis.com, so nothing reaches Google.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { OAuth2Client } from 'google-auth-library';
import { ConfigError } from '@gempool/core';
import { GOOGLE_TELEMETRY_ENDPOINT, instrumentGempool, resolveTelemetryConfig, startTelemetry } from '@gempool/otel';
import { startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver.js';
import { ScriptedPool } from './helpers/scripted-pool.js';
import { emitSample } from './helpers/emit-sample.js';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());
// NodeSDK registers global providers; clear them so each test starts from scratch.
afterEach(() => {
  trace.disable();
  metrics.disable();
  context.disable();
  propagation.disable();
});

describe('resolveTelemetryConfig', () => {
  it('defaults to google-cloud when a project is known, with service.name, service.instance.id and gcp.project_id', () => {
    const config = resolveTelemetryConfig({}, { GOOGLE_CLOUD_PROJECT: 'demo', K_SERVICE: 'agent-api', K_REVISION: 'agent-api-00042' });
    expect(config.exporter).toBe('google-cloud');
    expect(config.googleEndpoint).toBe(GOOGLE_TELEMETRY_ENDPOINT);
    expect(GOOGLE_TELEMETRY_ENDPOINT).toBe('https://telemetry.googleapis.com');
    expect(config.exportIntervalMs).toBe(60_000);
    expect(config.resourceAttributes).toMatchObject({ 'service.name': 'agent-api', 'gcp.project_id': 'demo' });
    expect(config.resourceAttributes['service.instance.id']).toMatch(/^agent-api-00042-\d+-[0-9a-f]{8}$/);
  });

  it('gives every process its own service.instance.id so Cloud Monitoring writes never collide', () => {
    const a = resolveTelemetryConfig({ exporter: 'none' }, {});
    const b = resolveTelemetryConfig({ exporter: 'none' }, {});
    expect(a.resourceAttributes['service.instance.id']).not.toBe(b.resourceAttributes['service.instance.id']);
    expect(a.resourceAttributes['service.name']).toBe('gempool');
  });

  it('falls back to otlp when an OTLP endpoint is configured, else console', () => {
    expect(resolveTelemetryConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).exporter).toBe('otlp');
    expect(resolveTelemetryConfig({}, {}).exporter).toBe('console');
  });

  it('enforces an export interval of at least 10 s for Google Cloud', () => {
    expect(() => resolveTelemetryConfig({ projectId: 'demo', exportIntervalMs: 5_000 }, {})).toThrow(ConfigError);
    expect(() => resolveTelemetryConfig({ projectId: 'demo', exportIntervalMs: 5_000 }, {})).toThrow('`exportIntervalMs`');
    expect(() => resolveTelemetryConfig({ exporter: 'google-cloud-legacy', projectId: 'demo', exportIntervalMs: 9_999 }, {})).toThrow(ConfigError);
    expect(resolveTelemetryConfig({ projectId: 'demo', exportIntervalMs: 10_000 }, {}).exportIntervalMs).toBe(10_000);
    expect(resolveTelemetryConfig({ exporter: 'otlp', exportIntervalMs: 1_000 }, {}).exportIntervalMs).toBe(1_000);
  });

  it('rejects unknown exporters and a Google exporter without a project', () => {
    expect(() => resolveTelemetryConfig({ exporter: 'stackdriver' as never }, {})).toThrow('`exporter`');
    expect(() => resolveTelemetryConfig({ exporter: 'google-cloud' }, {})).toThrow('`projectId`');
  });
});

describe('startTelemetry', () => {
  it('google-cloud: exports traces and metrics over OTLP with ADC bearer headers and the project resource', async () => {
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: 'ya29.adc-token', expiry_date: Date.now() + 3_600_000 });
    const telemetry = await startTelemetry({ projectId: 'demo', serviceName: 'agent', exportIntervalMs: 60_000, googleEndpoint: receiver.origin, auth });
    expect(telemetry.exporter).toBe('google-cloud');
    expect(telemetry.tracesUrl).toBe(`${receiver.origin}/v1/traces`);
    expect(telemetry.metricsUrl).toBe(`${receiver.origin}/v1/metrics`);
    const pool = new ScriptedPool();
    const instrumentation = instrumentGempool(pool); // global providers, set by startTelemetry
    emitSample(pool);
    await instrumentation.shutdown();
    await telemetry.shutdown();
    expect(receiver.headers.every((h) => h.authorization === 'Bearer ya29.adc-token')).toBe(true);
    expect(receiver.spans.map((s) => s.name)).toContain('generate_content gemini-2.5-flash');
    const exported = receiver.metricExports.flat();
    expect(exported.map((m) => m.name)).toContain('gen_ai.client.operation.duration');
    expect(exported[0]!.resource).toMatchObject({ 'service.name': 'agent', 'gcp.project_id': 'demo' });
    expect(receiver.spans[0]!.resource['service.instance.id']).toBeTypeOf('string');
  });

  it('none: starts and stops without exporting anything', async () => {
    const before = receiver.rawBodies.length;
    const telemetry = await startTelemetry({ exporter: 'none' });
    await telemetry.shutdown();
    expect(receiver.rawBodies.length).toBe(before);
    expect(telemetry.tracesUrl).toBeUndefined();
  });
});
