// Every series the Grafana dashboards query must show up on a real /metrics scrape: a scripted run
// of the real pool (createGeminiPool → the fake Gemini server over TLS/HTTP/2) instrumented by
// instrumentGempool with the OpenTelemetry Prometheus exporter. Series that only appear on rare
// events (leaks, failovers, regions, open breakers) are listed in EVENT_ONLY with the event that
// produces them; they are checked against the registry instead of the scrape. A second pool, with
// quotas and a Redis that is not there (a closed local port), produces the shared-state and quota
// series; its scrape is read alongside the first.
import { createServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createGeminiPool, runWithContext } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { instrumentGempool } from '@gempool/otel';
import { METRICS, type MetricKey } from '../../packages/otel/src/metrics.ts';
import { prometheusName } from '../../packages/otel/src/metric-names.ts';
import { generateAll } from '../src/generate-all.ts';
import { collect, prometheusReferences } from './helpers/metric-references.ts';

const MODEL = 'gemini-2.5-flash';

/** Metrics whose series exist only after an event a short healthy run does not produce. */
const EVENT_ONLY: Partial<Record<MetricKey, string>> = {
  leaksDetected: 'a lease held past leakTimeoutMs (30 s) without reading the body',
  leaksForceReturned: 'a leaked lease whose slot is taken back',
  leaksReturnedLate: 'a leaked lease released later by its holder',
  failovers: 'a region judged unhealthy with another to fail over to',
  regionHealthy: 'a region-health judgement (multi-region pools only)',
  breakerRejections: 'a call arriving while a breaker is open',
  breakerState: 'a breaker state change (the gauge reports endpoints that changed state)',
};

let fake: FakeGemini;
let scrape = '';
const server = createServer();

async function call(pool: ReturnType<typeof createGeminiPool>, text: string, model = MODEL): Promise<number> {
  const response = await pool.fetch(`${fake.origin}/v1beta/models/${model}:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': 'local-fake-key' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

beforeAll(async () => {
  fake = await startFakeGemini();
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 1, maxConnections: 4 });
  const instrumentation = instrumentGempool(pool, { meterProvider });
  await pool.warmup();

  await call(pool, 'hello');
  // A 429 with a short RetryInfo delay: retried, then served.
  fake.setFaults([{ model: MODEL, method: 'generateContent', kind: 'status', status: 429, retryDelay: '0.01s', times: 1 }]);
  await call(pool, 'rate limited once');
  // A non-retryable error for the errors-by-type chart.
  fake.setFaults([{ model: MODEL, method: 'generateContent', kind: 'status', status: 400, times: 1 }]);
  await call(pool, 'bad request').catch(() => 0);
  fake.setFaults([]);
  // Identical concurrent calls share one upstream call (coalescing).
  await Promise.all([call(pool, 'same prompt'), call(pool, 'same prompt'), call(pool, 'same prompt')]);

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  scrape = await scrapeOf(exporter);
  await instrumentation.shutdown();
  await meterProvider.shutdown();
  await pool.close();
  scrape += await sharedStateRun();
});

async function scrapeOf(exporter: PrometheusExporter): Promise<string> {
  server.removeAllListeners('request');
  server.on('request', (req, res) => exporter.getMetricsRequestHandler(req, res));
  return (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`)).text();
}

/** Quotas (1 rpm) and sharedState on a closed port: disconnected, fallbacks, one quota-wait timeout. */
async function sharedStateRun(): Promise<string> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const pool = createGeminiPool({
    origins: [fake.origin],
    tls: { ca: fake.ca! },
    retry: { enabled: false },
    quotas: { [MODEL]: { rpm: 1 } },
    sharedState: { redis: `redis://127.0.0.1:${closedPort}` },
  });
  const instrumentation = instrumentGempool(pool, { meterProvider });
  await new Promise((resolve) => pool.once('shared-state', resolve));
  await call(pool, 'the one call this minute');
  // The next request is a minute away, past the 50 ms deadline: QUOTA_WAIT_TIMEOUT at once.
  await runWithContext({ deadlineMs: 50 }, () => call(pool, 'one too many')).catch(() => 0);
  const text = await scrapeOf(exporter);
  await instrumentation.shutdown();
  await meterProvider.shutdown();
  await pool.close();
  return text;
}

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fake?.close();
});

function grafanaSeries(): Map<string, MetricKey> {
  const series = new Map<string, MetricKey>();
  for (const [path, content] of generateAll()) {
    if (!path.startsWith('grafana/')) continue;
    for (const hit of collect(JSON.parse(content), 'expr')) {
      const references = prometheusReferences(hit.value as string, path);
      expect(references.problems).toEqual([]);
      for (const metric of references.metrics) {
        const key = (Object.keys(METRICS) as MetricKey[]).find((candidate) => METRICS[candidate] === metric)!;
        const name = prometheusName(metric);
        series.set(metric.kind === 'histogram' ? `${name}_bucket` : name, key);
      }
    }
  }
  return series;
}

describe('a live scrape of a scripted run', () => {
  it('contains every series the Grafana dashboards query (event-only ones excepted)', () => {
    const scraped = new Set([...scrape.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)].map((match) => match[1]!));
    const wanted = grafanaSeries();
    expect(wanted.size).toBeGreaterThan(15);
    const missing = [...wanted].filter(([name, key]) => !scraped.has(name) && EVENT_ONLY[key] === undefined).map(([name]) => name);
    expect(missing).toEqual([]);
  });

  it('keeps the event-only list honest: registry metrics the dashboards use, absent only for lack of the event', () => {
    const used = new Set(grafanaSeries().values());
    for (const key of Object.keys(EVENT_ONLY) as MetricKey[]) {
      expect(METRICS[key], key).toBeDefined();
      expect(used.has(key), `${key} is allow-listed but no dashboard uses it`).toBe(true);
      // Once the run produces it, it no longer belongs on the list.
      expect(scrape, `${key} is on the scrape: remove it from EVENT_ONLY`).not.toMatch(new RegExp(`^${prometheusName(METRICS[key])}[_{ ]`, 'm'));
    }
  });

  it('carries the labels the charts group by', () => {
    expect(scrape).toMatch(/^gempool_retries_total\{[^}]*gempool_retry_reason="(429|retry-info)"/m);
    expect(scrape).toMatch(/^gempool_requests_total\{[^}]*gempool_outcome="error"/m);
    expect(scrape).toMatch(/^gempool_coalesced_calls_total\{[^}]*gen_ai_request_model="gemini-2\.5-flash"/m);
    expect(scrape).toMatch(/^gempool_connection_count\{[^}]*gempool_connection_state="(idle|used)"/m);
    expect(scrape).toMatch(/^gempool_quota_wait_time_bucket\{[^}]*gen_ai_request_model="gemini-2\.5-flash"/m);
    expect(scrape).toMatch(/^gempool_quota_wait_timeouts_total\{[^}]*gen_ai_request_model="gemini-2\.5-flash"/m);
  });
});
