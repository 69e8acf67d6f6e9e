// The embedded fake Gemini server and its latency proxies, run on a worker thread so the server's
// TLS and HTTP/2 work does not compete for the same core as the client being measured. Speaks a
// tiny request/response protocol with demo-target.ts and pushes its counters every 50 ms.
import { parentPort, workerData } from 'node:worker_threads';
import type { ServerCounters } from './demo-target.js';
import { createEmbeddedServer, type EmbeddedServer } from './embedded-server.js';

export type WorkerRequest = { id: number; op: 'open-phase' } | { id: number; op: 'close-phase' } | { id: number; op: 'counters' } | { id: number; op: 'close' };
export type WorkerMessage = { kind: 'reply'; id: number; value?: unknown; error?: string } | { kind: 'counters'; counters: ServerCounters } | { kind: 'ready'; ca: string | undefined };

const port = parentPort!;
const server: EmbeddedServer = await createEmbeddedServer(workerData as { rttMs: number; calls: number });
const push = setInterval(() => post({ kind: 'counters', counters: server.counters() }), 50);

port.on('message', (request: WorkerRequest) => {
  handle(request).then(
    (value) => post({ kind: 'reply', id: request.id, value }),
    (error: unknown) => post({ kind: 'reply', id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
post({ kind: 'ready', ca: server.ca });

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case 'open-phase':
      return server.openPhase();
    case 'close-phase':
      return server.closePhase();
    case 'counters':
      return server.counters();
    case 'close':
      clearInterval(push);
      await server.close();
      port.close();
      return undefined;
  }
}

function post(message: WorkerMessage): void {
  port.postMessage(message);
}
