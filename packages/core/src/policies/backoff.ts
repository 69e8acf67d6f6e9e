// Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
// delay = random(0, min(cap, base · 2^retry)). Full jitter spreads a fleet's retries evenly, so a
// 429 storm does not come back as a synchronized second storm. `random` is injectable for tests.

export interface Backoff {
  /** Delay before retry number `retry` (0 = the first retry). */
  delayMs(retry: number): number;
}

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Returns [0, 1). Default Math.random. */
  random?: () => number;
}

export function createFullJitterBackoff(options: BackoffOptions): Backoff {
  const { baseDelayMs, maxDelayMs } = options;
  const random = options.random ?? Math.random;
  return {
    delayMs(retry) {
      // 2 ** 31 already exceeds any sane cap; bounding the exponent avoids Infinity.
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(retry, 31));
      return Math.floor(random() * ceiling);
    },
  };
}
