// Every default in one place. Numbers come from the seed guide (../shared/seed): min 10 / max 100
// connections, 30 s connect timeout, 5 min idle, 30 s leak threshold, breaker at 50 % over 10 s or
// p99 > 5 s with half-open after 30 s, 429 backoff 1 s → 32 s, coalescing window 100 ms,
// autoscale +20 % above 80 % for 60 s and −10 % below 30 % for 5 min, 30 s region detection.

export const DEFAULTS = Object.freeze({
  origins: ['https://generativelanguage.googleapis.com'],
  minConnections: 10,
  maxConnections: 100,
  connectTimeoutMs: 30_000,
  idleTimeoutMs: 300_000,
  maxLifetimeMs: 1_800_000,
  maxUsesPerConnection: 0, // 0: unlimited
  leakTimeoutMs: 30_000,
  http2: true,
  validateAfterIdleMs: 30_000,
  maxQueue: 10_000,
  queueTimeoutMs: 30_000,
  headersTimeoutMs: 120_000,
  bodyTimeoutMs: 120_000,
  /** HTTP/2 streams we run per connection before preferring another connection. */
  maxConcurrentStreams: 100,

  breaker: Object.freeze({
    enabled: true,
    windowMs: 10_000,
    errorThreshold: 0.5,
    minimumCalls: 10,
    latencyThresholdMs: 5_000,
    halfOpenAfterMs: 30_000,
    halfOpenProbes: 3,
  }),

  retry: Object.freeze({
    enabled: true,
    maxAttempts: 4,
    baseDelayMs: 1_000,
    maxDelayMs: 32_000,
    quickBaseDelayMs: 100,
    quickMaxDelayMs: 1_000,
    honorRetryInfo: true,
    maxRetryInfoDelayMs: 60_000,
    budgetRatio: 0.2,
    budgetMinPerSecond: 3,
    budgetWindowMs: 10_000,
  }),

  /** The top tier (Ultra-class) gets a smaller pool, a tighter breaker and fewer retries. */
  tiers: Object.freeze({
    ultra: Object.freeze({
      models: ['*ultra*'],
      breaker: Object.freeze({ errorThreshold: 0.3, latencyThresholdMs: 8_000, minimumCalls: 5 }),
      retry: Object.freeze({ maxAttempts: 2 }),
    }),
  }),

  /**
   * No per-lane queue numbers: a lane inherits the pool's `maxQueue` / `queueTimeoutMs` unless the
   * user sets them on that lane (see policies/validate-policy-options.ts).
   */
  lanes: Object.freeze({
    critical: Object.freeze({ models: ['*-pro', '*-pro-*', '*-pro@*'], priority: 100, reservedShare: 0.5 }),
    standard: Object.freeze({ models: [] as string[], priority: 50, reservedShare: 0.2 }),
    bulk: Object.freeze({ models: ['*-exp*', '*preview*', '*experimental*'], priority: 10, reservedShare: 0 }),
  }),
  /** Lane for models no lane names. */
  defaultLane: 'standard',

  coalesce: Object.freeze({ enabled: true, windowMs: 100, streaming: false }),
  batching: Object.freeze({ enabled: false, windowMs: 10, maxBatchSize: 100 }),

  regionHealth: Object.freeze({ detectionWindowMs: 30_000, errorThreshold: 0.5, minimumCalls: 5, quotaCooldownMs: 3_600_000 }),

  autoscale: Object.freeze({
    enabled: true,
    scaleUpUtilization: 0.8,
    scaleUpAfterMs: 60_000,
    scaleUpFactor: 0.2,
    scaleDownUtilization: 0.3,
    scaleDownAfterMs: 300_000,
    scaleDownFactor: 0.1,
    sampleIntervalMs: 1_000,
  }),

  sharedState: Object.freeze({
    keyPrefix: 'gempool:',
    /** A Redis command slower than this counts as Redis being down: calls never wait on it. */
    commandTimeoutMs: 250,
    connectTimeoutMs: 2_000,
    /** Reconnect backoff ceiling (ioredis retryStrategy). */
    reconnectMaxDelayMs: 2_000,
    /** How often open breakers and the fleet size are re-read from Redis (missed pub/sub). */
    syncIntervalMs: 1_000,
    /** Fleet size assumed for local quota shares until Redis has told us the real one. */
    fallbackFleetSize: 10,
  }),

  /** Quota limiter (options.quotas): token buckets per model for requests and tokens. */
  quotaLimiter: Object.freeze({
    /** Bucket depth as time at the full rate: 1 s of quota may be spent at once. */
    burstMs: 1_000,
    /** Longest a call waits for quota when it has no deadline. */
    maxWaitMs: 30_000,
    /** Output tokens assumed before the call when the request sets no maxOutputTokens. */
    expectedOutputTokens: 1_024,
  }),

  /** pool.trackContent(): prompt and response text in events are capped at this many UTF-8 bytes. */
  maxContentBytes: 65_536,
});
