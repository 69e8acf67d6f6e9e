// A clock that only moves when a test moves it, for breaker windows, leak thresholds and backoff.
// Implements @gempool/core's Clock, so it is injected with `createGeminiPool({ clock })`.
import type { Clock, TimerHandle } from '@gempool/core';

interface PendingTimer {
  id: number;
  at: number;
  fn: () => void;
}

export interface ManualClock extends Clock {
  /** Moves time forward, firing due timers in order (timers they schedule fire too if due). */
  advance(ms: number): void;
  /** Like advance, but lets promise callbacks run between timers, so async chains progress. */
  advanceAsync(ms: number): Promise<void>;
  /** Timers scheduled and not yet fired. */
  pending(): number;
  /**
   * Moves time in `stepMs` steps, with a 1 ms real pause before each so sockets and TLS (which run
   * on real time) can progress, until `promise` settles or `maxSteps` steps have passed; returns
   * the promise's outcome. For calls that wait on backoff, RetryInfo delays or breaker windows.
   */
  drive<T>(promise: Promise<T>, options?: { stepMs?: number; maxSteps?: number }): Promise<T>;
}

export function createManualClock(start = 0): ManualClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, PendingTimer>();

  const nextDue = (until: number): PendingTimer | undefined => {
    let due: PendingTimer | undefined;
    for (const timer of timers.values()) {
      if (timer.at <= until && (due === undefined || timer.at < due.at || (timer.at === due.at && timer.id < due.id))) due = timer;
    }
    return due;
  };

  return {
    now: () => now,
    setTimeout(fn, ms) {
      const timer = { id: nextId++, at: now + Math.max(0, ms), fn };
      timers.set(timer.id, timer);
      return { id: timer.id, unref() {} } as TimerHandle;
    },
    clearTimeout(handle) {
      timers.delete((handle as { id: number }).id);
    },
    advance(ms) {
      const until = now + ms;
      for (let timer = nextDue(until); timer !== undefined; timer = nextDue(until)) {
        timers.delete(timer.id);
        now = timer.at;
        timer.fn();
      }
      now = until;
    },
    async advanceAsync(ms) {
      const until = now + ms;
      await flushMicrotasks();
      for (let timer = nextDue(until); timer !== undefined; timer = nextDue(until)) {
        timers.delete(timer.id);
        now = timer.at;
        timer.fn();
        await flushMicrotasks();
      }
      now = until;
      await flushMicrotasks();
    },
    pending: () => timers.size,
    async drive(promise, { stepMs = 100, maxSteps = 2_000 } = {}) {
      let settled = false;
      const watched = promise.finally(() => (settled = true));
      watched.catch(() => {});
      for (let step = 0; step < maxSteps && !settled; step++) {
        await new Promise<void>((resolve) => setTimeout(resolve, 1));
        if (!settled) await this.advanceAsync(stepMs);
      }
      return watched;
    },
  };
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
