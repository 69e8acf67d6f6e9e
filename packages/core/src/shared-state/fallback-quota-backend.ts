// Redis when it answers, this process otherwise. While Redis is away each instance enforces its
// share of the quota (quota / fleet size: the last one seen, or sharedState.fallbackFleetSize when
// Redis was never reached), so the fleet as a whole still stays near it; a failed Redis command
// never fails the call. Before the first connection attempt has an outcome the backend is not
// ready: callers wait for it (up to their deadline) rather than spend a share decided blind, so
// pods that start together do not each spend a full burst. Pauses are recorded locally too, so
// this instance honours a 429 even if Redis never heard of it.
import type { BucketLimits, TakeResult } from './bucket-limits.js';
import { shareOf } from './bucket-limits.js';
import type { LocalQuotaBackend } from './local-quota-backend.js';
import type { QuotaBackend } from './quota-backend.js';
import type { RedisLink } from './redis-link.js';

export class FallbackQuotaBackend implements QuotaBackend {
  readonly #redis: QuotaBackend;
  readonly #local: LocalQuotaBackend;
  readonly #link: RedisLink;
  readonly #fleetSize: () => number;

  constructor(redis: QuotaBackend, local: LocalQuotaBackend, link: RedisLink, fleetSize: () => number) {
    this.#redis = redis;
    this.#local = local;
    this.#link = link;
    this.#fleetSize = fleetSize;
  }

  ready(): Promise<void> | undefined {
    return this.#link.firstAttempt();
  }

  async take(model: string, limits: BucketLimits, tokens: number): Promise<TakeResult> {
    // A pause this instance saw must hold even when Redis lost it (restart) or never got it.
    const pausedMs = this.#local.pausedForMs(model);
    if (pausedMs > 0) return { granted: false, waitMs: pausedMs, paused: true };
    if (this.#link.connected) {
      try {
        return await this.#redis.take(model, limits, tokens);
      } catch (error) {
        this.#link.noteFallback('quota', error);
        return this.#local.takeNow(model, shareOf(limits, this.#fleetSize()), tokens);
      }
    }
    this.#link.noteFallback('quota');
    return this.#local.takeNow(model, shareOf(limits, this.#fleetSize()), tokens);
  }

  async adjust(model: string, limits: BucketLimits, requestDelta: number, tokenDelta: number): Promise<void> {
    if (this.#link.connected) {
      try {
        return await this.#redis.adjust(model, limits, requestDelta, tokenDelta);
      } catch (error) {
        this.#link.noteFallback('quota', error);
      }
    }
    await this.#local.adjust(model, shareOf(limits, this.#fleetSize()), requestDelta, tokenDelta);
  }

  async pause(model: string, durationMs: number): Promise<void> {
    await this.#local.pause(model, durationMs);
    if (!this.#link.connected) return;
    try {
      await this.#redis.pause(model, durationMs);
    } catch (error) {
      this.#link.noteFallback('quota-pause', error);
    }
  }
}
