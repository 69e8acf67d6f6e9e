// Shared state and quotas → metrics. Core keeps the Redis link's running totals (fallbacks,
// reconnects) in pool.stats().sharedState, so those are asynchronous instruments read at collection
// time; only quota waits arrive as events. A pool without options.sharedState (mode `local`)
// reports no shared-state series at all: a 0 "connected" gauge there would page someone for a Redis
// that was never configured.
import type { Attributes, BatchObservableResult, Meter } from '@opentelemetry/api';
import type { GempoolEvents } from '@gempool/core';
import { memoize, memoize2 } from './attribute-cache.js';
import { ATTRIBUTES as A, METRICS, type MetricDefinition } from './metrics.js';
import type { PoolStatsLike } from './instrumentable-pool.js';

type Handlers = { [K in keyof GempoolEvents]?: (event: GempoolEvents[K]) => void };

export interface SharedStateMetrics {
  handlers: Handlers;
  stop(): void;
}

export function createSharedStateMetrics(meter: Meter, stats: (() => PoolStatsLike) | undefined): SharedStateMetrics {
  const options = (m: MetricDefinition) => ({ unit: m.unit, description: m.description });
  const connected = meter.createObservableGauge(METRICS.sharedStateConnected.name, options(METRICS.sharedStateConnected));
  const fallbacks = meter.createObservableCounter(METRICS.sharedStateFallbacks.name, options(METRICS.sharedStateFallbacks));
  const reconnects = meter.createObservableCounter(METRICS.sharedStateReconnects.name, options(METRICS.sharedStateReconnects));
  const waitTime = meter.createHistogram(METRICS.quotaWaitTime.name, {
    ...options(METRICS.quotaWaitTime),
    advice: { explicitBucketBoundaries: [...METRICS.quotaWaitTime.buckets] },
  });
  const timeouts = meter.createCounter(METRICS.quotaWaitTimeouts.name, options(METRICS.quotaWaitTimeouts));
  const observables = [connected, fallbacks, reconnects];

  // The last `shared-state` event, for pools that report no stats (a test harness, a wrapper).
  let lastEvent: GempoolEvents['shared-state'] | undefined;

  const collect = (result: BatchObservableResult) => {
    const snapshot = stats?.()?.sharedState;
    if (snapshot !== undefined) {
      if (snapshot.mode !== 'redis') return;
      if (typeof snapshot.connected === 'boolean') result.observe(connected, snapshot.connected ? 1 : 0);
      if (Number.isFinite(snapshot.fallbacks)) result.observe(fallbacks, snapshot.fallbacks!);
      if (Number.isFinite(snapshot.reconnects)) result.observe(reconnects, snapshot.reconnects!);
      return;
    }
    if (lastEvent === undefined) return;
    result.observe(connected, lastEvent.state === 'connected' ? 1 : 0);
    result.observe(fallbacks, lastEvent.fallbacks);
  };
  meter.addBatchObservableCallback(collect, observables);

  // Few models × three results: attribute objects built once, not per wait.
  const waitAttributes = memoize2((model, result): Attributes => ({ [A.requestModel]: model, [A.quotaResult]: result }));
  const timeoutAttributes = memoize((model): Attributes => ({ [A.requestModel]: model }));

  return {
    handlers: {
      'shared-state': (e) => (lastEvent = e),
      'quota-wait': (e) => {
        waitTime.record(e.waitMs / 1000, waitAttributes(e.model, e.result));
        if (e.result === 'QUOTA_WAIT_TIMEOUT') timeouts.add(1, timeoutAttributes(e.model));
      },
    },
    stop() {
      meter.removeBatchObservableCallback(collect, observables);
    },
  };
}
