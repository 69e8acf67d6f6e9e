// A caller waiting on work it shares with others (a coalesced follower, an embedding batched with
// other calls) still ends at its own deadline or abort, whatever the shared work does.
import { remainingMs, type Call } from '../call.js';
import type { Clock } from '../clock.js';
import { AbortedError, DeadlineExceededError, isGempoolError } from '../errors.js';

/** Waits for `promise`, or rejects as soon as the call's own signal aborts or its own deadline passes. */
export function untilOwnEnd<T>(promise: Promise<T>, call: Pick<Call, 'signal' | 'startTime'>, deadline: number | undefined, clock: Clock): Promise<T> {
  const { signal } = call;
  if (signal === undefined && deadline === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedError(signal?.reason));
    if (signal?.aborted === true) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = deadline === undefined ? undefined : clock.setTimeout(() => reject(new DeadlineExceededError(deadline - call.startTime)), deadline - clock.now());
    promise.then(resolve, reject).finally(() => {
      signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) clock.clearTimeout(timer);
    });
  });
}

/**
 * The shared work ended by someone else's abort or deadline: that is not this caller's failure,
 * and it may send on its own — unless its own signal or deadline is what ended the wait.
 */
export function endedByOthers(error: unknown, call: Pick<Call, 'signal'>, deadline: number | undefined, clock: Clock): boolean {
  if (!isGempoolError(error, 'ABORTED') && !isGempoolError(error, 'DEADLINE_EXCEEDED')) return false;
  const ownEnd = call.signal?.aborted === true || remainingMs({ deadline } as Call, clock.now()) <= 0;
  return !ownEnd;
}
