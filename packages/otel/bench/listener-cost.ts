// CPU cost of instrumentGempool's listeners alone, per logical call: the events core emits for one
// successful call (call-start, queue-wait, lease-acquired, attempt-start/-end, lease-released,
// call-end with usage) driven through a real TypedEmitter into the real OpenTelemetry SDK
// (in-memory exporters, batch span processor). No network, so it is steady on a busy machine where
// the end-to-end req/s of telemetry-overhead.ts is not. Never part of `npm test`.
//   npx tsc -b && node_modules/.bin/node packages/otel/bench/listener-cost.ts [calls] [rounds]
// BASELINE=/path/to/another/build/of/@gempool/otel/dist/index.js measures that build alongside,
// alternating per round.
import { TypedEmitter, type CallInfo } from '@gempool/core';
import { instrumentGempool } from '@gempool/otel';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, InMemorySpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';

const calls = Number(process.argv[2] ?? 50_000);
const rounds = Number(process.argv[3] ?? 7);
const baseline = process.env.BASELINE === undefined ? undefined : ((await import(process.env.BASELINE)) as { instrumentGempool: typeof instrumentGempool }).instrumentGempool;
const builds: Array<[string, typeof instrumentGempool]> = [['current', instrumentGempool], ...(baseline === undefined ? [] : [['baseline', baseline] as [string, typeof instrumentGempool]])];
const ORIGIN = 'https://generativelanguage.googleapis.com';

class BenchPool extends TypedEmitter {
  trackUsage(): void {}
}

async function measure(instrument: typeof instrumentGempool): Promise<number> {
  const pool = new BenchPool();
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 60_000 })],
  });
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter, maxQueueSize: 4_096 })] });
  const instrumentation = instrument(pool, { meterProvider, tracerProvider });
  const started = process.cpuUsage();
  for (let callId = 1; callId <= calls; callId++) {
    const info: CallInfo = {
      callId, operation: 'generate_content', method: 'generateContent', model: 'gemini-2.5-flash', apiVersion: 'v1beta',
      provider: 'gcp.gemini', origin: ORIGIN, lane: 'standard', tenant: undefined, streaming: false, startTime: 0,
    };
    pool.emit('call-start', info);
    pool.emit('queue-wait', { callId, lane: 'standard', waitMs: 0, result: 'admitted' });
    pool.emit('lease-acquired', { callId, origin: ORIGIN, pool: 'default', waitMs: 0.2 });
    pool.emit('attempt-start', { callId, attempt: 1, origin: ORIGIN, region: undefined, model: info.model, time: 0 });
    pool.emit('attempt-end', { callId, attempt: 1, origin: ORIGIN, region: undefined, model: info.model, time: 0, status: 200, errorCode: undefined, durationMs: 3 });
    pool.emit('lease-released', { callId, origin: ORIGIN, pool: 'default', waitMs: 0.2, useMs: 3 });
    pool.emit('call-end', {
      ...info, outcome: 'success', status: 200, errorCode: undefined, errorType: undefined, durationMs: 4, attempts: 1, retryReasons: [],
      usage: { inputTokens: 12, outputTokens: 30, cachedTokens: 0, totalTokens: 42 }, finishReasons: ['STOP'], coalesced: false, region: undefined,
      servedModel: info.model,
    });
    // Let the batch span processor drain now and then, as a real event loop would.
    if (callId % 1_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const cpu = process.cpuUsage(started);
  await instrumentation.shutdown();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
  return (cpu.user + cpu.system) / calls;
}

const results = new Map<string, number[]>(builds.map(([name]) => [name, []]));
for (let round = 1; round <= rounds; round++) {
  const order = round % 2 === 1 ? builds : [...builds].reverse();
  for (const [name, instrument] of order) {
    const perCall = await measure(instrument);
    results.get(name)!.push(perCall);
    console.log(`round ${round} ${name.padEnd(8)} ${perCall.toFixed(1)} µs CPU per call`);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`\nmedian µs CPU per call: ${[...results].map(([name, values]) => `${name} ${median(values).toFixed(1)}`).join(', ')}`);
