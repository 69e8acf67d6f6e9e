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
  };
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
