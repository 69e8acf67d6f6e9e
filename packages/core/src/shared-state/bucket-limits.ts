// A model's quota as two token buckets (requests and tokens). Rates are per millisecond and the
// depth is `burstMs` of quota, so a fleet cannot spend a whole minute's quota in one burst. A
// capacity of 0 means that dimension is not limited. The same numbers feed the Lua script and the
// in-process buckets, so both enforce the same thing.
import type { ResolvedQuota } from './validate-shared-state-options.js';

export interface BucketLimits {
  requestsPerMs: number;
  requestCapacity: number;
  tokensPerMs: number;
  tokenCapacity: number;
}

export function bucketLimits(quota: ResolvedQuota, burstMs: number): BucketLimits {
  const requestsPerMs = quota.rpm === undefined ? 0 : quota.rpm / 60_000;
  const tokensPerMs = quota.tpm === undefined ? 0 : quota.tpm / 60_000;
  return {
    requestsPerMs,
    // At least one request fits, or a small quota could never admit anything.
    requestCapacity: quota.rpm === undefined ? 0 : Math.max(1, requestsPerMs * burstMs),
    tokensPerMs,
    tokenCapacity: quota.tpm === undefined ? 0 : Math.max(1, tokensPerMs * burstMs),
  };
}

export interface BucketLevels {
  requests: number;
  tokens: number;
  /** Time of the last update, in the clock the levels were computed with. */
  updatedAt: number;
}

export interface TakeResult {
  granted: boolean;
  /** When not granted: how long until the take can succeed (ms). */
  waitMs: number;
  /** Not granted because the model is paused fleet-wide after a 429. */
  paused: boolean;
}

/** Levels refilled up to `now` (a new bucket starts full). */
export function refill(levels: BucketLevels | undefined, limits: BucketLimits, now: number): BucketLevels {
  if (levels === undefined) return { requests: limits.requestCapacity, tokens: limits.tokenCapacity, updatedAt: now };
  const elapsed = Math.max(0, now - levels.updatedAt);
  return {
    requests: Math.min(limits.requestCapacity, levels.requests + elapsed * limits.requestsPerMs),
    tokens: Math.min(limits.tokenCapacity, levels.tokens + elapsed * limits.tokensPerMs),
    updatedAt: now,
  };
}

/**
 * Takes `requests` and `tokens` from both buckets, or neither. A cost larger than a bucket is
 * allowed once that bucket is full (it goes into debt), so a large prompt is slowed, never starved.
 * Mirrors the Lua script in redis-quota-script.ts.
 */
export function takeFromBuckets(levels: BucketLevels, limits: BucketLimits, requests: number, tokens: number): { levels: BucketLevels; waitMs: number } {
  let waitMs = 0;
  if (limits.requestCapacity > 0) {
    const need = Math.min(requests, limits.requestCapacity);
    if (levels.requests < need) waitMs = Math.max(waitMs, (need - levels.requests) / limits.requestsPerMs);
  }
  if (limits.tokenCapacity > 0) {
    const need = Math.min(tokens, limits.tokenCapacity);
    if (levels.tokens < need) waitMs = Math.max(waitMs, (need - levels.tokens) / limits.tokensPerMs);
  }
  if (waitMs > 0) return { levels, waitMs: Math.ceil(waitMs) };
  return {
    levels: {
      requests: limits.requestCapacity > 0 ? levels.requests - requests : 0,
      tokens: limits.tokenCapacity > 0 ? levels.tokens - tokens : 0,
      updatedAt: levels.updatedAt,
    },
    waitMs: 0,
  };
}

/** One instance's part of the fleet's limits, for deciding locally while Redis is away. */
export function shareOf(limits: BucketLimits, fleetSize: number): BucketLimits {
  if (fleetSize <= 1) return limits;
  return {
    requestsPerMs: limits.requestsPerMs / fleetSize,
    requestCapacity: limits.requestCapacity === 0 ? 0 : Math.max(1, limits.requestCapacity / fleetSize),
    tokensPerMs: limits.tokensPerMs / fleetSize,
    tokenCapacity: limits.tokenCapacity === 0 ? 0 : Math.max(1, limits.tokenCapacity / fleetSize),
  };
}
