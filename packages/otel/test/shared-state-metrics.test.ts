// Shared state and quotas through the real pool, scraped from the OpenTelemetry Prometheus exporter:
// a pool whose Redis is unreachable (a closed local port) reports disconnected and counts its local
// decisions; quota waits (one admitted after a short wait, one timing out at once) land in the wait
// histogram, the timeouts counter and, for the failed call, `gempool.requests` with its error type.
// A pool with quotas but no Redis reports no shared-state series at all.
import { createServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createGeminiPool, isGempoolError, runWithContext, type GeminiPool, type GeminiPoolOptions } from '@gempool/core';
import { createManualClock, startFakeGemini, type FakeGemini } from '@gempool/testing';
import { METRICS, instrumentGempool, prometheusName } from '@gempool/otel';

const TOKEN_LIMITED = 'gemini-2.5-flash'; // 600 000 tpm: 10 tokens per ms, a 10 000-token bucket
const REQUEST_LIMITED = 'gemini-2.5-pro'; // 1 rpm: the second call cannot be served before its deadline

let fake: FakeGemini;
const server = createServer();

async function closedPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function call(pool: GeminiPool, model: string, text: string, maxOutputTokens?: number): Promise<unknown> {
  const body = { contents: [{ role: 'user', parts: [{ text }] }], ...(maxOutputTokens === undefined ? {} : { generationConfig: { maxOutputTokens } }) };
  return pool
    .fetch(`${fake.origin}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'local-fake-key' },
      body: JSON.stringify(body),
    })
    .then((response) => response.arrayBuffer());
}

const quotaWaiting = (pool: GeminiPool) => (pool.stats().sharedState as { quotaWaiting: Record<string, number> }).quotaWaiting;

/** Runs `script` against an instrumented pool and returns the /metrics text. */
async function scrapeAfter(options: GeminiPoolOptions, script: (pool: GeminiPool) => Promise<void>): Promise<string> {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 1, maxConnections: 4, coalesce: false, retry: { enabled: false }, ...options });
  const instrumentation = instrumentGempool(pool, { meterProvider });
  try {
    await script(pool);
    server.removeAllListeners('request');
    server.on('request', (req, res) => exporter.getMetricsRequestHandler(req, res));
    return await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`)).text();
  } finally {
    await instrumentation.shutdown();
    await meterProvider.shutdown();
    await pool.close();
  }
}

let redisDown = '';
let localOnly = '';
let timeoutCode: unknown;

