// Pool events → OpenTelemetry metrics, named from the METRICS registry. Counters and histograms are
// recorded as events arrive; gauges (connections by state, pending, utilisation, lane depth, breaker
// state, region health) are read at collection time, so an idle pool costs nothing between exports.
import type { Attributes, BatchObservableResult, Counter, Histogram, Meter, Observable } from '@opentelemetry/api';
import type { BreakerState, CallEndEvent, GempoolEvents } from '@gempool/core';
import { createCallAttributeCache, memoize, memoize2 } from './attribute-cache.js';
import { hostOf } from './host-of.js';
import { ATTRIBUTES as A, METRICS, type MetricDefinition } from './metrics.js';
import type { PoolStatsLike } from './instrumentable-pool.js';

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

type Handlers = { [K in keyof GempoolEvents]?: (event: GempoolEvents[K]) => void };

export interface PoolMetrics {
  handlers: Handlers;
  /** Records the call-level metrics; `costUsd` comes from the shared cost calculation. */
  recordCall(event: CallEndEvent, costUsd: number | undefined): void;
  ledgerDropped(sink: string, count: number): void;
  /** Stops the observable callbacks (instruments themselves live as long as the meter). */
  stop(): void;
}

export function createPoolMetrics(meter: Meter, stats: (() => PoolStatsLike) | undefined): PoolMetrics {
  const counter = (m: MetricDefinition): Counter => meter.createCounter(m.name, { unit: m.unit, description: m.description });
  const histogram = (m: MetricDefinition): Histogram =>
    meter.createHistogram(m.name, {
      unit: m.unit,
      description: m.description,
      advice: m.buckets === undefined ? undefined : { explicitBucketBoundaries: [...m.buckets] },
    });

  const duration = histogram(METRICS.operationDuration);
  const tokens = histogram(METRICS.tokenUsage);
  const requests = counter(METRICS.requests);
  const cost = counter(METRICS.cost);
  const createTime = histogram(METRICS.connectionCreateTime);
  const waitTime = histogram(METRICS.connectionWaitTime);
  const useTime = histogram(METRICS.connectionUseTime);
  const created = counter(METRICS.connectionsCreated);
  const destroyed = counter(METRICS.connectionsDestroyed);
  const leaks = counter(METRICS.leaksDetected);
  const forceReturned = counter(METRICS.leaksForceReturned);
  const returnedLate = counter(METRICS.leaksReturnedLate);
  const transitions = counter(METRICS.breakerTransitions);
  const rejections = counter(METRICS.breakerRejections);
  const retries = counter(METRICS.retries);
  const budgetExhausted = counter(METRICS.retryBudgetExhausted);
  const coalesced = counter(METRICS.coalescedCalls);
  const laneWait = histogram(METRICS.laneWaitTime);
  const failovers = counter(METRICS.failovers);
  const autoscale = counter(METRICS.autoscaleChanges);
  const ledgerDropped = counter(METRICS.ledgerDropped);

  // Last known state from events: read by the observable gauges.
  const breakers = new Map<string, { model: string; value: number }>();
  const regions = new Map<string, number>();

  const observable = (m: MetricDefinition) =>
    m.kind === 'observable-gauge'
      ? meter.createObservableGauge(m.name, { unit: m.unit, description: m.description })
      : meter.createObservableUpDownCounter(m.name, { unit: m.unit, description: m.description });
  const connectionCount = observable(METRICS.connectionCount);
  const pending = observable(METRICS.pendingRequests);
  const inFlight = observable(METRICS.inFlight);
  const utilization = observable(METRICS.utilization);
  const laneDepth = observable(METRICS.laneQueueDepth);
  const breakerState = observable(METRICS.breakerState);
  const regionHealthy = observable(METRICS.regionHealthy);
  const observables = [connectionCount, pending, inFlight, utilization, laneDepth, breakerState, regionHealthy];

  // One batch callback so pool.stats() is read once per collection, not once per gauge.
  const collect = (result: BatchObservableResult) => {
    const snapshot = stats?.();
    const connections = snapshot?.connections;
    observeNumber(result, connectionCount, connections?.idle, { [A.connectionState]: 'idle' });
    observeNumber(result, connectionCount, connections?.busy, { [A.connectionState]: 'used' });
    observeNumber(result, pending, snapshot?.queued);
    observeNumber(result, inFlight, snapshot?.inFlight);
    observeNumber(result, utilization, snapshot?.utilization);
    for (const [lane, depth] of Object.entries(snapshot?.lanes ?? {})) {
      observeNumber(result, laneDepth, typeof depth === 'number' ? depth : depth.queued, { [A.lane]: lane });
    }
    for (const [endpoint, { model, value }] of breakers) {
      result.observe(breakerState, value, { [A.breakerEndpoint]: endpoint, [A.requestModel]: model });
    }
    for (const [region, value] of regions) result.observe(regionHealthy, value, { [A.region]: region });
  };
  meter.addBatchObservableCallback(collect, observables);

  // Per-call attribute sets are cached: the same few combinations repeat on every call, and
  // building (and collecting) a fresh object per record is most of instrumentation's cost.
  const callAttributes = createCallAttributeCache();
  const poolAttributes = memoize((pool: string): Attributes => ({ [A.poolName]: pool }));
  const laneWaitAttributes = memoize2((lane: string, result: string): Attributes => ({ [A.lane]: lane, [A.queueResult]: result }));

  const handlers: Handlers = {
    'connection-created': (e) => {
      const attributes = { [A.poolName]: e.pool, [A.serverAddress]: hostOf(e.origin) };
      created.add(1, attributes);
      createTime.record(e.createMs / 1000, attributes);
    },
    'connection-destroyed': (e) =>
      destroyed.add(1, { [A.poolName]: e.pool, [A.serverAddress]: hostOf(e.origin), [A.destroyReason]: e.reason }),
    'lease-acquired': (e) => waitTime.record(e.waitMs / 1000, poolAttributes(e.pool)),
    'lease-released': (e) => useTime.record(e.useMs / 1000, poolAttributes(e.pool)),
    leak: (e) => {
      leaks.add(1, { [A.requestModel]: e.model });
      if (e.forceReturned) forceReturned.add(1, { [A.requestModel]: e.model });
    },
    'returned-late': (e) => returnedLate.add(1, { [A.requestModel]: e.model }),
    'breaker-state': (e) => {
      breakers.set(e.endpoint, { model: e.model, value: BREAKER_VALUE[e.to] });
      transitions.add(1, {
        [A.breakerEndpoint]: e.endpoint,
        [A.requestModel]: e.model,
        [A.breakerState]: e.to,
        [A.breakerReason]: e.reason,
      });
    },
    'breaker-rejected': (e) => rejections.add(1, { [A.breakerEndpoint]: e.endpoint, [A.requestModel]: e.model }),
    'retry-scheduled': (e) => retries.add(1, { [A.requestModel]: e.model, [A.retryReason]: e.reason }),
    'retry-budget-exhausted': (e) => budgetExhausted.add(1, { [A.requestModel]: e.model }),
    coalesced: (e) => coalesced.add(1, { [A.requestModel]: e.model }),
    'queue-wait': (e) => laneWait.record(e.waitMs / 1000, laneWaitAttributes(e.lane, e.result)),
    'region-health': (e) => regions.set(e.region, e.healthy ? 1 : 0),
    failover: (e) => failovers.add(1, { [A.failoverFrom]: e.from, [A.failoverTo]: e.to }),
    autoscale: (e) => autoscale.add(1, { [A.poolName]: e.pool, [A.autoscaleDirection]: e.direction }),
  };

  return {
    handlers,
    recordCall(e, costUsd) {
      const attributes = callAttributes.get(e);
      duration.record(e.durationMs / 1000, attributes.duration);
      requests.add(1, attributes.requests);
      if (e.usage !== undefined) {
        tokens.record(e.usage.inputTokens, attributes.inputTokens);
        tokens.record(e.usage.outputTokens, attributes.outputTokens);
      }
      if (costUsd !== undefined && costUsd > 0) cost.add(costUsd, attributes.cost);
    },
    ledgerDropped(sink, count) {
      ledgerDropped.add(count, { [A.ledgerSink]: sink });
    },
    stop() {
      meter.removeBatchObservableCallback(collect, observables);
    },
  };
}

function observeNumber(
  result: BatchObservableResult,
  instrument: Observable,
  value: number | undefined,
  attributes?: Attributes,
): void {
  if (typeof value === 'number' && Number.isFinite(value)) result.observe(instrument, value, attributes);
}
