// Where the buckets live: in this process (local) or in Redis (shared by the fleet). The limiter
// and its wait queue only see this interface.
import type { BucketLimits, TakeResult } from './bucket-limits.js';

export interface QuotaBackend {
  /** Takes one request and `tokens` from the model's buckets, atomically, or reports the wait. */
  take(model: string, limits: BucketLimits, tokens: number): Promise<TakeResult>;
  /** Gives back (negative) or charges (positive) requests and tokens after the fact. */
  adjust(model: string, limits: BucketLimits, requestDelta: number, tokenDelta: number): Promise<void>;
  /** No take succeeds for `model` for `durationMs` (a 429 with RetryInfo). Never shortens a pause. */
  pause(model: string, durationMs: number): Promise<void>;
  /** While the backend cannot decide yet (shared state still connecting): settles when it can. */
  ready?(): Promise<void> | undefined;
}