beforeAll(async () => {
  fake = await startFakeGemini();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const quotas = { [TOKEN_LIMITED]: { tpm: 600_000 }, [REQUEST_LIMITED]: { rpm: 1 } };

  // The buckets refill on the pool's clock: a manual one makes the admitted wait exactly 50 ms.
  const clock = createManualClock(1_000_000);
  redisDown = await scrapeAfter({ clock, quotas, sharedState: { redis: `redis://127.0.0.1:${await closedPort()}`, fallbackFleetSize: 1 } }, async (pool) => {
    const disconnected = new Promise((resolve) => pool.once('shared-state', resolve));
    await disconnected;
    // The first call drains the token bucket (a cost above a full bucket goes into debt: -500 tokens),
    // so the second waits for the refill (10 tokens per ms) until the clock moves on.
    // Estimates: ceil(text length / 4) + maxOutputTokens, so 1 + 10 499 and 0 + 0 tokens.
    const big = call(pool, TOKEN_LIMITED, 'big', 10_499);
    const small = call(pool, TOKEN_LIMITED, '', 0);
    for (let turn = 0; quotaWaiting(pool)[TOKEN_LIMITED] !== 1; turn++) {
      if (turn > 100_000) throw new Error('the second call never queued for quota');
      await new Promise((resolve) => setImmediate(resolve));
    }
    await clock.advanceAsync(50);
    await Promise.all([big, small]);
    await call(pool, REQUEST_LIMITED, 'first of the minute');
    timeoutCode = await runWithContext({ deadlineMs: 50 }, () => call(pool, REQUEST_LIMITED, 'one too many')).then(
      () => 'served',
      (error: unknown) => (isGempoolError(error) ? error.code : error),
    );
  });
  localOnly = await scrapeAfter({ quotas }, async (pool) => {
    await call(pool, TOKEN_LIMITED, 'hello');
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fake?.close();
});

/** The value of the one sample of `name` carrying every given label (the exporter adds otel_scope_*). */
const sample = (scrape: string, name: string, labels: Record<string, string> = {}) => {
  const lines = scrape.split('\n').filter((line) => line.startsWith(`${name}{`) && Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)));
  expect(lines, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return Number(lines[0]!.slice(lines[0]!.lastIndexOf(' ') + 1));
};

describe('shared state and quota metrics from a real pool', () => {
  it('reports Redis as disconnected, with the local decisions counted and no reconnect yet', () => {
    expect(sample(redisDown, prometheusName(METRICS.sharedStateConnected))).toBe(0);
    // One per quota take at least (four calls); breaker syncs may add more.
    expect(sample(redisDown, prometheusName(METRICS.sharedStateFallbacks))).toBeGreaterThanOrEqual(4);
    expect(sample(redisDown, prometheusName(METRICS.sharedStateReconnects))).toBe(0);
    expect(redisDown).toMatch(/^# TYPE gempool_shared_state_fallbacks_total counter$/m);
  });

  it('records quota waits by model and result, and counts the timeout', () => {
    expect(timeoutCode).toBe('QUOTA_WAIT_TIMEOUT');
    const admitted = { gen_ai_request_model: TOKEN_LIMITED, gempool_quota_result: 'admitted' };
    const timedOut = { gen_ai_request_model: REQUEST_LIMITED, gempool_quota_result: 'QUOTA_WAIT_TIMEOUT' };
    // Only calls that waited are recorded: the first call of each model is not.
    expect(sample(redisDown, 'gempool_quota_wait_time_count', admitted)).toBe(1);
    expect(sample(redisDown, 'gempool_quota_wait_time_sum', admitted)).toBe(0.05);
    expect(sample(redisDown, 'gempool_quota_wait_time_bucket', { ...admitted, le: '0.025' })).toBe(0);
    expect(sample(redisDown, 'gempool_quota_wait_time_bucket', { ...admitted, le: '0.05' })).toBe(1);
    // The known wait (a minute) outlasts the 50 ms deadline: it fails at once, without waiting.
    expect(sample(redisDown, 'gempool_quota_wait_time_count', timedOut)).toBe(1);
    expect(sample(redisDown, 'gempool_quota_wait_time_sum', timedOut)).toBe(0);
    expect(sample(redisDown, prometheusName(METRICS.quotaWaitTimeouts), { gen_ai_request_model: REQUEST_LIMITED })).toBe(1);
    expect(redisDown).not.toMatch(new RegExp(`^${prometheusName(METRICS.quotaWaitTimeouts)}\\{[^}]*${TOKEN_LIMITED}`, 'm'));
  });

  it('shows the timed-out call in gempool.requests with error.type QUOTA_WAIT_TIMEOUT', () => {
    const line = redisDown.split('\n').find((l) => l.startsWith('gempool_requests_total{') && l.includes('error_type="QUOTA_WAIT_TIMEOUT"'));
    expect(line).toContain(`gen_ai_request_model="${REQUEST_LIMITED}"`);
    expect(line).toContain('gempool_outcome="error"');
    expect(line?.endsWith(' 1')).toBe(true);
  });

  it('reports no shared-state series for a pool without Redis (nothing to alert on)', () => {
    expect(localOnly).toMatch(/^gempool_requests_total\{/m);
    expect(localOnly).not.toMatch(/^gempool_shared_state_/m);
  });
});
