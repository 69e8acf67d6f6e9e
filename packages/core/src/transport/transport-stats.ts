// The transport's part of pool.stats(): connection counts, in-flight and queued calls, leaks and
// utilisation (leased slots over the slots `maxConnections` connections offer: streams for
// HTTP/2, one per connection for HTTP/1.1), plus per-origin detail. Other components add their own
// sections through the StatsRegistry.
import type { LeakTracker } from '../resource-pool/leak-tracker.js';
import type { ConnectionPoolGroup } from './connection-pool-group.js';
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
  [section: string]: unknown;
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
