// Memory and file descriptors: heap (after a full GC) and open fds sampled across many gempool
// calls (flat is the goal; the slope after warm-up is reported), and the heap cost of one call
// held in flight (server `hang` fault), for gempool and for undici fetch over a Pool.
import { readdirSync } from 'node:fs';
import { createGeminiPool } from '@gempool/core';
import { Pool, fetch as undiciFetch } from 'undici';
import { runCount } from './lib/closed-loop.ts';
import { GENERATE_PATH, HEADERS, generateBody } from './lib/bench-clients.ts';
import { forkFakeServer, type RemoteFakeServer } from './lib/fork-fake-server.ts';
import { settledHeap } from './lib/gc.ts';
import { loadAverage } from './lib/machine.ts';
import { round, slope } from './lib/stats.ts';

export const openFds = (): number => readdirSync('/proc/self/fd').length;

export interface MemorySample {
  calls: number;
  heapMiB: number;
  fds: number;
  connections: number;
}

export interface MemoryResult {
  calls: number;
  seconds: number;
  samples: MemorySample[];
  /** Least-squares heap slope after the first quarter of the run, bytes per 1000 calls. */
  heapSlopeBytesPer1000Calls: number;
  fds: { start: number; end: number; max: number };
  inFlight: Record<string, { held: number; bytesPerCall: number; settledTyped: number }>;
  loadAverage: { start: number[]; end: number[] };
}

export async function runMemory(options: { calls: number; samples: number; inFlight: number }, log: (line: string) => void): Promise<MemoryResult> {
  const loadStart = loadAverage();
  const server = await forkFakeServer({ tls: true, seed: 1 });
  const samples: MemorySample[] = [];
  let seconds: number;
  const inFlight: MemoryResult['inFlight'] = {};
  try {
    const pool = createGeminiPool({ origins: [server.origin], tls: { ca: server.ca! }, maxConnections: 50 });
    await pool.warmup();
    const url = server.origin + GENERATE_PATH;
    const call = async (sequence: number) => {
      const response = await pool.fetch(url, { method: 'POST', headers: HEADERS, body: generateBody(sequence) });
      await response.arrayBuffer();
    };
    const step = Math.max(1, Math.floor(options.calls / options.samples));
    const sample = (calls: number) => {
      const stats = pool.stats() as unknown as { connections?: { open?: number } };
      samples.push({ calls, heapMiB: round(settledHeap() / 2 ** 20, 3), fds: openFds(), connections: stats.connections?.open ?? Number.NaN });
      const last = samples[samples.length - 1]!;
      log(`  ${calls.toString().padStart(8)} calls  heap ${last.heapMiB.toFixed(2)} MiB  fds ${last.fds}  load ${loadAverage()[0]}`);
    };
    const started = performance.now();
    sample(0);
    for (let done = 0; done < options.calls; done += step) {
      await runCount((i) => call(done + i), { concurrency: 100, count: Math.min(step, options.calls - done) });
      sample(Math.min(options.calls, done + step));
    }
    seconds = (performance.now() - started) / 1000;
    await pool.close();
    inFlight.gempool = await heldInFlight(server, options.inFlight, 'gempool');
    inFlight['undici-fetch'] = await heldInFlight(server, options.inFlight, 'undici-fetch');
  } finally {
    await server.close();
  }
  const afterWarmup = samples.filter((s) => s.calls >= options.calls / 4);
  const fds = samples.map((s) => s.fds);
  return {
    calls: options.calls,
    seconds: round(seconds, 1),
    samples,
    heapSlopeBytesPer1000Calls: Math.round(slope(afterWarmup.map((s) => ({ x: s.calls / 1000, y: s.heapMiB * 2 ** 20 })))),
    fds: { start: fds[0]!, end: fds[fds.length - 1]!, max: Math.max(...fds) },
    inFlight,
    loadAverage: { start: loadStart, end: loadAverage() },
  };
}

// Holds `count` calls in flight against a hanging server, measures the settled heap delta, then
// aborts them all and counts how many ended in an error (all should).
async function heldInFlight(server: RemoteFakeServer, count: number, kind: 'gempool' | 'undici-fetch') {
  const url = server.origin + GENERATE_PATH;
  const connections = Math.ceil(count / 100) + 2;
  const pool = kind === 'gempool' ? createGeminiPool({ origins: [server.origin], tls: { ca: server.ca! }, minConnections: connections, maxConnections: connections }) : undefined;
  const undiciPool = kind === 'undici-fetch' ? new Pool(server.origin, { connections, connect: { ca: server.ca! } }) : undefined;
  const fetch = (sequence: number, signal: AbortSignal) =>
    pool !== undefined
      ? pool.fetch(url, { method: 'POST', headers: HEADERS, body: generateBody(sequence), signal })
      : (undiciFetch(url, { method: 'POST', headers: HEADERS, body: generateBody(sequence), signal, dispatcher: undiciPool }) as unknown as Promise<Response>);
  // Warm both the connections and the code paths before the baseline heap.
  await Promise.all(Array.from({ length: connections * 2 }, async (_, i) => (await fetch(i, new AbortController().signal)).arrayBuffer()));
  await server.setFaults([{ kind: 'hang', times: Infinity }]);
  await server.resetStats();
  const before = settledHeap();
  const controllers = Array.from({ length: count }, () => new AbortController());
  const settled = controllers.map((controller, i) => fetch(1e9 + i, controller.signal).then(() => false, () => true));
  const deadline = Date.now() + 20_000;
  while ((await server.stats()).inFlight < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const held = (await server.stats()).inFlight;
  const after = settledHeap();
  for (const controller of controllers) controller.abort();
  const failed = (await Promise.all(settled)).filter(Boolean).length;
  await server.setFaults([]);
  await pool?.close({ timeoutMs: 1_000 });
  await undiciPool?.destroy();
  return { held, bytesPerCall: Math.round((after - before) / Math.max(1, held)), settledTyped: failed };
}
