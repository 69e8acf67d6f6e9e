// Every metric and attribute name gempool emits, in one place. Dashboards, alert policies and tests
// import this registry instead of repeating strings. Names follow OpenTelemetry semantic
// conventions where one exists (GenAI client metrics, still "development"; the db.client.connection
// pool precedent); everything else lives under `gempool.`. Names are stable once released:
// append, never rename. Histograms are in seconds with explicit bucket boundaries.
// Attributes are low-cardinality on purpose: no tenant, call or lease ids on metrics.

export type InstrumentKind =
  | 'counter'
  | 'histogram'
  /** Read from pool.stats() at collection time (asynchronous up-down counter). */
  | 'observable-updown-counter'
  /** Read at collection time (asynchronous gauge). */
  | 'observable-gauge'
  /** A running total kept by core, read from pool.stats() at collection time (asynchronous counter). */
  | 'observable-counter';

/** Attribute keys used on metrics, spans and ledger records. */
export const ATTRIBUTES = Object.freeze({
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  tokenType: 'gen_ai.token.type',
  errorType: 'error.type',
  serverAddress: 'server.address',
  region: 'cloud.region',
  poolName: 'gempool.pool.name',
  connectionState: 'gempool.connection.state',
  destroyReason: 'gempool.connection.destroy_reason',
  lane: 'gempool.lane',
  queueResult: 'gempool.queue.result',
  outcome: 'gempool.outcome',
  retryReason: 'gempool.retry.reason',
  breakerEndpoint: 'gempool.breaker.endpoint',
  breakerState: 'gempool.breaker.state',
  breakerReason: 'gempool.breaker.reason',
  failoverFrom: 'gempool.failover.from',
  failoverTo: 'gempool.failover.to',
  autoscaleDirection: 'gempool.autoscale.direction',
  ledgerSink: 'gempool.ledger.sink',
  quotaResult: 'gempool.quota.result',
} as const);

export type AttributeKey = (typeof ATTRIBUTES)[keyof typeof ATTRIBUTES];

export interface MetricDefinition {
  name: string;
  kind: InstrumentKind;
  /** UCUM unit as OpenTelemetry writes it (`s`, `{connection}`, `1`, `USD`). */
  unit: string;
  description: string;
  /** Every attribute key this metric may carry (a series never has keys outside this list). */
  attributes: readonly AttributeKey[];
  /** Explicit histogram bucket boundaries (seconds for durations). */
  buckets?: readonly number[];
  /** Values an attribute may take, where the set is closed. */
  values?: Partial<Record<AttributeKey, readonly string[]>>;
}

/** GenAI semconv recommended boundaries for gen_ai.client.operation.duration. */
const OPERATION_SECONDS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] as const;
/** GenAI semconv recommended boundaries for gen_ai.client.token.usage. */
const TOKEN_COUNTS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864] as const;
/** Short waits: connect, slot wait (ms to tens of seconds). */
const WAIT_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;
/** Slot hold time: a streamed response can hold a slot for minutes. */
const USE_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

const A = ATTRIBUTES;
const CALL_ATTRIBUTES = [A.operationName, A.providerName, A.requestModel] as const;

