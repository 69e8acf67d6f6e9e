// One pooled connection: an undici Client (one Client = one connection) over a socket we opened
// ourselves. The Client's connect function hands over that socket on first use; if undici ever asks
// again (the socket died under it), we refuse, because a dead connection is replaced by the pool,
// not silently reconnected, so that created/destroyed counts stay exact.
import type { Socket } from 'node:net';
import { Client, errors as undiciErrors } from 'undici';
import type { EstablishedSocket } from './socket-connector.js';

export interface ConnectionSettings {
  origin: string;
  /** Pool group name, carried into events. */
  pool: string;
  http2: boolean;
  maxConcurrentStreams: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** undici must not close idle connections before our reaper does. */
  idleTimeoutMs: number;
}

let nextConnectionId = 1;
let maxStreamsSymbol: symbol | undefined | null = null;

export class Connection {
  readonly id = nextConnectionId++;
  readonly origin: string;
  readonly pool: string;
  readonly httpVersion: '1.1' | '2';
  readonly tls: boolean;
  readonly client: Client;
  readonly socket: Socket;
  readonly #configuredStreams: number;
  /** Called once when the socket closes for any reason. */
  onClose: ((connection: Connection, hadError: boolean) => void) | undefined;
  lastError: Error | undefined;

  constructor(established: EstablishedSocket, settings: ConnectionSettings) {
    this.origin = settings.origin;
    this.pool = settings.pool;
    this.httpVersion = established.httpVersion;
    this.tls = established.tls;
    this.socket = established.socket;
    this.#configuredStreams = settings.maxConcurrentStreams;
    let handedOver = false;
    this.client = new Client(settings.origin, {
      connect: (_options, callback) => {
        if (handedOver) return callback(new undiciErrors.SocketError('pooled connection closed'), null);
        handedOver = true;
        queueMicrotask(() => callback(null, established.socket));
      },
      allowH2: settings.http2,
      maxConcurrentStreams: settings.maxConcurrentStreams,
      headersTimeout: settings.headersTimeoutMs,
      bodyTimeout: settings.bodyTimeoutMs,
      keepAliveTimeout: settings.idleTimeoutMs,
      keepAliveMaxTimeout: settings.idleTimeoutMs,
    });
    // Keep an 'error' listener until undici attaches its own, so a reset on an idle warm socket
    // is not an uncaught exception.
    established.socket.on('error', (error) => {
      this.lastError = error;
    });
    established.socket.once('close', (hadError) => this.onClose?.(this, hadError));
  }

  /** Streams (HTTP/2) or calls (HTTP/1.1) this connection runs at once. */
  get capacity(): number {
    if (this.httpVersion === '1.1') return 1;
    // undici keeps the server-confirmed SETTINGS_MAX_CONCURRENT_STREAMS (capped by ours) on the
    // Client under a private symbol; read it when present, else our configured maximum.
    if (maxStreamsSymbol === null) maxStreamsSymbol = Object.getOwnPropertySymbols(this.client).find((s) => s.description === 'max concurrent streams');
    const negotiated = maxStreamsSymbol === undefined ? undefined : (this.client as unknown as Record<symbol, unknown>)[maxStreamsSymbol];
    return typeof negotiated === 'number' && negotiated > 0 ? Math.min(negotiated, this.#configuredStreams) : this.#configuredStreams;
  }

  /**
   * Honest liveness check without a round trip: the socket is open, readable, writable and has
   * not errored. (An HTTP/2 PING cannot be sent through undici's session from outside.)
   */
  isAlive(): boolean {
    const socket = this.socket;
    return !socket.destroyed && socket.readable && socket.writable && socket.errored === null && !this.client.destroyed && !this.client.closed;
  }

  /** Graceful when idle (lets undici finish), immediate when calls are still running. */
  async close(active: number): Promise<void> {
    try {
      if (active === 0 && !this.client.closed && !this.client.destroyed) await this.client.close();
      else if (!this.client.destroyed) await this.client.destroy();
    } finally {
      // A warm socket undici never used is not undici's to close.
      this.socket.destroy();
    }
  }
}
