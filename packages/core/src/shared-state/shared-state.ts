// Shared state for one pool: the quota limiter (options.quotas) and, with options.sharedState,
// the Redis link that makes quotas and breakers fleet-wide. Without sharedState everything stays
// in this process (same interfaces), and nothing here touches the network.
import type { Clock, TimerHandle } from '../clock.js';
import { unrefTimer } from '../clock.js';
import { DEFAULTS } from '../defaults.js';
import type { TypedEmitter } from '../events.js';
import type { GeminiPoolOptions } from '../options.js';
import { FallbackQuotaBackend } from './fallback-quota-backend.js';
import { LocalQuotaBackend } from './local-quota-backend.js';
import type { QuotaBackend } from './quota-backend.js';
import { createQuotaLimiter, type QuotaLimiter } from './quota-limiter.js';
import { RedisBreakerStore } from './redis-breaker-store.js';
import { RedisLink } from './redis-link.js';
import { RedisQuotaBackend } from './redis-quota-backend.js';
import { SharedBreakerSync, type SharedBreakerTarget } from './shared-breaker-sync.js';
import { validateQuotas, validateSharedState, type ResolvedSharedState } from './validate-shared-state-options.js';

export interface SharedStateStats {
  /** `redis` with options.sharedState, else `local`. */
  mode: 'redis' | 'local';
  connected: boolean;
  /** Decisions made locally because Redis was unavailable. */
  fallbacks: number;
  reconnects: number;
  /**
   * Instances last seen on the breaker channel (1 without Redis); the quota is shared by this
   * many when Redis is away. Until Redis has been reached it is `sharedState.fallbackFleetSize`.
   */
  fleetSize: number;
  /** False until the fleet size was read from Redis (fleetSize is the fallback assumption). */
  fleetSizeKnown: boolean;
  /** Callers waiting for quota, per model. */
  quotaWaiting: Record<string, number>;
  lastError: string | undefined;
}

export interface SharedState {
  /** Undefined when no quotas are configured (nothing to limit, nothing on the hot path). */
  readonly limiter: QuotaLimiter | undefined;
  /** Shares the pool's breakers with the fleet. No-op without options.sharedState. */
  attachBreakers(target: SharedBreakerTarget, options?: { probeLeaseMs?: number }): void;
  stats(): SharedStateStats;
  close(): Promise<void>;
}

export interface SharedStateDeps {
  clock: Clock;
  emitter: TypedEmitter;
}

export function createSharedState(options: Pick<GeminiPoolOptions, 'quotas' | 'sharedState'>, deps: SharedStateDeps): SharedState {
  const quotas = validateQuotas(options.quotas);
  const shared = validateSharedState(options.sharedState);
  const local = new LocalQuotaBackend(deps.clock);
  if (shared === undefined) {
    const limiter = quotas.size === 0 ? undefined : createQuotaLimiter({ quotas, backend: local, ...deps });
    return {
      limiter,
      attachBreakers: () => {},
      stats: () => ({ mode: 'local', connected: false, fallbacks: 0, reconnects: 0, fleetSize: 1, fleetSizeKnown: true, quotaWaiting: limiter?.waiting() ?? {}, lastError: undefined }),
      close: () => Promise.resolve(),
    };
  }
  return new RedisSharedState(quotas.size === 0 ? undefined : quotas, shared, local, deps);
}

class RedisSharedState implements SharedState {
  readonly limiter: QuotaLimiter | undefined;
  readonly #link: RedisLink;
  readonly #store: RedisBreakerStore;
  readonly #deps: SharedStateDeps;
  #sync: SharedBreakerSync | undefined;
  /** Unknown until read from Redis: local decisions before that assume the configured fallback. */
  #fleetSize: number | undefined;
  readonly #fallbackFleetSize: number;
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(quotas: Parameters<typeof createQuotaLimiter>[0]['quotas'] | undefined, shared: ResolvedSharedState, local: LocalQuotaBackend, deps: SharedStateDeps) {
    this.#deps = deps;
    this.#fallbackFleetSize = shared.fallbackFleetSize;
    this.#link = new RedisLink({ url: shared.redis, keyPrefix: shared.keyPrefix }, deps.emitter, deps.clock);
    this.#store = new RedisBreakerStore(this.#link);
    if (quotas !== undefined) {
      const redis = new RedisQuotaBackend(this.#link.commands, shared.keyPrefix);
      const backend: QuotaBackend = new FallbackQuotaBackend(redis, local, this.#link, () => this.#fleetSize ?? this.#fallbackFleetSize);
      this.limiter = createQuotaLimiter({ quotas, backend, ...deps });
    }
    // Subscribing also counts this instance in the fleet size (PUBSUB NUMSUB). After every
    // (re)connect of the subscriber, once subscribed, the records are read again: an open published
    // while we were not yet listening is then found without waiting for the periodic re-sync (which
    // an injected clock may never fire).
    this.#link.subscriber.on('ready', () => {
      this.#store
        .join()
        .then(() => this.#resync(false))
        .catch((error: unknown) => this.#link.noteFallback('subscribe', error));
    });
    this.#link.onReady(() => void this.#resync(true));
    this.#schedule();
  }

  attachBreakers(target: SharedBreakerTarget, options: { probeLeaseMs?: number } = {}): void {
    if (this.#sync !== undefined) return;
    this.#sync = new SharedBreakerSync(this.#store, this.#link, target, this.#deps.emitter, {
      probeLeaseMs: options.probeLeaseMs ?? DEFAULTS.breaker.halfOpenAfterMs,
      clock: this.#deps.clock,
    });
    void this.#resync(false);
  }

  stats(): SharedStateStats {
    const link = this.#link.stats();
    const fleetSize = this.#fleetSize ?? this.#fallbackFleetSize;
    return { mode: 'redis', ...link, fleetSize, fleetSizeKnown: this.#fleetSize !== undefined, quotaWaiting: this.limiter?.waiting() ?? {} };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#sync?.stop();
    await this.#link.close();
  }

  /** Re-reads the fleet (size, open breakers); after a reconnect also re-publishes ours first. */
  async #resync(push: boolean): Promise<void> {
    if (!this.#link.connected || this.#closed) return;
    try {
      this.#fleetSize = await this.#store.fleetSize();
      if (push) await this.#sync?.push();
      await this.#sync?.pull();
    } catch (error) {
      this.#link.noteFallback('resync', error);
    }
  }

  #schedule(): void {
    this.#timer = unrefTimer(
      this.#deps.clock.setTimeout(() => {
        if (this.#closed) return;
        void this.#resync(false).finally(() => {
          if (!this.#closed) this.#schedule();
        });
      }, DEFAULTS.sharedState.syncIntervalMs),
    );
  }
}
