// Fleet-wide breakers: keeps this instance's breakers and the fleet's in step through Redis.
//   - a breaker that opens here (errors, latency, failed probe) is published with its open time
//     and the time it goes half-open (`until`, on the pools' clock);
//   - a breaker published elsewhere is opened here (reason `shared`) within a second: at once by
//     pub/sub, or by the periodic scan if the message was missed (only while its `until` is still
//     ahead: past it, half-open is each instance's own decision);
//   - the instance that holds the probe lease when the breaker opens leads the episode: it goes
//     half-open and probes; every other instance is opened for one lease longer, so it is still
//     open while the leader probes. That decision is made when the open is learned, on the local
//     clock, so it holds under an injected clock and needs no Redis round trip at half-open time.
//     A non-leader that reaches half-open anyway (the leader died or had no traffic) asks for the
//     lease then, and stays open for another lease if it is taken;
//   - a probe that succeeds closes the breaker everywhere.
// With Redis away every breaker works locally, as without shared state; when Redis returns the
// breakers open here are published again, so the fleet relearns them.
import type { Clock } from '../clock.js';
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
  clock: Clock;
}

export class SharedBreakerSync {
  readonly #store: RedisBreakerStore;
  readonly #link: RedisLink;
  readonly #target: SharedBreakerTarget;
  readonly #emitter: TypedEmitter;
  readonly #probeLeaseMs: number;
  readonly #clock: Clock;
  /** Probe leader of each endpoint's current open episode, as last heard. */
  readonly #leaders = new Map<string, string>();
  readonly #onBreakerState = (event: BreakerStateEvent) => this.#onLocalChange(event);

  constructor(store: RedisBreakerStore, link: RedisLink, target: SharedBreakerTarget, emitter: TypedEmitter, options: SharedBreakerSyncOptions) {
    this.#store = store;
    this.#link = link;
    this.#target = target;
    this.#emitter = emitter;
    this.#probeLeaseMs = options.probeLeaseMs;
    this.#clock = options.clock;
    emitter.on('breaker-state', this.#onBreakerState);
    store.onMessage((message) => this.#onFleetMessage(message));
  }

  /** Applies breakers open elsewhere that this instance does not know of (missed messages, late join). */
  async pull(): Promise<void> {
    if (!this.#link.connected) return;
    const records = await this.#store.openBreakers();
    const openHere = new Set(this.#target.openEndpoints().map((open) => open.endpoint));
    const now = this.#clock.now();
    for (const { endpoint, until, openForMs, leader } of records) {
      if (leader !== undefined) this.#leaders.set(endpoint, leader);
      if (openHere.has(endpoint)) continue;
      // Never longer than it was opened for, whatever the clocks' skew.
      const remainingMs = Math.min(openForMs, until - now);
      if (remainingMs > 0) this.#target.forceOpen(endpoint, this.#heldOpenFor(endpoint, remainingMs));
    }
  }

  /** After Redis returns (empty, perhaps): publishes the breakers open here. */
  async push(): Promise<void> {
    for (const { endpoint, openForMs } of this.#target.openEndpoints()) await this.#publishOpen(endpoint, openForMs);
  }

  stop(): void {
    this.#emitter.off('breaker-state', this.#onBreakerState);
  }

  #onFleetMessage(message: SharedBreakerMessage): void {
    if (message.type === 'close') {
      this.#leaders.delete(message.endpoint);
      this.#target.forceClose(message.endpoint);
      return;
    }
    if (typeof message.leader === 'string') this.#leaders.set(message.endpoint, message.leader);
    this.#target.forceOpen(message.endpoint, this.#heldOpenFor(message.endpoint, message.openForMs));
  }

  /** A non-leader stays open one lease longer than the leader, so only the leader probes. */
  #heldOpenFor(endpoint: string, openForMs: number): number {
    const leader = this.#leaders.get(endpoint);
    return leader === undefined || leader === this.#link.instanceId ? openForMs : openForMs + this.#probeLeaseMs;
  }

  async #publishOpen(endpoint: string, openForMs: number): Promise<void> {
    const leader = await this.#store.publishOpen(endpoint, openForMs, this.#clock.now() + openForMs, this.#probeLeaseMs);
    this.#leaders.set(endpoint, leader);
    if (leader === this.#link.instanceId) return;
    // Another instance leads this episode: stay open through its probe (only extends, no event).
    const stillOpen = this.#target.openEndpoints().find((open) => open.endpoint === endpoint);
    if (stillOpen !== undefined) this.#target.forceOpen(endpoint, stillOpen.openForMs + this.#probeLeaseMs);
  }

  #onLocalChange(event: BreakerStateEvent): void {
    if (event.reason === 'shared') return;
    if (event.to === 'open') {
      const openForMs = this.#target.openEndpoints().find((open) => open.endpoint === event.endpoint)?.openForMs;
      if (openForMs !== undefined) this.#whenConnected('breaker-open', () => this.#publishOpen(event.endpoint, openForMs));
    } else if (event.to === 'closed') {
      this.#leaders.delete(event.endpoint);
      this.#whenConnected('breaker-close', () => this.#store.publishClose(event.endpoint));
    } else if (event.to === 'half-open' && this.#leaders.get(event.endpoint) !== this.#link.instanceId) {
      // Not the known leader (unknown, or a leader that never closed it): contend for the lease.
      this.#whenConnected('breaker-probe', async () => {
        if (await this.#store.tryLeadProbe(event.endpoint, this.#probeLeaseMs)) this.#leaders.set(event.endpoint, this.#link.instanceId);
        else this.#target.forceOpen(event.endpoint, this.#probeLeaseMs);
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
