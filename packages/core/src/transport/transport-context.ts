// What every attempt on the transport shares: the clock, the event emitter, the leak tracker and
// the two capture switches. One object per pool, read on the hot path.
import type { Clock } from '../clock.js';
import type { TypedEmitter } from '../events.js';
import type { LeakTracker } from '../resource-pool/leak-tracker.js';

export interface TransportContext {
  readonly clock: Clock;
  readonly emitter: TypedEmitter;
  readonly leakTracker: LeakTracker;
  /** Usage parsing is off (zero cost) until telemetry or quotas ask for it. */
  trackUsage: boolean;
  /** Bytes of response text kept for call-end (pool.trackContent()); 0: off. */
  contentBytes: number;
}
