// After-call invariants of the fault, fuzz and security tests: the pool holds nothing (no busy
// connection, no lease, nothing queued, nothing force-returned) and no promise was left rejected
// without a handler anywhere in the process.
import { expect } from 'vitest';
import type { GeminiPool } from '@gempool/core';

export function expectPoolIdle(pool: GeminiPool): void {
  const stats = pool.stats();
  expect({ busy: stats.connections.busy, inFlight: stats.inFlight, queued: stats.queued, forceReturned: stats.leaks.forceReturned }).toEqual({
    busy: 0,
    inFlight: 0,
    queued: 0,
    forceReturned: 0,
  });
}

/**
 * expectPoolIdle once the upstream has finished sending: a stream the SDK abandoned on its error
 * event ends when the upstream does, and HTTP/2 may send END_STREAM in a frame of its own just
 * after the event. Polls real time for at most `withinMs`: far below any leak timeout.
 */
export async function expectPoolIdleOnceUpstreamEnds(pool: GeminiPool, withinMs = 500): Promise<void> {
  const started = Date.now();
  while (pool.stats().inFlight > 0 && Date.now() - started < withinMs) await new Promise((resolve) => setTimeout(resolve, 2));
  expectPoolIdle(pool);
}

export interface RejectionWatch {
  readonly reasons: unknown[];
  stop(): void;
}

/** Records every unhandledRejection from now on (assert `reasons` is empty at the end of the file). */
export function watchUnhandledRejections(): RejectionWatch {
  const reasons: unknown[] = [];
  const listener = (reason: unknown) => reasons.push(reason);
  process.on('unhandledRejection', listener);
  return { reasons, stop: () => process.off('unhandledRejection', listener) };
}
