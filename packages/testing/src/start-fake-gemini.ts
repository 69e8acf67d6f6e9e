// A Gemini-compatible server for tests, benchmarks and the demo: TLS with HTTP/2 + HTTP/1.1
// (ALPN) or plain HTTP/1.1, realistic bodies, a latency model, scripted faults and counters.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { localhostCertificate } from './fake-gemini/certificate.js';
import { Exchange, type AnyRequest, type AnyResponse } from './fake-gemini/exchange.js';
import { resolveFakeGeminiOptions, type FakeGeminiOptions } from './fake-gemini/fake-gemini-options.js';
import { FaultScript } from './fake-gemini/fault-script.js';
import type { Fault } from './fake-gemini/fault-types.js';
import { handleGeminiRequest, type HandlerContext } from './fake-gemini/gemini-handler.js';
import { LatencyModel } from './fake-gemini/latency-model.js';
import { rpcStatusBody } from './fake-gemini/rpc-status.js';
import { StatsRecorder, type FakeGeminiStats } from './fake-gemini/server-stats.js';

export type { FakeGeminiOptions } from './fake-gemini/fake-gemini-options.js';
export type { Fault, FaultKind, FaultAction, FaultMatch, QuotaScope } from './fake-gemini/fault-types.js';
export type { FakeGeminiRequest } from './fake-gemini/gemini-handler.js';
export type { LatencyOption, LatencySpec } from './fake-gemini/latency-model.js';
export type { FakeGeminiStats } from './fake-gemini/server-stats.js';
export { rpcStatusBody } from './fake-gemini/rpc-status.js';

export interface FakeGemini {
  /** `https://127.0.0.1:PORT` or `http://127.0.0.1:PORT`; use as the SDK's `baseUrl`. */
  readonly origin: string;
  readonly host: string;
  readonly port: number;
  /** PEM of the certificate authority to trust (`tls: { ca }`); undefined when `tls: false`. */
  readonly ca: string | undefined;
  stats(): FakeGeminiStats;
  resetStats(): void;
  /** Replaces the fault script; counts start over. */
  setFaults(faults: Fault[]): void;
  /** Stops listening and destroys every connection, hung requests included. Never hangs. */
  close(): Promise<void>;
}

export async function startFakeGemini(options: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const resolved = resolveFakeGeminiOptions(options);
  const script = new FaultScript(resolved.faults);
  const stats = new StatsRecorder();
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const sockets = new Set<Socket>();
  const sessions = new Set<ServerHttp2Session>();
  let sequence = 0;

  const context: HandlerContext = {
    script,
    latency: new LatencyModel(resolved.latency, resolved.seed),
    stats,
    seed: resolved.seed,
    streamChunks: resolved.streamChunks,
    streamIntervalMs: resolved.streamIntervalMs,
    embeddingDimensions: resolved.embeddingDimensions,
    requireApiKey: resolved.requireApiKey,
    responseText: resolved.responseText,
    responseParts: resolved.responseParts,
    nextSequence: () => ++sequence,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const entry = { timer: setTimeout(() => (timers.delete(entry), resolve()), ms), resolve };
        timers.add(entry);
      }),
  };

  const onRequest = (request: AnyRequest, response: AnyResponse): void => {
    const exchange = new Exchange(request, response);
    handleGeminiRequest(exchange, context).catch((error: unknown) => {
      // A bug in the fake (or a throwing responseText) must surface as a 500 or a reset, never a hung test.
      if (exchange.gone) return;
      if (exchange.headersSent) return exchange.resetStream();
      const message = `fake Gemini failed: ${error instanceof Error ? error.message : String(error)}`;
      exchange.writeHead(500, { 'content-type': 'application/json; charset=UTF-8' });
      exchange.end(JSON.stringify(rpcStatusBody(500, { message })));
    });
  };

  let server: HttpServer | Http2SecureServer;
  let ca: string | undefined;
  if (resolved.tls) {
    const { key, cert } = await localhostCertificate();
    ca = cert;
    const secure = createSecureServer({ key, cert, allowHTTP1: true, settings: { maxConcurrentStreams: resolved.maxConcurrentStreams } }, onRequest);
    secure.on('secureConnection', () => stats.tlsHandshakes++);
    secure.on('session', (session: ServerHttp2Session) => {
      sessions.add(session);
      session.once('close', () => sessions.delete(session));
      session.on('error', () => {}); // resets and client aborts are expected here
    });
    secure.on('tlsClientError', () => {});
    server = secure;
  } else {
    const plain = createHttpServer({ keepAliveTimeout: 60_000 }, onRequest);
    plain.on('clientError', (_error, socket) => socket.destroy());
    server = plain;
  }
  server.on('connection', (socket: Socket) => {
    stats.accepted++;
    stats.open++;
    sockets.add(socket);
    socket.on('error', () => {}); // resets are part of the job
    socket.once('close', () => {
      stats.open--;
      sockets.delete(socket);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostInUrl = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  let closing: Promise<void> | undefined;

  return {
    origin: `${resolved.tls ? 'https' : 'http'}://${hostInUrl}:${port}`,
    host: resolved.host,
    port,
    ca,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    setFaults: (faults) => script.replace(faults),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const entry of timers) clearTimeout(entry.timer);
        timers.clear();
        // Reset rather than close: a client holding an idle HTTP/2 connection has our SETTINGS frame
        // unread in its buffer, so it never sees a FIN; an RST reaches it at once (a crash-like restart).
        for (const socket of sockets) resetSocket(socket);
        for (const session of sessions) session.destroy();
      })),
  };
}

/** Sends a TCP RST and destroys the socket (tracked sockets are raw TCP sockets, never TLS wrappers). */
function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy(); // not a TCP handle (cannot happen for 'connection' sockets): close it anyway
  }
}
