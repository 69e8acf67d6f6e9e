// Telemetry overhead on the hot path: the same burst of pool.fetch calls against the local fake
// Gemini server, without instrumentation and with instrumentGempool (metrics + spans + cost, with
// and without the NDJSON ledger). Reports req/s per run and the ratio; never part of `npm test`.
// Rounds alternate the mode order and ratios are taken within a round (neighbours in time), so a
// busy machine shifts both sides of a ratio alike.
//   npx tsc -b && node_modules/.bin/node packages/otel/bench/telemetry-overhead.ts [calls] [concurrency] [rounds]
// BASELINE=/path/to/another/build/of/@gempool/otel/dist/index.js adds an `otel(baseline)` mode, to
// compare two builds of instrumentGempool side by side in one process.
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
const rounds = Number(process.argv[4] ?? 3);
const PATH = '/v1beta/models/gemini-2.5-flash:generateContent';
const baseline = process.env.BASELINE === undefined ? undefined : ((await import(process.env.BASELINE)) as { instrumentGempool: typeof instrumentGempool }).instrumentGempool;

type Mode = 'off' | 'otel' | 'otel+ledger' | 'otel(baseline)';
const modes: Mode[] = baseline === undefined ? ['off', 'otel', 'otel+ledger'] : ['off', 'otel', 'otel(baseline)'];

const fake = await startFakeGemini();
const dir = await mkdtemp(join(tmpdir(), 'gempool-bench-'));

interface RunResult {
  rate: number;
  /** Process CPU (user + system) per call, µs: steadier than req/s on a shared machine. */
  cpuPerCall: number;
}

async function run(label: string, mode: Mode): Promise<RunResult> {
  const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 10, maxConnections: 50, coalesce: false });
  await pool.warmup();
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 10_000 })],
  });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: spanExporter, maxQueueSize: 100_000 })] });
  const instrument = mode === 'otel(baseline)' ? baseline! : instrumentGempool;
  const instrumentation =
    mode === 'off'
      ? undefined
      : instrument(pool, { meterProvider, tracerProvider, ledger: mode === 'otel+ledger' ? { path: join(dir, `${label}.ndjson`) } : false });
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
  const cpuBefore = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpu = process.cpuUsage(cpuBefore);
  const rate = calls / ((performance.now() - started) / 1000);
  const cpuPerCall = (cpu.user + cpu.system) / calls;
  await instrumentation?.shutdown();
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  await pool.close();
  console.log(`${label.padEnd(22)} ${Math.round(rate)} req/s  ${Math.round(cpuPerCall)} µs CPU/call`);
  return { rate, cpuPerCall };
}

const ratios: Record<string, number[]> = Object.fromEntries(modes.slice(1).map((mode) => [mode, []]));
const cpuRatios: Record<string, number[]> = Object.fromEntries(modes.slice(1).map((mode) => [mode, []]));
const rates: Record<string, number[]> = Object.fromEntries(modes.map((mode) => [mode, []]));
const cpus: Record<string, number[]> = Object.fromEntries(modes.map((mode) => [mode, []]));
for (let round = 1; round <= rounds; round++) {
  const order = round % 2 === 1 ? modes : [...modes].reverse();
  const thisRound: Partial<Record<Mode, RunResult>> = {};
  for (const mode of order) thisRound[mode] = await run(`${mode} #${round}`, mode);
  for (const mode of modes) {
    rates[mode]!.push(thisRound[mode]!.rate);
    cpus[mode]!.push(thisRound[mode]!.cpuPerCall);
  }
  for (const mode of modes.slice(1)) {
    ratios[mode]!.push(thisRound[mode]!.rate / thisRound.off!.rate);
    cpuRatios[mode]!.push(thisRound.off!.cpuPerCall / thisRound[mode]!.cpuPerCall);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`\nmedian req/s: ${modes.map((mode) => `${mode} ${Math.round(median(rates[mode]!))}`).join(', ')}`);
console.log(`median µs CPU/call: ${modes.map((mode) => `${mode} ${Math.round(median(cpus[mode]!))}`).join(', ')}`);
console.log(`median within-round req/s ratio to off: ${modes.slice(1).map((mode) => `${mode} ${median(ratios[mode]!).toFixed(2)}×`).join(', ')}`);
console.log(`median within-round CPU-efficiency ratio (off CPU/call ÷ mode CPU/call): ${modes.slice(1).map((mode) => `${mode} ${median(cpuRatios[mode]!).toFixed(2)}×`).join(', ')}`);
await fake.close();
await rm(dir, { recursive: true, force: true });
