// The clients the overhead benchmark compares, each as `call(sequence)` that sends one small
// Gemini-shaped generateContent and reads the whole body. Every prompt is unique (the sequence
// number is in it) so gempool's coalescing is on but never shares a call: it is a cost, not a win.
import { createGeminiPool } from '@gempool/core';
import { pathToFileURL } from 'node:url';
import { instrumentGempool } from '@gempool/otel';
import { defaultFetch } from '@gempool/testing';
import { Pool, fetch as undiciFetch } from 'undici';
import type { BenchCall } from './closed-loop.ts';
import { createBenchTelemetry } from './telemetry-providers.ts';

export const GENERATE_PATH = '/v1beta/models/gemini-2.5-flash:generateContent';
export const HEADERS = { 'content-type': 'application/json', 'x-goog-api-key': 'bench-key' };

export function generateBody(sequence: number): string {
  return JSON.stringify({ contents: [{ role: 'user', parts: [{ text: `bench call ${sequence}: say hello` }] }] });
}

export interface BenchClient {
  readonly name: string;
  readonly call: BenchCall;
  close(): Promise<void>;
}

export interface ClientTarget {
  origin: string;
  ca: string | undefined;
  connections: number;
  /** `--baseline=<path to another build's packages/core/dist/index.js>`: the `gempool-baseline` client. */
  baseline?: string | undefined;
}

/** `gempool-baseline` is another build of @gempool/core (e.g. the previous commit), for before/after in one run. */
export type ClientKind = 'gempool' | 'gempool-baseline' | 'gempool+otel' | 'node-fetch' | 'undici-fetch' | 'undici-raw';

export async function createBenchClient(kind: ClientKind, target: ClientTarget): Promise<BenchClient> {
  const url = target.origin + GENERATE_PATH;
  const tls = target.ca === undefined ? {} : { ca: target.ca };
  if (kind === 'gempool' || kind === 'gempool+otel' || kind === 'gempool-baseline') {
    if (kind === 'gempool-baseline' && target.baseline === undefined) throw new Error('the gempool-baseline client needs --baseline=<path to packages/core/dist/index.js>');
    const create = kind === 'gempool-baseline' ? ((await import(pathToFileURL(target.baseline!).href)) as { createGeminiPool: typeof createGeminiPool }).createGeminiPool : createGeminiPool;
    // Every policy at its default (lanes, breaker, retry, coalescing, leak tracking on).
    const pool = create({ origins: [target.origin], tls, minConnections: Math.min(10, target.connections), maxConnections: target.connections });
    await pool.warmup();
    const telemetry = kind === 'gempool+otel' ? createBenchTelemetry() : undefined;
    const instrumentation = telemetry && instrumentGempool(pool, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider, ledger: false });
    return {
      name: kind,
      call: async (sequence) => {
        const response = await pool.fetch(url, { method: 'POST', headers: HEADERS, body: generateBody(sequence) });
        await response.arrayBuffer();
      },
      async close() {
        await instrumentation?.shutdown();
        await telemetry?.shutdown();
        await pool.close();
      },
    };
  }
  if (kind === 'node-fetch') {
    // Node's global fetch has no connection limit and no dispatcher option that takes undici 8.
    const baseline = defaultFetch(tls);
    return {
      name: kind,
      call: async (sequence) => {
        const response = await baseline.fetch(url, { method: 'POST', headers: HEADERS, body: generateBody(sequence) });
        await response.arrayBuffer();
      },
      close: () => baseline.close(),
    };
  }
  const pool = new Pool(target.origin, { connections: target.connections, connect: tls });
  if (kind === 'undici-fetch') {
    return {
      name: kind,
      call: async (sequence) => {
        const response = await undiciFetch(url, { method: 'POST', headers: HEADERS, body: generateBody(sequence), dispatcher: pool });
        await response.arrayBuffer();
      },
      close: () => pool.close(),
    };
  }
  return {
    name: kind,
    call: async (sequence) => {
      const { body } = await pool.request({ path: GENERATE_PATH, method: 'POST', headers: HEADERS, body: generateBody(sequence) });
      await body.arrayBuffer();
    },
    close: () => pool.close(),
  };
}
