// prometheusName()/prometheusLabel() against a real /metrics scrape of the OpenTelemetry
// Prometheus exporter (served by our own http server on port 0).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { METRIC_LIST, METRICS, instrumentGempool, prometheusLabel, prometheusName } from '@gempool/otel';
import { ScriptedPool } from './helpers/scripted-pool.js';
import { emitSample } from './helpers/emit-sample.js';

let scrape = '';
const server = createServer();

beforeAll(async () => {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const pool = new ScriptedPool();
  const instrumentation = instrumentGempool(pool, { meterProvider });
  emitSample(pool);
  server.on('request', (req, res) => exporter.getMetricsRequestHandler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  scrape = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  await instrumentation.shutdown();
  await meterProvider.shutdown();
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const typeLines = () => new Map([...scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));

describe('Prometheus names', () => {
  it('maps every scraped family to a registry metric through prometheusName()', () => {
    const expected = new Map(METRIC_LIST.map((m) => [prometheusName(m), m]));
    const families = [...typeLines().keys()].filter((name) => name !== 'target_info');
    expect(families.length).toBeGreaterThan(8);
    for (const family of families) expect(expected.has(family), family).toBe(true);
  });

  it('adds _total to counters only and keeps histogram series names', () => {
    const types = typeLines();
    expect(types.get('gempool_requests_total')).toBe('counter');
    expect(types.get('gempool_retries_total')).toBe('counter');
    expect(types.get('gen_ai_client_operation_duration')).toBe('histogram');
    expect(types.get('gempool_connection_count')).toBe('gauge');
    expect(types.get('gempool_utilization')).toBe('gauge');
    // Observable (asynchronous) counters are monotonic sums too: `_total`, type counter.
    expect(types.get(prometheusName(METRICS.sharedStateFallbacks))).toBe('counter');
    expect(prometheusName(METRICS.sharedStateFallbacks)).toBe('gempool_shared_state_fallbacks_total');
    expect(types.get('gempool_shared_state_connected')).toBe('gauge');
    expect(scrape).toMatch(/^gempool_shared_state_connected\{[^}]*\} 0$/m);
    expect(scrape).toMatch(/^gempool_shared_state_fallbacks_total\{[^}]*\} 3$/m);
    expect(scrape).toMatch(/^gempool_quota_wait_timeouts_total\{[^}]*gen_ai_request_model="gemini-2\.5-pro"[^}]*\} 1$/m);
    expect(prometheusName(METRICS.requests)).toBe('gempool_requests_total');
    expect(prometheusName(METRICS.operationDuration)).toBe('gen_ai_client_operation_duration');
    expect(scrape).toMatch(/^gen_ai_client_operation_duration_bucket\{.*le="0\.16"\} 1$/m);
  });

  it('writes attribute names as prometheusLabel() says', () => {
    const line = scrape.split('\n').find((l) => l.startsWith('gempool_retries_total{'))!;
    expect(line).toContain(`${prometheusLabel('gempool.retry.reason')}="429"`);
    expect(line).toContain(`${prometheusLabel('gen_ai.request.model')}="gemini-2.5-flash"`);
    expect(prometheusLabel('gen_ai.request.model')).toBe('gen_ai_request_model');
  });
});
