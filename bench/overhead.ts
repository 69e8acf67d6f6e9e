// Overhead on loopback: gempool's fetch (every policy on, with and without telemetry) against
// Node's global fetch, undici fetch over a plain Pool and raw undici Pool.request, side by side in
// one run. The fake server runs in a child process. Rounds alternate the client order; ratios are
// taken within a round (neighbours in time) and the median over rounds is reported.
import { loadAverage } from './lib/machine.ts';
import { runClosedLoop, runCount } from './lib/closed-loop.ts';
import { createBenchClient, type ClientKind } from './lib/bench-clients.ts';
import { forkFakeServer } from './lib/fork-fake-server.ts';
import { fullGc } from './lib/gc.ts';
import { median, round, summarize } from './lib/stats.ts';

export interface OverheadOptions {
  tls: boolean;
  kinds: ClientKind[];
  rounds: number;
  durationMs: number;
  warmupCalls: number;
  concurrency: number;
  connections: number;
  /** Path to another build's packages/core/dist/index.js, for the `gempool-baseline` client. */
  baseline?: string | undefined;
}

export interface ClientFigures {
  rps: number[];
  p50: number[];
  p99: number[];
  errors: number;
  firstError: string | undefined;
}

export interface OverheadResult {
  transport: string;
  options: OverheadOptions;
  clients: Record<string, { medianRps: number; p50Ms: number; p99Ms: number; addedP50Ms: number; addedP99Ms: number; rpsPerRound: number[]; errors: number; firstError?: string }>;
  /** Medians over rounds of the within-round ratio of req/s. */
  ratios: Record<string, number>;
  loadAverage: { start: number[]; end: number[] };
}

export async function runOverhead(options: OverheadOptions, log: (line: string) => void): Promise<OverheadResult> {
  const loadStart = loadAverage();
  const server = await forkFakeServer({ tls: options.tls, seed: 1 });
  const target = { origin: server.origin, ca: server.ca, connections: options.connections, baseline: options.baseline };
  const figures = new Map<ClientKind, ClientFigures>(options.kinds.map((kind) => [kind, { rps: [], p50: [], p99: [], errors: 0, firstError: undefined }]));
  try {
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? options.kinds : [...options.kinds].reverse();
      for (const kind of order) {
        const client = await createBenchClient(kind, target);
        await runCount(client.call, { concurrency: options.concurrency, count: options.warmupCalls });
        fullGc();
        const result = await runClosedLoop(client.call, { concurrency: options.concurrency, durationMs: options.durationMs });
        await client.close();
        const latency = summarize(result.latencies);
        const entry = figures.get(kind)!;
        entry.rps.push(result.rps);
        entry.p50.push(latency.p50);
        entry.p99.push(latency.p99);
        entry.errors += result.errors;
        entry.firstError ??= result.firstError;
        log(`  round ${round + 1} ${kind.padEnd(13)} ${Math.round(result.rps).toString().padStart(6)} req/s  p50 ${latency.p50.toFixed(2)} ms  p99 ${latency.p99.toFixed(2)} ms  errors ${result.errors}  load ${loadAverage()[0]}`);
      }
    }
  } finally {
    await server.close();
  }
  const raw = figures.get('undici-raw');
  const clients: OverheadResult['clients'] = {};
  for (const [kind, entry] of figures) {
    clients[kind] = {
      medianRps: Math.round(median(entry.rps)),
      p50Ms: round(median(entry.p50)),
      p99Ms: round(median(entry.p99)),
      addedP50Ms: raw === undefined ? Number.NaN : round(median(entry.p50) - median(raw.p50)),
      addedP99Ms: raw === undefined ? Number.NaN : round(median(entry.p99) - median(raw.p99)),
      rpsPerRound: entry.rps.map((value) => Math.round(value)),
      errors: entry.errors,
      ...(entry.firstError === undefined ? {} : { firstError: entry.firstError }),
    };
  }
  const ratio = (a: ClientKind, b: ClientKind): number | undefined => {
    const x = figures.get(a);
    const y = figures.get(b);
    if (x === undefined || y === undefined) return undefined;
    return round(median(x.rps.map((value, i) => value / y.rps[i]!)));
  };
  const ratios: Record<string, number> = {};
  for (const [a, b] of [
    ['gempool', 'node-fetch'],
    ['gempool', 'undici-raw'],
    ['gempool', 'gempool-baseline'],
    ['gempool-baseline', 'node-fetch'],
    ['gempool-baseline', 'undici-raw'],
    ['gempool', 'undici-fetch'],
    ['undici-fetch', 'undici-raw'],
    ['node-fetch', 'undici-raw'],
    ['gempool+otel', 'gempool'],
  ] as Array<[ClientKind, ClientKind]>) {
    const value = ratio(a, b);
    if (value !== undefined) ratios[`${a} / ${b}`] = value;
  }
  return { transport: options.tls ? 'HTTPS (TLS, ALPN h2 where the client offers it)' : 'HTTP/1.1 cleartext', options, clients, ratios, loadAverage: { start: loadStart, end: loadAverage() } };
}
