// A retry budget (Finagle / gRPC style): retries may be at most `ratio` of the calls seen in the
// rolling window, plus a small floor so a quiet service can still retry. When an outage makes every
// call fail, retries stop growing with it: the budget caps the amplification at 1 + ratio.
import type { Clock } from '../clock.js';
import { RollingCounter } from './rolling-counter.js';

export interface RetryBudgetOptions {
  ratio: number;
  minPerSecond: number;
  windowMs: number;
}

export interface RetryBudget {
  /** Counts a new logical call (first attempt). */
  recordCall(): void;
  /** Takes one retry from the budget; false when the budget is spent. */
  tryAcquire(): boolean;
  /** Retries still allowed in the current window. */
  remaining(): number;
}

export function createRetryBudget(clock: Clock, options: RetryBudgetOptions): RetryBudget {
  const counter = new RollingCounter(clock, options.windowMs, ['calls', 'retries'] as const);
  const floor = options.minPerSecond * (options.windowMs / 1000);
  const allowed = () => Math.max(floor, options.ratio * counter.sum('calls'));
  return {
    recordCall: () => counter.add('calls'),
    tryAcquire() {
      if (counter.sum('retries') + 1 > allowed()) return false;
      counter.add('retries');
      return true;
    },
    remaining: () => Math.max(0, Math.floor(allowed() - counter.sum('retries'))),
  };
}
