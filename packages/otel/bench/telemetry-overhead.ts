// Telemetry overhead on the hot path: the same burst of pool.fetch calls against the local fake
// Gemini server, without instrumentation and with instrumentGempool (metrics + spans + cost, with
// and without the NDJSON ledger). Reports req/s per run and the ratio; never part of `npm test`.
//   npx tsc -b && node_modules/.bin/node packages/otel/bench/telemetry-overhead.ts [calls] [concurrency]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGeminiPool } from '@gempool/core';
import { startFakeGemini } from '@gempool/testing';
import { instrumentGempool } from '@gempool/otel';
import { InMemoryMetricExporter, AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, InMemorySpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';

const calls = Number(process.argv[2] ?? 20_000);
const concurrency = Number(process.argv[3] ?? 100);
const PATH = '/v1beta/models/gemini-2.5-flash:generateContent';

const fake = await startFakeGemini();
const dir = await mkdtemp(join(tmpdir(), 'gempool-bench-'));

async function run(label: string, mode: 'off' | 'otel' | 'otel+ledger'): Promise<number> {
  const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 10, maxConnections: 50, coalesce: false });
  await pool.warmup();
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 10_000 })],
  });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: spanExporter, maxQueueSize: 100_000 })] });
  const instrumentation =
    mode === 'off'
      ? undefined
      : instrumentGempool(pool, { meterProvider, tracerProvider, ledger: mode === 'otel+ledger' ? { path: join(dir, `${label}.ndjson`) } : false });
  let next = 0;
  const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'bench' }] }] });
  const worker = async () => {
    while (next < calls) {
      next++;
      const response = await pool.fetch(fake.origin + PATH, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' }, body });
      await response.arrayBuffer();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const rate = calls / ((performance.now() - started) / 1000);
  await instrumentation?.shutdown();
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  await pool.close();
  console.log(`${label.padEnd(22)} ${Math.round(rate)} req/s`);
  return rate;
}

const results: Record<string, number[]> = { off: [], otel: [], 'otel+ledger': [] };
for (let round = 1; round <= 3; round++) {
  for (const mode of ['off', 'otel', 'otel+ledger'] as const) results[mode]!.push(await run(`${mode} #${round}`, mode));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`\nmedian: off ${Math.round(median(results.off!))}, otel ${Math.round(median(results.otel!))} (${(median(results.otel!) / median(results.off!)).toFixed(2)}×), otel+ledger ${Math.round(median(results['otel+ledger']!))} (${(median(results['otel+ledger']!) / median(results.off!)).toFixed(2)}×)`);
await fake.close();
await rm(dir, { recursive: true, force: true });
