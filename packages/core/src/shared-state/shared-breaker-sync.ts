// Fleet-wide breakers: keeps this instance's breakers and the fleet's in step through Redis.
//   - a breaker that opens here (errors, latency, failed probe) is published with its open time;
//   - a breaker published elsewhere is opened here (reason `shared`) within a second: at once by
//     pub/sub, or by the periodic scan if the message was missed;
//   - on half-open only the instance that wins the probe lease probes; the others stay open for
//     the lease, so a leader that dies is replaced when it runs out;
//   - a probe that succeeds closes the breaker everywhere.
// With Redis away every breaker works locally, as without shared state; when Redis returns the
// breakers open here are published again, so the fleet relearns them.
import type { BreakerStateEvent, TypedEmitter } from '../events.js';
import type { RedisBreakerStore, SharedBreakerMessage } from './redis-breaker-store.js';
import type { RedisLink } from './redis-link.js';

/** What the pool's breaker registry offers shared state (small on purpose). */
export interface SharedBreakerTarget {
  /** Opens `endpoint` here for `openForMs` (then half-open as usual); emits reason `shared`. */
  forceOpen(endpoint: string, openForMs: number): void;
  /** Closes `endpoint` here; emits reason `shared`. No-op when already closed. */
  forceClose(endpoint: string): void;
  /** Endpoints open (not half-open) here, with the time left until half-open. */
  openEndpoints(): Array<{ endpoint: string; openForMs: number }>;
}

export interface SharedBreakerSyncOptions {
  /** How long a probe leader may take before another instance may probe. */
  probeLeaseMs: number;
}

export class SharedBreakerSync {
  readonly #store: RedisBreakerStore;
  readonly #link: RedisLink;
  readonly #target: SharedBreakerTarget;
  readonly #emitter: TypedEmitter;
  readonly #probeLeaseMs: number;
  readonly #onBreakerState = (event: BreakerStateEvent) => this.#onLocalChange(event);

  constructor(store: RedisBreakerStore, link: RedisLink, target: SharedBreakerTarget, emitter: TypedEmitter, options: SharedBreakerSyncOptions) {
    this.#store = store;
    this.#link = link;
    this.#target = target;
    this.#emitter = emitter;
    this.#probeLeaseMs = options.probeLeaseMs;
    emitter.on('breaker-state', this.#onBreakerState);
    store.onMessage((message) => this.#onFleetMessage(message));
  }

  /** Applies breakers open elsewhere that this instance does not know of (missed messages, late join). */
  async pull(): Promise<void> {
    if (!this.#link.connected) return;
    const openHere = new Set(this.#target.openEndpoints().map((open) => open.endpoint));
    for (const { endpoint, openForMs } of await this.#store.openBreakers()) {
      if (!openHere.has(endpoint)) this.#target.forceOpen(endpoint, openForMs);
    }
  }

  /** After Redis returns (empty, perhaps): publishes the breakers open here. */
  async push(): Promise<void> {
    for (const { endpoint, openForMs } of this.#target.openEndpoints()) await this.#store.publishOpen(endpoint, openForMs);
  }

  stop(): void {
    this.#emitter.off('breaker-state', this.#onBreakerState);
  }

  #onFleetMessage(message: SharedBreakerMessage): void {
    if (message.type === 'open') this.#target.forceOpen(message.endpoint, message.openForMs);
    else this.#target.forceClose(message.endpoint);
  }

  #onLocalChange(event: BreakerStateEvent): void {
    if (event.reason === 'shared') return;
    if (event.to === 'open') {
      const openForMs = this.#target.openEndpoints().find((open) => open.endpoint === event.endpoint)?.openForMs;
      if (openForMs !== undefined) this.#whenConnected('breaker-open', () => this.#store.publishOpen(event.endpoint, openForMs));
    } else if (event.to === 'closed') {
      this.#whenConnected('breaker-close', () => this.#store.publishClose(event.endpoint));
    } else if (event.to === 'half-open') {
      this.#whenConnected('breaker-probe', async () => {
        if (!(await this.#store.tryLeadProbe(event.endpoint, this.#probeLeaseMs))) this.#target.forceOpen(event.endpoint, this.#probeLeaseMs);
      });
    }
  }

  /** Runs a Redis step; with Redis away the breaker simply stays local (counted, warned once). */
  #whenConnected(source: string, step: () => Promise<void>): void {
    if (!this.#link.connected) {
      this.#link.noteFallback(source);
      return;
    }
    step().catch((error: unknown) => this.#link.noteFallback(source, error));
  }
}
