// Time is injected so breaker windows, leak thresholds and backoff run under fake timers or a
// manual clock in tests. The default clock reads the globals at call time, so vitest's fake
// timers apply to it too.

export interface TimerHandle {
  unref?(): unknown;
}

export interface Clock {
  /** Milliseconds, monotonic enough for durations. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A timer that only watches (leak checks, idle reaping) must not keep the process alive. */
export function unrefTimer(handle: TimerHandle): TimerHandle {
  handle.unref?.();
  return handle;
}
