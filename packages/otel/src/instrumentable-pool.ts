// What instrumentGempool needs from a pool: the typed events of @gempool/core, a stats snapshot
// for gauges, and (optionally) a switch that asks core to parse usageMetadata. Declared
// structurally so anything emitting gempool events (a pool, a test harness) can be instrumented.
import type { GempoolEventName, Listener } from '@gempool/core';

export interface InstrumentablePool {
  on<K extends GempoolEventName>(name: K, listener: Listener<K>): unknown;
  off<K extends GempoolEventName>(name: K, listener: Listener<K>): unknown;
  /** Gauges: read at metric collection time. Fields the pool does not report are skipped. */
  stats?(): PoolStatsLike;
  /** Turns on usageMetadata parsing (token usage, finish reasons) for call-end events. */
  trackUsage?(): void;
  /** Puts request/response body text on call-start/call-end (recordContent: true only). */
  trackContent?(): void;
}

/**
 * The parts of pool.stats() the gauges read. Every field is optional so the instrumentation keeps
 * working when a pool reports less.
 */
export interface PoolStatsLike {
  connections?: { open?: number; idle?: number; busy?: number };
  inFlight?: number;
  queued?: number;
  utilization?: number;
  /** Queue depth per lane: `{ critical: { queued: 3 } }` or `{ critical: 3 }`. */
  lanes?: Record<string, { queued?: number } | number>;
  /** options.quotas / options.sharedState: `mode` is `redis` only when Redis is configured. */
  sharedState?: { mode?: string; connected?: boolean; fallbacks?: number; reconnects?: number };
}
