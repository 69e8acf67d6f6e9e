// The request ledger: NDJSON by default, BigQuery through the real @google-cloud/bigquery client
// against a local fake insertAll endpoint, and failing or slow sinks that drop records with a
// warning and a counter while calls carry on.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigQuery } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { ConfigError } from '@gempool/core';
import { METRICS, instrumentGempool, type LedgerRecord, type LedgerSink } from '@gempool/otel';
import { ScriptedPool, usage } from './helpers/scripted-pool.js';

const TOKEN = 'ya29.test-access-token';
interface Insert { url: string; headers: IncomingHttpHeaders; body: { rows: Array<{ insertId: string; json: LedgerRecord }> } }
const inserts: Insert[] = [];
let failWith: number | undefined;
const server = createServer((req, res) => {
  let text = '';
  req.on('data', (chunk: Buffer) => (text += chunk.toString()));
  req.on('end', () => {
    inserts.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(text || '{}') });
    if (failWith !== undefined) {
      res.writeHead(failWith, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: failWith, message: 'Access Denied: Table demo:gempool.calls', errors: [{ reason: 'accessDenied', message: 'denied' }] } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'bigquery#tableDataInsertAllResponse' }));
  });
});
let endpoint = '';
let dir = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'gempool-ledger-'));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

function bigQueryClient(): BigQuery {
  // An OAuth2 client holding a valid token: no token refresh, so no network but the fake endpoint.
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3_600_000 });
  return new BigQuery({ projectId: 'demo', apiEndpoint: endpoint, authClient, autoRetry: false });
}

function runCalls(pool: ScriptedPool, count: number): void {
  for (let i = 0; i < count; i++) {
    const call = pool.start('gemini-2.5-flash', { tenant: 'acme' });
    pool.attempt(call, 1, 429);
    pool.attempt(call, 2, 200);
    pool.end(call, { attempts: 2, retryReasons: ['429'], usage: usage(1000, 200), region: 'us-central1' });
  }
}

function meter() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const dropped = async () => {
    await provider.forceFlush();
    const metric = exporter.getMetrics().at(-1)?.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === METRICS.ledgerDropped.name);
    return metric?.dataPoints.map((p) => ({ ...p.attributes, value: p.value })) ?? [];
  };
  return { provider, dropped };
}

describe('ledger', () => {
  it('writes one NDJSON record per logical call with attempts, retry reasons, tokens and cost', async () => {
    const path = join(dir, 'calls.ndjson');
    const pool = new ScriptedPool();
    const instrumentation = instrumentGempool(pool, { ledger: { path } });
    runCalls(pool, 3);
    await instrumentation.shutdown();
    const records = (await readFile(path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as LedgerRecord);
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({
      model: 'gemini-2.5-flash', lane: 'standard', tenant: 'acme', outcome: 'success', status: 200, attempts: 2,
      retry_reasons: ['429'], input_tokens: 1000, output_tokens: 200, coalesced: false, region: 'us-central1', latency_ms: 120,
    });
    expect(records[0]!.cost_usd).toBeCloseTo((1000 * 0.3 + 200 * 2.5) / 1e6, 12);
    expect(new Set(records.map((r) => r.call_id)).size).toBe(3);
  });

  it('streams batches into BigQuery through the real client', async () => {
    inserts.length = 0;
    failWith = undefined;
    const pool = new ScriptedPool();
    const instrumentation = instrumentGempool(pool, { ledger: { bigquery: { dataset: 'gempool', table: 'calls', client: bigQueryClient() }, batchSize: 2 } });
    runCalls(pool, 5);
    await instrumentation.flush();
    expect(inserts.map((i) => i.url.split('?')[0])).toEqual(Array(3).fill('/bigquery/v2/projects/demo/datasets/gempool/tables/calls/insertAll'));
    expect(inserts.map((i) => i.body.rows.length)).toEqual([2, 2, 1]);
    expect(inserts[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const row = inserts[0]!.body.rows[0]!;
    expect(row.insertId).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.json).toMatchObject({ model: 'gemini-2.5-flash', attempts: 2, retry_reasons: ['429'], tenant: 'acme' });
    await instrumentation.shutdown();
  });

  it('drops records from a failing BigQuery sink with a warning and the dropped counter, calls unaffected', async () => {
    inserts.length = 0;
    failWith = 403;
    const warnings: string[] = [];
    const { provider, dropped } = meter();
    const pool = new ScriptedPool();
    const instrumentation = instrumentGempool(pool, {
      meterProvider: provider,
      onWarning: (message) => warnings.push(message),
      ledger: { bigquery: { dataset: 'gempool', table: 'calls', client: bigQueryClient() }, batchSize: 10 },
    });
    expect(() => runCalls(pool, 4)).not.toThrow();
    await instrumentation.flush();
    expect(inserts).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('dropped 4 record(s)');
    expect(warnings[0]).toContain('bigquery');
    expect(warnings.join()).not.toContain(TOKEN);
    expect(await dropped()).toEqual([{ 'gempool.ledger.sink': 'bigquery', value: 4 }]);
    await instrumentation.shutdown();
    await provider.shutdown();
    failWith = undefined;
  });

  it('never blocks on a sink that does not answer: the buffer bounds memory and counts drops', async () => {
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const writes: number[] = [];
    const sink: LedgerSink = { name: 'stuck', write: async (records) => (writes.push(records.length), stuck) };
    const { provider, dropped } = meter();
    const pool = new ScriptedPool();
    const instrumentation = instrumentGempool(pool, { meterProvider: provider, onWarning: () => {}, ledger: { sink, batchSize: 2, maxBuffered: 3 } });
    runCalls(pool, 10); // synchronous: each call-end returns while the sink hangs
    expect(writes).toEqual([2]);
    expect(await dropped()).toEqual([{ 'gempool.ledger.sink': 'stuck', value: 5 }]); // 2 in flight + 3 buffered kept
    release();
    await instrumentation.shutdown();
    expect(writes).toEqual([2, 2, 1]);
    await provider.shutdown();
  });

  it('rejects bad ledger options with a ConfigError naming the field', () => {
    const pool = new ScriptedPool();
    expect(() => instrumentGempool(pool, { ledger: { batchSize: 0 } })).toThrow(ConfigError);
    expect(() => instrumentGempool(pool, { ledger: { batchSize: 0 } })).toThrow('ledger.batchSize');
    expect(() => instrumentGempool(pool, { ledger: { path: 'a', bigquery: { dataset: 'd', table: 't' } } })).toThrow('at most one');
    expect(() => instrumentGempool(pool, { ledger: { bigquery: { dataset: '', table: 't' } } })).toThrow('ledger.bigquery.dataset');
  });
});
