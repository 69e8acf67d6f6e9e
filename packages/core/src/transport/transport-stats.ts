// The transport's part of pool.stats(): connection counts, in-flight and queued calls, leaks and
// utilisation (leased slots over the slots `maxConnections` connections offer: streams for
// HTTP/2, one per connection for HTTP/1.1), plus per-origin detail. Other components add their own
// sections through the StatsRegistry.
import type { LeakTracker } from '../resource-pool/leak-tracker.js';
import type { ConnectionPoolGroup } from './connection-pool-group.js';
import type { BreakerSnapshot } from '../policies/endpoint-breaker.js';
import type { CoalesceStats } from '../policies/coalesce-step.js';
import type { LaneStats } from '../policies/lane-ledger.js';
import type { ScaledGroupStats } from '../routing/autoscaler.js';
import type { PoolGroups } from '../routing/pool-groups.js';
import type { RegionStats } from '../routing/region-health.js';
import type { TrafficSplit } from '../routing/traffic-split.js';
import type { SharedStateStats } from '../shared-state/shared-state.js';
import type { OriginStats } from './origin-pool.js';

export interface PoolStats {
  connections: { open: number; idle: number; busy: number; connecting: number; created: number; destroyed: number; tlsHandshakes: number };
  inFlight: number;
  queued: number;
  leaks: { detected: number; forceReturned: number };
  /** 0..1 */
  utilization: number;
  /** Per origin (`origin` for the default group, `group origin` for others). */
  origins: Record<string, OriginStats>;
  // Sections added by the policies and routing when they are configured (see the README's Resilience policies section
  // and docs/routing): typed here so users need no cast; absent when the feature is off.
  /** Per lane: queue depth, wait times, admissions, rejections (always present: lanes are always on). */
  lanes?: Record<string, LaneStats>;
  /** One entry per endpoint breaker (model × region × API version) created so far. */
  breakers?: BreakerSnapshot[];
  coalesce?: CoalesceSectionStats;
  batching?: BatchingStats;
  regions?: Record<string, RegionStats>;
  trafficSplit?: ReturnType<TrafficSplit['stats']>;
  /** Per pool group (model or API-version pools). */
  pools?: ReturnType<PoolGroups['stats']>;
  autoscale?: { enabled: false } | { enabled: true; pools: Record<string, ScaledGroupStats> };
  sharedState?: SharedStateStats;
  [section: string]: unknown;
}

export interface CoalesceSectionStats extends CoalesceStats {
  /** Flights in progress or kept for their window. */
  inFlight: number;
}

export interface BatchingStats {
  batches: number;
  batchedCalls: number;
  /** Batches still gathering calls. */
  open: number;
}

export function collectTransportStats(groups: readonly ConnectionPoolGroup[], leakTracker: LeakTracker): PoolStats {
  const connections = { open: 0, idle: 0, busy: 0, connecting: 0, created: 0, destroyed: 0, tlsHandshakes: 0 };
  const origins: Record<string, OriginStats> = {};
  let inFlight = 0;
  let queued = 0;
  let capacity = 0;
  for (const group of groups) {
    for (const [origin, stats] of Object.entries(group.stats())) {
      origins[group.name === 'default' ? origin : `${group.name} ${origin}`] = stats;
      connections.open += stats.open;
      connections.idle += stats.idle;
      connections.busy += stats.busy;
      connections.connecting += stats.connecting;
      connections.created += stats.created;
      connections.destroyed += stats.destroyed;
      connections.tlsHandshakes += stats.tlsHandshakes;
      inFlight += stats.inFlight;
      queued += stats.queued;
      capacity += stats.max * stats.streamsPerConnection;
    }
  }
  return {
    connections,
    inFlight,
    queued,
    leaks: { detected: leakTracker.counts.detected, forceReturned: leakTracker.counts.forceReturned },
    utilization: capacity === 0 ? 0 : Math.min(1, inFlight / capacity),
    origins,
  };
}
