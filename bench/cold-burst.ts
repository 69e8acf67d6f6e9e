// Cold burst: 200 concurrent calls over a simulated 40 ms RTT (latency proxy, TLS) for a
// connection per call, Node's default fetch (first burst cold, later bursts on its kept-alive
// sockets) and gempool warmed over HTTP/2, against the floor: one round trip plus server time,
// measured as the median of sequential calls on a warm connection. Server and proxy run in a
// child process. Raw undici over the same proxy is a reference for what the environment allows.
import { createGeminiPool } from '@gempool/core';
import { connectionPerCallFetch, defaultFetch, type FetchFunction } from '@gempool/testing';
import { Pool } from 'undici';
import { forkFakeServer } from './lib/fork-fake-server.ts';
import { GENERATE_PATH, HEADERS, generateBody } from './lib/bench-clients.ts';
import { loadAverage } from './lib/machine.ts';
import { median, round, summarize, type LatencySummary } from './lib/stats.ts';

export interface ColdBurstOptions {
  rttMs: number;
  burst: number;
  rounds: number;
}

export interface ColdBurstResult {
  options: ColdBurstOptions;
  floorMs: number;
  clients: Record<string, LatencySummary & { p95OverFloor: number; bursts: number }>;
  loadAverage: { start: number[]; end: number[] };
}

async function burst(fetch: FetchFunction, url: string, size: number, offset: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: size }, async (_, i) => {
      const started = performance.now();
      const response = await fetch(url, { method: 'POST', headers: HEADERS, body: generateBody(offset + i) });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`status ${response.status}`);
      return performance.now() - started;
    }),
  );
}

export async function runColdBurst(options: ColdBurstOptions, log: (line: string) => void): Promise<ColdBurstResult> {
  const loadStart = loadAverage();
  const server = await forkFakeServer({ tls: true, seed: 1 }, options.rttMs);
  const origin = server.proxyOrigin!;
  const url = origin + GENERATE_PATH;
  const ca = server.ca!;
  const samples: Record<string, number[]> = { 'connection-per-call': [], 'default-fetch (cold, 1st burst)': [], 'default-fetch (later bursts)': [], 'gempool (warmed, h2)': [], 'undici Pool.request (warmed, h2; reference)': [] };
  const bursts: Record<string, number> = {};
  const record = (name: string, values: number[]) => {
    samples[name]!.push(...values);
    bursts[name] = (bursts[name] ?? 0) + 1;
    const s = summarize(values);
    log(`  ${name.padEnd(40)} p50 ${s.p50.toFixed(1)} ms  p95 ${s.p95.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  load ${loadAverage()[0]}`);
  };
  let offset = 0;
  let floorMs: number;
  const nodeFetch = defaultFetch({ ca });
  try {
    // The floor: one call at a time on a warm HTTP/2 connection.
    {
      const pool = createGeminiPool({ origins: [origin], tls: { ca }, minConnections: 1, maxConnections: 1 });
      await pool.warmup();
      const sequential: number[] = [];
      for (let i = 0; i < 20; i++) sequential.push(...(await burst(pool.fetch, url, 1, offset++)));
      floorMs = median(sequential.slice(5));
      await pool.close();
      log(`  floor (sequential calls on a warm connection): ${floorMs.toFixed(1)} ms (RTT ${options.rttMs} ms)`);
    }
    // A pause between bursts lets the server process finish tearing down the previous client's
    // connections, so one client's aftermath does not land on the next one's numbers.
    const settle = () => new Promise((resolve) => setTimeout(resolve, 1_000));
    for (let round = 0; round < options.rounds; round++) {
      await settle();
      const perCall = connectionPerCallFetch({ ca });
      record('connection-per-call', await burst(perCall.fetch, url, options.burst, (offset += options.burst)));
      await perCall.close();
      await settle();

      record(round === 0 ? 'default-fetch (cold, 1st burst)' : 'default-fetch (later bursts)', await burst(nodeFetch.fetch, url, options.burst, (offset += options.burst)));
      await settle();

      const pool = createGeminiPool({ origins: [origin], tls: { ca } });
      await pool.warmup();
      record('gempool (warmed, h2)', await burst(pool.fetch, url, options.burst, (offset += options.burst)));
      await pool.close();
      await settle();

      // Reference: raw undici over the same proxy, warmed by a few calls, to tell gempool's share
      // of the burst latency from the server's and the proxy's.
      const raw = new Pool(origin, { connections: 10, connect: { ca } });
      await burst(rawFetch(raw), url, 10, (offset += 10));
      record('undici Pool.request (warmed, h2; reference)', await burst(rawFetch(raw), url, options.burst, (offset += options.burst)));
      await raw.close();
    }
  } finally {
    await nodeFetch.close();
    await server.close();
  }
  const clients: ColdBurstResult['clients'] = {};
  for (const [name, values] of Object.entries(samples)) {
    if (values.length === 0) continue;
    const s = summarize(values);
    clients[name] = { count: s.count, p50: round(s.p50, 1), p95: round(s.p95, 1), p99: round(s.p99, 1), max: round(s.max, 1), p95OverFloor: round(s.p95 / floorMs), bursts: bursts[name] ?? 0 };
  }
  return { options, floorMs: round(floorMs, 1), clients, loadAverage: { start: loadStart, end: loadAverage() } };
}

// Pool.request shaped as a fetch, only for the burst helper: reads the body, keeps the status.
function rawFetch(pool: Pool): FetchFunction {
  return async (input, init) => {
    const { statusCode, body } = await pool.request({ path: new URL(String(input)).pathname, method: 'POST', headers: HEADERS, body: init?.body as string });
    return new Response(await body.arrayBuffer(), { status: statusCode });
  };
}
