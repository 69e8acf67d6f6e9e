// Where the demo's calls go: the embedded fake server (embedded-server.ts) — on a worker thread
// when the compiled worker is available, so server work does not share the client's core — or
// the real Gemini API, with no faults and no server-side counters.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createEmbeddedServer, EMBEDDED_KEY } from './embedded-server.js';
import type { WorkerMessage, WorkerRequest } from './embedded-server-worker.js';

export interface ServerCounters {
  connectionsOpen: number;
  connectionsOpened: number;
  tlsHandshakes: number;
  requests: number;
  faultsInjected: Record<string, number>;
}

export interface PhaseEndpoint {
  /** Origin the SDK calls in this phase. */
  origin: string;
  /** The latest server counters for this phase, for live sampling (embedded server only). */
  serverCounters(): ServerCounters | undefined;
  /** Up-to-date counters, once the phase is over. */
  finalCounters(): Promise<ServerCounters | undefined>;
  close(): Promise<void>;
}

export interface DemoTarget {
  readonly real: boolean;
  readonly description: string;
  readonly apiKey: string;
  /** CA to trust (embedded server only). */
  readonly ca: string | undefined;
  openPhase(): Promise<PhaseEndpoint>;
  close(): Promise<void>;
}

export const REAL_ORIGIN = 'https://generativelanguage.googleapis.com';

export function realTarget(apiKey: string): DemoTarget {
  return {
    real: true,
    description: `the real Gemini API (${REAL_ORIGIN})`,
    apiKey,
    ca: undefined,
    openPhase: async () => ({ origin: REAL_ORIGIN, serverCounters: () => undefined, finalCounters: async () => undefined, close: async () => {} }),
    close: async () => {},
  };
}

const WORKER_URL = new URL('./embedded-server-worker.js', import.meta.url);

/** The compiled worker exists in dist/; running from sources (tests) keeps the server in-process. */
export function workerAvailable(): boolean {
  return WORKER_URL.protocol === 'file:' && existsSync(fileURLToPath(WORKER_URL));
}

export async function startEmbeddedTarget(options: { rttMs: number; calls: number; worker: boolean }): Promise<DemoTarget> {
  const where = options.worker ? 'on a worker thread' : 'in this thread';
  const description = `the embedded fake Gemini server (TLS, HTTP/2 + HTTP/1.1, ${where}) behind a ${options.rttMs} ms RTT latency proxy`;
  if (!options.worker) {
    const server = await createEmbeddedServer(options);
    return {
      real: false,
      description,
      apiKey: EMBEDDED_KEY,
      ca: server.ca,
      async openPhase() {
        const origin = await server.openPhase();
        return { origin, serverCounters: () => server.counters(), finalCounters: async () => server.counters(), close: () => server.closePhase() };
      },
      close: () => server.close(),
    };
  }
  const remote = await startWorker(options);
  return {
    real: false,
    description,
    apiKey: EMBEDDED_KEY,
    ca: remote.ca,
    async openPhase() {
      const origin = (await remote.call('open-phase')) as string;
      return {
        origin,
        serverCounters: () => remote.latest,
        finalCounters: async () => (remote.latest = (await remote.call('counters')) as ServerCounters),
        close: async () => void (await remote.call('close-phase')),
      };
    },
    close: () => remote.close(),
  };
}

interface RemoteServer {
  ca: string | undefined;
  latest: ServerCounters | undefined;
  call(op: WorkerRequest['op']): Promise<unknown>;
  close(): Promise<void>;
}

async function startWorker(options: { rttMs: number; calls: number }): Promise<RemoteServer> {
  const worker = new Worker(WORKER_URL, { workerData: { rttMs: options.rttMs, calls: options.calls } });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  };
  const ready = new Promise<string | undefined>((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'ready') return resolve(message.ca);
      if (message.kind === 'counters') return void (remote.latest = message.counters);
      const entry = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) entry?.reject(new Error(`embedded server: ${message.error}`));
      else entry?.resolve(message.value);
    });
    worker.once('error', (error) => (failAll(error), reject(error)));
    worker.once('exit', (code) => failAll(new Error(`embedded server worker exited (${code})`)));
  });
  const remote: RemoteServer = {
    ca: undefined,
    latest: undefined,
    call(op) {
      if (failure !== undefined) return Promise.reject(failure);
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, op } satisfies WorkerRequest);
      });
    },
    async close() {
      await remote.call('close').catch(() => {});
      await worker.terminate();
    },
  };
  remote.ca = await ready;
  return remote;
}
