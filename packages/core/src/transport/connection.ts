// One pooled connection: an undici Client (one Client = one connection) over a socket we opened
// ourselves. The Client's connect function hands over that socket on first use; if undici ever asks
// again (the socket died under it), we refuse, because a dead connection is replaced by the pool,
// not silently reconnected, so that created/destroyed counts stay exact.
import type { Socket } from 'node:net';
import type { ClientHttp2Session, Settings } from 'node:http2';
import { Client, errors as undiciErrors } from 'undici';
import { unrefTimer, type Clock, type TimerHandle } from '../clock.js';
import type { EstablishedSocket } from './socket-connector.js';

export interface ConnectionSettings {
  origin: string;
  /** Pool group name, carried into events. */
  pool: string;
  http2: boolean;
  /** Our ceiling on streams per HTTP/2 connection; the server's SETTINGS may lower it. */
  maxConcurrentStreams: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** undici must not close idle connections before our reaper does. */
  idleTimeoutMs: number;
}

// undici 8 has no public pre-connect and does not expose its HTTP/2 session, so we reach both
// through undici's own symbols, found by description: `connect` opens the session at warm-up
// rather than on the first call, `http2Session` is Node's ClientHttp2Session (whose public
// `remoteSettings` event carries the server's SETTINGS_MAX_CONCURRENT_STREAMS), and undici sets
// `max concurrent streams` once those settings have arrived. If a later undici renames them, a
// connection keeps our configured maximum instead of breaking.
const symbols = new Map<string, symbol | undefined>();
function undiciSymbol(target: object, description: string): symbol | undefined {
  // Some are set on the Client only once connected: look again until found.
  if (symbols.get(description) === undefined) {
    let found: symbol | undefined;
    for (let o: object | null = target; o !== null && found === undefined; o = Object.getPrototypeOf(o) as object | null) {
      found = Object.getOwnPropertySymbols(o).find((s) => s.description === description);
    }
    symbols.set(description, found);
  }
  return symbols.get(description);
}

type Internals = Record<symbol, unknown>;

let nextConnectionId = 1;

export class Connection {
  readonly id = nextConnectionId++;
  readonly origin: string;
  readonly pool: string;
  readonly httpVersion: '1.1' | '2';
  readonly tls: boolean;
  readonly client: Client;
  readonly socket: Socket;
  readonly #configuredStreams: number;
  #capacity: number;
  /** Called once when the socket closes for any reason. */
  onClose: ((connection: Connection, hadError: boolean) => void) | undefined;
  /** Called when the server changes its stream limit after the connection was opened. */
  onCapacityChange: ((connection: Connection) => void) | undefined;
  lastError: Error | undefined;

  constructor(established: EstablishedSocket, settings: ConnectionSettings) {
    this.origin = settings.origin;
    this.pool = settings.pool;
    this.httpVersion = established.httpVersion;
    this.tls = established.tls;
    this.socket = established.socket;
    this.#configuredStreams = settings.maxConcurrentStreams;
    this.#capacity = this.httpVersion === '1.1' ? 1 : settings.maxConcurrentStreams;
    let handedOver = false;
    this.client = new Client(settings.origin, {
      connect: (_options, callback) => {
        // Not a SocketError: undici retries those at once, in a synchronous loop that never ends
        // while requests wait; any other error fails the waiting requests (a typed error).
        if (handedOver) return callback(new undiciErrors.ClientDestroyedError(), null);
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
    // A peer that closed gracefully (FIN, after GOAWAY on HTTP/2) makes undici destroy the socket
    // with "other side closed": that is a remote close, not an error.
    let endedByPeer = false;
    established.socket.once('end', () => (endedByPeer = true));
    established.socket.on('error', (error) => {
      if (endedByPeer && (error as { code?: unknown }).code === 'UND_ERR_SOCKET') return;
      this.lastError = error;
    });
    established.socket.once('close', (hadError) => this.onClose?.(this, hadError));
  }

  /**
   * Streams (HTTP/2) or calls (HTTP/1.1) this connection runs at once: on HTTP/2 the server's
   * SETTINGS_MAX_CONCURRENT_STREAMS once known (see learnStreamLimit), capped by our maximum.
   */
  get capacity(): number {
    return this.#capacity;
  }

  /**
   * HTTP/2: opens undici's session over our socket now and resolves once the server's SETTINGS
   * have arrived, so the pool never routes more streams to this connection than the server takes
   * (calls over the limit would otherwise wait inside undici, unseen by the pool's queue). Later
   * SETTINGS update the capacity through `onCapacityChange`. After `timeoutMs` without SETTINGS
   * the configured maximum stays; a socket that closes first rejects.
   */
  learnStreamLimit(clock: Clock, timeoutMs: number): Promise<void> {
    if (this.httpVersion !== '2') return Promise.resolve();
    const client = this.client as unknown as Internals;
    const connect = undiciSymbol(client, 'connect');
    if (connect === undefined || typeof client[connect] !== 'function') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      const onClose = () => settle(this.lastError ?? new undiciErrors.SocketError('connection closed before the server sent its HTTP/2 SETTINGS'));
      const onConnectionError = (_origin: unknown, _targets: unknown, error: Error) => settle(error);
      const settle = (error?: Error) => {
        if (timer === undefined) return;
        clock.clearTimeout(timer);
        timer = undefined;
        this.socket.off('close', onClose);
        this.client.off('connectionError', onConnectionError);
        if (error === undefined) resolve();
        else reject(error);
      };
      timer = unrefTimer(clock.setTimeout(() => settle(), timeoutMs));
      this.socket.once('close', onClose);
      this.client.once('connectionError', onConnectionError);
      (client[connect] as (callback: () => void) => void).call(client, () => {
        const sessionSymbol = undiciSymbol(client, 'http2Session');
        const session = sessionSymbol === undefined ? undefined : (client[sessionSymbol] as ClientHttp2Session | undefined);
        if (session === undefined || session === null) return settle();
        session.on('remoteSettings', (remote: Settings) => {
          this.#setStreamLimit(remote.maxConcurrentStreams);
          settle();
        });
        // undici records the server's limit when its SETTINGS arrive: already here means no event is coming.
        const limitSymbol = undiciSymbol(client, 'max concurrent streams');
        const known = limitSymbol === undefined ? undefined : client[limitSymbol];
        if (typeof known === 'number') {
          this.#setStreamLimit(known);
          settle();
        }
      });
    });
  }

  #setStreamLimit(peerLimit: number | undefined): void {
    // A server may advertise 0 (no new streams for now); the slot pool then routes nothing here.
    const capacity = Math.min(peerLimit ?? this.#configuredStreams, this.#configuredStreams);
    if (capacity === this.#capacity) return;
    this.#capacity = capacity;
    this.onCapacityChange?.(this);
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
