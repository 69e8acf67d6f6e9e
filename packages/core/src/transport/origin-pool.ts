// The connections of one pool group to one origin: a SlotPool of Connections plus the events and
// stats that make them visible. Routing (least busy, LRU on ties), waiting, retirement and
// reaping live in the shared SlotPool.
import type { Clock } from '../clock.js';
import type { TypedEmitter } from '../events.js';
import type { TlsOptions } from '../options.js';
import { SlotPool, type PoolEntry } from '../resource-pool/slot-pool.js';
import type { SlotSchedulerFactory } from '../resource-pool/slot-scheduler.js';
import { Connection } from './connection.js';
import { mapTransportError } from './map-error.js';
import { SocketConnector } from './socket-connector.js';

export interface OriginPoolSettings {
  origin: string;
  pool: string;
  minConnections: number;
  maxConnections: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  maxLifetimeMs: number;
  maxUsesPerConnection: number;
  validateAfterIdleMs: number;
  maxQueue: number;
  queueTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  http2: boolean;
  maxConcurrentStreams: number;
  tls: TlsOptions | undefined;
  clock: Clock;
  emitter: TypedEmitter;
  scheduler: SlotSchedulerFactory;
}

/** Above this share of a connection's streams, a spare connection opens in the background. */
const HTTP2_PRE_OPEN_LOAD = 0.5;

export class OriginPool {
  readonly origin: string;
  readonly name: string;
  readonly slots: SlotPool<Connection>;
  tlsHandshakes = 0;
  httpVersion: '1.1' | '2' | undefined;
  readonly #emitter: TypedEmitter;
  /** Slots the next connection is expected to offer: the last one's, until one has opened our guess. */
  #expectedCapacity: number;

  constructor(settings: OriginPoolSettings) {
    this.origin = settings.origin;
    this.name = settings.pool;
    this.#emitter = settings.emitter;
    this.#expectedCapacity = settings.http2 && settings.origin.startsWith('https:') ? settings.maxConcurrentStreams : 1;
    const connector = new SocketConnector(settings);
    const connectionSettings = { ...settings, idleTimeoutMs: Math.max(settings.idleTimeoutMs, settings.maxLifetimeMs) };
    this.slots = new SlotPool<Connection>(
      {
        name: `${settings.pool}:${settings.origin}`,
        min: settings.minConnections,
        max: settings.maxConnections,
        create: async () => {
          let established;
          try {
            established = await connector.connect();
          } catch (error) {
            throw mapTransportError(error, settings.origin);
          }
          const connection = new Connection(established, connectionSettings);
          if (established.tls) this.tlsHandshakes++;
          try {
            // The server's stream limit is known before the connection takes its first call.
            await connection.learnStreamLimit(settings.clock, settings.connectTimeoutMs);
          } catch (error) {
            void connection.close(1).catch(() => {});
            throw mapTransportError(error, settings.origin);
          }
          this.httpVersion = connection.httpVersion;
          this.#expectedCapacity = connection.capacity;
          // HTTP/1.1 runs one call per connection; HTTP/2 multiplexes up to the server's stream limit.
          if (connection.httpVersion === '2') this.slots.options.preOpenAtLoad = HTTP2_PRE_OPEN_LOAD;
          return { resource: connection, capacity: connection.capacity };
        },
        destroy: (connection, _reason, active) => connection.close(active),
        validate: (connection) => connection.isAlive(),
        capacityPerResource: 1,
        expectedCapacity: () => this.#expectedCapacity,
        idleTimeoutMs: settings.idleTimeoutMs,
        maxLifetimeMs: settings.maxLifetimeMs,
        maxUses: settings.maxUsesPerConnection,
        validateAfterIdleMs: settings.validateAfterIdleMs,
        queueTimeoutMs: settings.queueTimeoutMs,
        preOpenAtLoad: 0,
        clock: settings.clock,
        onCreated: (entry, warm, createMs) => this.#onCreated(entry, warm, createMs),
        onDestroyed: (entry, reason) => {
          if (this.#emitter.has('connection-destroyed')) {
            const connection = entry.resource;
            this.#emitter.emit('connection-destroyed', {
              origin: this.origin,
              connectionId: connection.id,
              pool: this.name,
              httpVersion: connection.httpVersion,
              reason,
              ageMs: settings.clock.now() - entry.createdAt,
              uses: entry.uses,
            });
          }
        },
        onCreateError: (error) => {
          if (this.#emitter.has('warning')) {
            this.#emitter.emit('warning', { source: 'pool', message: `could not open a connection to ${this.origin}: ${(error as Error).message}` });
          }
        },
      },
      settings.scheduler(`${settings.pool}:${settings.origin}`, settings.maxQueue),
    );
  }

  #onCreated(entry: PoolEntry<Connection>, warm: boolean, createMs: number): void {
    const connection = entry.resource;
    // The socket closing on its own (server restart, reset, GOAWAY) removes the connection now;
    // the pool opens replacements up to the minimum.
    connection.onClose = () => {
      if (!entry.destroyed) this.slots.destroyEntry(entry, connection.lastError === undefined ? 'remote' : 'error');
    };
    // New SETTINGS from the server: route up to its new stream limit.
    connection.onCapacityChange = () => {
      this.#expectedCapacity = connection.capacity;
      if (!entry.destroyed) this.slots.setCapacity(entry, connection.capacity);
    };
    if (this.#emitter.has('connection-created')) {
      this.#emitter.emit('connection-created', {
        origin: this.origin,
        connectionId: connection.id,
        pool: this.name,
        httpVersion: connection.httpVersion,
        createMs,
        tls: connection.tls,
        warm,
      });
    }
  }

  stats(): OriginStats {
    const slots = this.slots;
    let busy = 0;
    let inFlight = 0;
    let capacity = 0;
    for (const entry of slots.entries) {
      if (entry.active > 0) busy++;
      inFlight += entry.active;
      capacity = Math.max(capacity, entry.capacity);
    }
    const perConnection = slots.entries.length > 0 ? capacity : this.#expectedCapacity;
    const max = slots.options.max;
    return {
      pool: this.name,
      httpVersion: this.httpVersion,
      open: slots.entries.length,
      idle: slots.entries.length - busy,
      busy,
      connecting: slots.creating,
      created: slots.created,
      destroyed: slots.destroyedCount,
      tlsHandshakes: this.tlsHandshakes,
      inFlight,
      queued: slots.queued,
      min: slots.options.min,
      max,
      streamsPerConnection: perConnection,
      utilization: max === 0 ? 0 : Math.min(1, inFlight / (max * perConnection)),
    };
  }
}

export interface OriginStats {
  pool: string;
  httpVersion: '1.1' | '2' | undefined;
  open: number;
  idle: number;
  busy: number;
  connecting: number;
  created: number;
  destroyed: number;
  tlsHandshakes: number;
  inFlight: number;
  queued: number;
  min: number;
  max: number;
  streamsPerConnection: number;
  /** Leased slots over the slots `max` connections offer (0..1). */
  utilization: number;
}
