// Waits on the injected clock, ending at once with AbortedError when the caller's signal fires.
// (Deadlines are handled by the caller of sleep: it never starts a wait that would outlive one.)
import type { Clock } from '../clock.js';
import { AbortedError } from '../errors.js';

export function abortableSleep(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortedError(signal.reason));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(new AbortedError(signal?.reason));
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
