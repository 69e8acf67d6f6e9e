// In-process buckets: the embedded default when there is no sharedState, and the fallback while
// Redis is unreachable. Time comes from the injected clock.
import type { Clock } from '../clock.js';
import { refill, takeFromBuckets, type BucketLevels, type BucketLimits, type TakeResult } from './bucket-limits.js';
import type { QuotaBackend } from './quota-backend.js';

export class LocalQuotaBackend implements QuotaBackend {
  readonly #clock: Clock;
  readonly #levels = new Map<string, BucketLevels>();
  readonly #pausedUntil = new Map<string, number>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  take(model: string, limits: BucketLimits, tokens: number): Promise<TakeResult> {
    return Promise.resolve(this.takeNow(model, limits, tokens));
  }

  takeNow(model: string, limits: BucketLimits, tokens: number): TakeResult {
    const now = this.#clock.now();
    const pausedUntil = this.#pausedUntil.get(model);
    if (pausedUntil !== undefined) {
      if (pausedUntil > now) return { granted: false, waitMs: pausedUntil - now, paused: true };
      this.#pausedUntil.delete(model);
    }
    const result = takeFromBuckets(refill(this.#levels.get(model), limits, now), limits, 1, tokens);
    if (result.waitMs > 0) return { granted: false, waitMs: result.waitMs, paused: false };
    this.#levels.set(model, result.levels);
    return { granted: true, waitMs: 0, paused: false };
  }

  adjust(model: string, limits: BucketLimits, requestDelta: number, tokenDelta: number): Promise<void> {
    const levels = refill(this.#levels.get(model), limits, this.#clock.now());
    this.#levels.set(model, {
      requests: Math.min(limits.requestCapacity, levels.requests - requestDelta),
      tokens: Math.min(limits.tokenCapacity, levels.tokens - tokenDelta),
      updatedAt: levels.updatedAt,
    });
    return Promise.resolve();
  }

  pause(model: string, durationMs: number): Promise<void> {
    const until = this.#clock.now() + durationMs;
    if ((this.#pausedUntil.get(model) ?? 0) < until) this.#pausedUntil.set(model, until);
    return Promise.resolve();
  }

  /** Remaining pause for `model`, ms (0 when not paused). */
  pausedForMs(model: string): number {
    return Math.max(0, (this.#pausedUntil.get(model) ?? 0) - this.#clock.now());
  }
}
