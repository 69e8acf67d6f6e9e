// Leak detection, HikariCP style: the stack is captured when a lease is taken, one sweeping timer
// (not one per lease) looks for leases whose holder made no progress for `leakTimeoutMs`, and
// each one found is reported once and force-returned. When detection is off, the tracker is a
// shared no-op object, so the hot path has no branch and captures no stack. The call path keeps
// the captured frames unformatted (`captureCallSite`): V8 builds the stack text only when a leak
// is reported and `stackText` reads it.
import { unrefTimer, type Clock, type TimerHandle } from '../clock.js';

export interface TrackedLease {
  /** Last time the holder showed progress (acquired, read a chunk, asked for more). */
  lastProgressAt: number;
  /** True while the holder is waiting on the other side (a read is pending): never a leak. */
  awaitingData: boolean;
  /** Called once by the sweep: free the slot and report the leak. */
  forceReturn(now: number): void;
}

/** The caller's frames, captured but not yet formatted (V8 formats `.stack` on first read). */
export interface CallSite {
  readonly stack?: string;
}

/** The stack text of a captured call site ('' when none was captured). */
export function stackText(site: CallSite | undefined): string {
  const stack = site?.stack;
  return stack === undefined ? '' : stack.replace(/^Error\n/, '');
}

export interface LeakTracker {
  readonly enabled: boolean;
  /** The caller's stack, or undefined when detection is off. */
  captureStack(): string | undefined;
  /** The caller's frames without formatting them (cheap), or undefined when detection is off. */
  captureCallSite(): CallSite | undefined;
  track(lease: TrackedLease): void;
  untrack(lease: TrackedLease): void;
  readonly counts: { detected: number; forceReturned: number };
  close(): void;
}

const noopCounts = Object.freeze({ detected: 0, forceReturned: 0 });

export const noopLeakTracker: LeakTracker = Object.freeze({
  enabled: false,
  captureStack: () => undefined,
  captureCallSite: () => undefined,
  track: () => {},
  untrack: () => {},
  counts: noopCounts,
  close: () => {},
});

export function createLeakTracker(leakTimeoutMs: number, clock: Clock): LeakTracker {
  return leakTimeoutMs > 0 ? new SweepingLeakTracker(leakTimeoutMs, clock) : noopLeakTracker;
}

class SweepingLeakTracker implements LeakTracker {
  readonly enabled = true;
  readonly counts = { detected: 0, forceReturned: 0 };
  readonly #leases = new Set<TrackedLease>();
  readonly #leakTimeoutMs: number;
  readonly #sweepEveryMs: number;
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(leakTimeoutMs: number, clock: Clock) {
    this.#leakTimeoutMs = leakTimeoutMs;
    // A leak is reported between leakTimeoutMs and 1.25 × leakTimeoutMs after the last progress.
    this.#sweepEveryMs = Math.max(1, Math.ceil(leakTimeoutMs / 4));
    this.#clock = clock;
  }

  captureStack(): string | undefined {
    const holder: CallSite = {};
    Error.captureStackTrace(holder, this.captureStack);
    return stackText(holder);
  }

  captureCallSite(): CallSite | undefined {
    const holder: CallSite = {};
    Error.captureStackTrace(holder, this.captureCallSite);
    return holder;
  }

  track(lease: TrackedLease): void {
    this.#leases.add(lease);
    if (this.#timer === undefined && !this.#closed) this.#arm();
  }

  untrack(lease: TrackedLease): void {
    this.#leases.delete(lease);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#leases.clear();
  }

  #arm(): void {
    this.#timer = unrefTimer(this.#clock.setTimeout(() => this.#sweep(), this.#sweepEveryMs));
  }

  #sweep(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    for (const lease of this.#leases) {
      if (lease.awaitingData || now - lease.lastProgressAt < this.#leakTimeoutMs) continue;
      this.#leases.delete(lease);
      this.counts.detected++;
      this.counts.forceReturned++;
      lease.forceReturn(now);
    }
    // Sleep while nothing is tracked: an idle pool keeps no timer.
    if (this.#leases.size > 0 && !this.#closed) this.#arm();
  }
}
