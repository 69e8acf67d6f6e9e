// What a breaker judges an endpoint by: calls, failures and slow calls over a rolling window.
// p99 > threshold is decided exactly without keeping samples: with n calls in the window, the
// nearest-rank p99 is above T exactly when more than n − ceil(0.99·n) calls took longer than T.
import type { Clock } from '../clock.js';
import { RollingCounter } from './rolling-counter.js';

export interface WindowVerdict {
  calls: number;
  failures: number;
  slow: number;
  errorRate: number;
}

export class LatencyWindow {
  readonly #counter: RollingCounter<'calls' | 'failures' | 'slow'>;
  readonly #latencyThresholdMs: number;

  constructor(clock: Clock, windowMs: number, latencyThresholdMs: number) {
    this.#counter = new RollingCounter(clock, windowMs, ['calls', 'failures', 'slow'] as const);
    this.#latencyThresholdMs = latencyThresholdMs;
  }

  /** Records one finished call. Returns true when it could have changed a verdict (failure or slow). */
  record(durationMs: number, failed: boolean): boolean {
    this.#counter.add('calls');
    if (failed) this.#counter.add('failures');
    const slow = this.#latencyThresholdMs > 0 && durationMs > this.#latencyThresholdMs;
    if (slow) this.#counter.add('slow');
    return failed || slow;
  }

  verdict(): WindowVerdict {
    const calls = this.#counter.sum('calls');
    const failures = this.#counter.sum('failures');
    return { calls, failures, slow: this.#counter.sum('slow'), errorRate: calls === 0 ? 0 : failures / calls };
  }

  /** True when the nearest-rank p99 of the window's durations exceeds the latency threshold. */
  p99Exceeded(): boolean {
    if (this.#latencyThresholdMs <= 0) return false;
    const calls = this.#counter.sum('calls');
    return calls > 0 && this.#counter.sum('slow') > calls - Math.ceil(0.99 * calls);
  }

  reset(): void {
    this.#counter.reset();
  }
}