export const METRICS = Object.freeze({
  operationDuration: {
    name: 'gen_ai.client.operation.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of one logical GenAI call through the pool (queue, retries and body included)',
    attributes: [...CALL_ATTRIBUTES, A.responseModel, A.errorType],
    buckets: OPERATION_SECONDS,
  },
  tokenUsage: {
    name: 'gen_ai.client.token.usage',
    kind: 'histogram',
    unit: '{token}',
    description: 'Tokens used per call, by token type (input, output), from usageMetadata',
    attributes: [...CALL_ATTRIBUTES, A.responseModel, A.tokenType],
    buckets: TOKEN_COUNTS,
    values: { [A.tokenType]: ['input', 'output'] },
  },
  requests: {
    name: 'gempool.requests',
    kind: 'counter',
    unit: '{request}',
    description: 'Logical calls finished, by outcome (success or error) and error type',
    attributes: [...CALL_ATTRIBUTES, A.lane, A.outcome, A.errorType],
    values: { [A.outcome]: ['success', 'error'] },
  },
  cost: {
    name: 'gempool.cost',
    kind: 'counter',
    unit: 'USD',
    description: 'Estimated cost in US dollars from token usage and the price table, by model',
    attributes: [A.providerName, A.requestModel, A.responseModel],
  },
  connectionCount: {
    name: 'gempool.connection.count',
    kind: 'observable-updown-counter',
    unit: '{connection}',
    description: 'Open connections by state: idle (free) or used (carrying at least one request)',
    attributes: [A.connectionState],
    values: { [A.connectionState]: ['idle', 'used'] },
  },
  connectionCreateTime: {
    name: 'gempool.connection.create_time',
    kind: 'histogram',
    unit: 's',
    description: 'Time to open a connection (TCP + TLS)',
    attributes: [A.poolName, A.serverAddress],
    buckets: WAIT_SECONDS,
  },
  connectionWaitTime: {
    name: 'gempool.connection.wait_time',
    kind: 'histogram',
    unit: 's',
    description: 'Time a request waited for a connection slot',
    attributes: [A.poolName],
    buckets: WAIT_SECONDS,
  },
  connectionUseTime: {
    name: 'gempool.connection.use_time',
    kind: 'histogram',
    unit: 's',
    description: 'Time a connection slot was held by a request (until its body ended or was cancelled)',
    attributes: [A.poolName],
    buckets: USE_SECONDS,
  },
  pendingRequests: {
    name: 'gempool.pending_requests',
    kind: 'observable-updown-counter',
    unit: '{request}',
    description: 'Requests waiting for a connection slot (all lanes)',
    attributes: [],
  },
  inFlight: {
    name: 'gempool.in_flight',
    kind: 'observable-updown-counter',
    unit: '{request}',
    description: 'Requests currently holding a connection slot',
    attributes: [],
  },
  utilization: {
    name: 'gempool.utilization',
    kind: 'observable-gauge',
    unit: '1',
    description: 'Fraction (0..1) of pool capacity in use, the signal autoscaling acts on',
    attributes: [],
  },
  connectionsCreated: {
    name: 'gempool.connections.created',
    kind: 'counter',
    unit: '{connection}',
    description: 'Connections opened',
    attributes: [A.poolName, A.serverAddress],
  },
  connectionsDestroyed: {
    name: 'gempool.connections.destroyed',
    kind: 'counter',
    unit: '{connection}',
    description: 'Connections closed, by reason (idle, lifetime, uses, error, validation, closed, remote, scale-down)',
    attributes: [A.poolName, A.serverAddress, A.destroyReason],
  },
  leaksDetected: {
    name: 'gempool.leaks.detected',
    kind: 'counter',
    unit: '{lease}',
    description: 'Leases held past the leak timeout with no consumer progress (an unread response body)',
    attributes: [A.requestModel],
  },
  leaksForceReturned: {
    name: 'gempool.leaks.force_returned',
    kind: 'counter',
    unit: '{lease}',
    description: 'Leaked leases whose connection slot was force-returned to the pool',
    attributes: [A.requestModel],
  },
  leaksReturnedLate: {
    name: 'gempool.leaks.returned_late',
    kind: 'counter',
    unit: '{lease}',
    description: 'Leases reported as leaked that were later released by their holder',
    attributes: [A.requestModel],
  },
  breakerState: {
    name: 'gempool.breaker.state',
    kind: 'observable-gauge',
    unit: '1',
    description: 'Breaker state per endpoint: 0 closed, 1 half-open, 2 open',
    attributes: [A.breakerEndpoint, A.requestModel],
  },
  breakerTransitions: {
    name: 'gempool.breaker.transitions',
    kind: 'counter',
    unit: '{transition}',
    description: 'Breaker state changes per endpoint, by new state and reason',
    attributes: [A.breakerEndpoint, A.requestModel, A.breakerState, A.breakerReason],
    values: { [A.breakerState]: ['closed', 'open', 'half-open'] },
  },
  breakerRejections: {
    name: 'gempool.breaker.rejections',
    kind: 'counter',
    unit: '{request}',
    description: 'Calls rejected (or sent to a fallback model) because a breaker was open',
    attributes: [A.breakerEndpoint, A.requestModel],
  },
  retries: {
    name: 'gempool.retries',
    kind: 'counter',
    unit: '{retry}',
    description: 'Retries scheduled, by reason (429, retry-info, 5xx, 504, reset, goaway, timeout)',
    attributes: [A.requestModel, A.retryReason],
    values: { [A.retryReason]: ['429', 'retry-info', '5xx', '504', 'reset', 'goaway', 'timeout'] },
  },
  retryBudgetExhausted: {
    name: 'gempool.retry_budget.exhausted',
    kind: 'counter',
    unit: '{request}',
    description: 'Retries not made because the retry budget was spent',
    attributes: [A.requestModel],
  },
  coalescedCalls: {
    name: 'gempool.coalesced_calls',
    kind: 'counter',
    unit: '{request}',
    description: 'Calls served by an identical call\'s upstream request within the coalescing window (no upstream request of their own)',
    attributes: [A.requestModel],
  },
  laneQueueDepth: {
    name: 'gempool.lane.queue_depth',
    kind: 'observable-updown-counter',
    unit: '{request}',
    description: 'Calls waiting in each lane',
    attributes: [A.lane],
  },
  laneWaitTime: {
    name: 'gempool.lane.wait_time',
    kind: 'histogram',
    unit: 's',
    description: 'Time a call waited in its lane before admission (or until it failed: queue full, timeout, abort, deadline)',
    attributes: [A.lane, A.queueResult],
    buckets: WAIT_SECONDS,
  },
  regionHealthy: {
    name: 'gempool.region.healthy',
    kind: 'observable-gauge',
    unit: '1',
    description: 'Region health as last judged over the detection window: 1 healthy, 0 unhealthy',
    attributes: [A.region],
  },
  failovers: {
    name: 'gempool.failovers',
    kind: 'counter',
    unit: '{failover}',
    description: 'Traffic moved from one region to another',
    attributes: [A.failoverFrom, A.failoverTo],
  },
  autoscaleChanges: {
    name: 'gempool.autoscale.changes',
    kind: 'counter',
    unit: '{change}',
    description: 'Autoscaling changes of the connection maximum, by direction',
    attributes: [A.poolName, A.autoscaleDirection],
    values: { [A.autoscaleDirection]: ['up', 'down'] },
  },
  ledgerDropped: {
    name: 'gempool.ledger.dropped',
    kind: 'counter',
    unit: '{record}',
    description: 'Request-ledger records dropped because a sink failed or its buffer was full',
    attributes: [A.ledgerSink],
  },
  sharedStateConnected: {
    name: 'gempool.shared_state.connected',
    kind: 'observable-gauge',
    unit: '1',
    description: 'Redis shared state (options.sharedState) reachable: 1 connected, 0 disconnected (limits and breakers are then per pod only). Reported only with sharedState',
    attributes: [],
  },
  sharedStateFallbacks: {
    name: 'gempool.shared_state.fallbacks',
    kind: 'observable-counter',
    unit: '{decision}',
    description: 'Quota and breaker decisions made locally because Redis was unreachable',
    attributes: [],
  },
  sharedStateReconnects: {
    name: 'gempool.shared_state.reconnects',
    kind: 'observable-counter',
    unit: '{reconnect}',
    description: 'Times the Redis shared-state link came back after being lost',
    attributes: [],
  },
  quotaWaitTime: {
    name: 'gempool.quota.wait_time',
    kind: 'histogram',
    unit: 's',
    description: 'Time a call waited for its model\'s quota (options.quotas), by result (admitted, QUOTA_WAIT_TIMEOUT, ABORTED); calls that did not wait are not recorded',
    attributes: [A.requestModel, A.quotaResult],
    buckets: WAIT_SECONDS,
    values: { [A.quotaResult]: ['admitted', 'QUOTA_WAIT_TIMEOUT', 'ABORTED'] },
  },
  quotaWaitTimeouts: {
    name: 'gempool.quota.wait_timeouts',
    kind: 'counter',
    unit: '{request}',
    description: 'Calls that gave up waiting for quota (QUOTA_WAIT_TIMEOUT) at or before their deadline',
    attributes: [A.requestModel],
  },
} as const satisfies Record<string, MetricDefinition>);

export type MetricKey = keyof typeof METRICS;
export type MetricName = (typeof METRICS)[MetricKey]['name'];

/** The registry as a list, for iteration in tests and dashboards. */
export const METRIC_LIST: readonly MetricDefinition[] = Object.values(METRICS);
