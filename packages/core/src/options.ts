// The public options of createGeminiPool. Defaults live in defaults.ts; validation happens once,
// at construction (validate-options.ts). Options objects are copied, never written to.
import type { Clock } from './clock.js';

export type Priority = number;
export type ModelPattern = string | RegExp;

export interface TlsOptions {
  /** Extra CA certificate(s), PEM: for emulators and test servers. */
  ca?: string | Buffer | Array<string | Buffer>;
  rejectUnauthorized?: boolean;
  /** SNI server name override. */
  servername?: string;
}

export interface LaneOptions {
  /** Models served by this lane: exact names or patterns (`'gemini-*-pro*'`, RegExp). */
  models?: ModelPattern[];
  /** Higher is served first. */
  priority?: Priority;
  /** Fraction (0..1) of pool capacity guaranteed to this lane while it has work. */
  reservedShare?: number;
  /** Calls this lane may queue. Default: the pool's `maxQueue` (which also bounds all lanes together). */
  maxQueue?: number;
  /** How long a call of this lane waits for a slot (not capped by the pool's). Default: the pool's `queueTimeoutMs`. */
  queueTimeoutMs?: number;
}

export interface BreakerOptions {
  /** Rolling window over which errors and latency are judged. Default 10 000 ms. */
  windowMs?: number;
  /** Trip when errors / calls in the window exceed this (0..1). Default 0.5. */
  errorThreshold?: number;
  /** Calls needed in the window before the error rate counts. Default 10. */
  minimumCalls?: number;
  /** Trip when p99 latency in the window exceeds this. Default 5 000 ms; 0 disables. */
  latencyThresholdMs?: number;
  /** Wait before half-open probes. Default 30 000 ms. */
  halfOpenAfterMs?: number;
  /** Probe calls allowed while half-open. Default 3. */
  halfOpenProbes?: number;
  enabled?: boolean;
}

export interface RetryOptions {
  enabled?: boolean;
  /** Total attempts including the first. Default 4. */
  maxAttempts?: number;
  /** Backoff for 429 without RetryInfo and for 500/503. Defaults 1 000 and 32 000 ms. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Quick retries for 504, resets and GOAWAY. Defaults 100 and 1 000 ms. */
  quickBaseDelayMs?: number;
  quickMaxDelayMs?: number;
  /** Honour google.rpc.RetryInfo.retryDelay (bounded by the deadline). Default true. */
  honorRetryInfo?: boolean;
  /** Longest RetryInfo delay we are willing to wait. Default 60 000 ms. */
  maxRetryInfoDelayMs?: number;
  /** Retry budget: retries may be at most this fraction of calls in the window. Default 0.2. */
  budgetRatio?: number;
  /** Retries always allowed per second regardless of the ratio. Default 3. */
  budgetMinPerSecond?: number;
  budgetWindowMs?: number;
}

export interface TierOptions {
  /** Models in this tier (names or patterns). */
  models?: ModelPattern[];
  breaker?: BreakerOptions;
  retry?: Pick<RetryOptions, 'maxAttempts'>;
  /** Model to call instead while this tier's breaker is open (e.g. a Pro model for Ultra). */
  fallbackModel?: string;
}

export interface CoalesceOptions {
  enabled?: boolean;
  /** Identical calls arriving within this long after the first share its upstream call. Default 100 ms. */
  windowMs?: number;
  /** Also share streaming calls when every caller can receive the stream from its start. Default false. */
  streaming?: boolean;
}

export interface BatchingOptions {
  enabled?: boolean;
  /** How long to gather embedContent calls before sending one batchEmbedContents. Default 10 ms. */
  windowMs?: number;
  /** Maximum requests per batch. Default 100. */
  maxBatchSize?: number;
}

export interface ModelPoolOptions {
  models: ModelPattern[];
  minConnections?: number;
  maxConnections?: number;
  /** Highest maximum autoscaling may give this pool. Default 2 × its maxConnections. */
  ceiling?: number;
}

export interface AutoscaleOptions {
  enabled?: boolean;
  /** Utilisation above this for `scaleUpAfterMs` raises the maximum by `scaleUpFactor`. */
  scaleUpUtilization?: number;
  scaleUpAfterMs?: number;
  scaleUpFactor?: number;
  scaleDownUtilization?: number;
  scaleDownAfterMs?: number;
  scaleDownFactor?: number;
  /** Highest maximum autoscaling may reach. Default 2 × maxConnections. */
  ceiling?: number;
  /** How often utilisation is sampled. Default 1 000 ms. */
  sampleIntervalMs?: number;
}

export interface RegionHealthOptions {
  /** Detection window for a region's error rate. Default 30 000 ms. */
  detectionWindowMs?: number;
  /** Error rate (0..1) over the window that marks a region unhealthy. Default 0.5. */
  errorThreshold?: number;
  minimumCalls?: number;
  /** How long a per-day quota error keeps a model out of a region. Default 3 600 000 ms. */
  quotaCooldownMs?: number;
}

export interface QuotaLimit {
  /** Requests per minute across the fleet. */
  rpm?: number;
  /** Tokens per minute across the fleet. */
  tpm?: number;
}

export interface SharedStateOptions {
  /** `redis://…` URL (Memorystore in production). */
  redis: string;
  /** Key prefix, so several fleets can share one Redis. Default `gempool:`. */
  keyPrefix?: string;
  /**
   * Instances assumed when quota must be decided locally and Redis has not been reached since
   * start, so the real fleet size is unknown: each instance then takes quota ÷ this. Default 10.
   */
  fallbackFleetSize?: number;
}

export interface GeminiPoolOptions {
  /** Origins to pool and warm, e.g. `https://generativelanguage.googleapis.com`. */
  origins?: string[];
  minConnections?: number;
  maxConnections?: number;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  maxLifetimeMs?: number;
  maxUsesPerConnection?: number;
  /** Force-return a lease held this long with no consumer progress; 0 disables leak detection. */
  leakTimeoutMs?: number;
  http2?: boolean;
  tls?: TlsOptions;
  /** Check an idle connection that has not been used for this long before reusing it. */
  validateAfterIdleMs?: number;
  /** Calls allowed to wait for a slot when every slot is busy: all lanes, origins and pool groups together. */
  maxQueue?: number;
  /** How long a call waits for a slot; a lane's own `queueTimeoutMs` replaces it for that lane. */
  queueTimeoutMs?: number;
  /** Header / body timeouts for a single attempt (undici's 300 s defaults are replaced). */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;

  lanes?: Record<string, LaneOptions>;
  breaker?: BreakerOptions;
  tiers?: Record<string, TierOptions>;
  retry?: RetryOptions;
  coalesce?: CoalesceOptions | false;
  batching?: BatchingOptions | false;

  regions?: string[];
  resolveRegion?: (region: string) => string;
  regionHealth?: RegionHealthOptions;
  apiVersions?: Record<string, number>;
  pools?: Record<string, ModelPoolOptions>;
  autoscale?: AutoscaleOptions | false;

  quotas?: Record<string, QuotaLimit>;
  sharedState?: SharedStateOptions;

  /** Injected time source (tests). */
  clock?: Clock;
}
