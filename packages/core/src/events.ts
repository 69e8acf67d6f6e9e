// What @gempool/core tells the world. Core has no OpenTelemetry dependency: it emits these typed
// events and @gempool/otel (or anyone) subscribes with pool.on(name, listener). Emitting is
// skipped when nobody listens (see TypedEmitter.has), so an unobserved feature costs nothing.
// Events never carry credentials; prompt and response text only after pool.trackContent().

export type CallOutcome = 'success' | 'error';
export type Provider = 'gcp.gemini' | 'gcp.vertex_ai' | 'unknown';
export type RetryReason = '429' | 'retry-info' | '5xx' | '504' | 'reset' | 'goaway' | 'timeout';

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  totalTokens: number;
}

/** Facts about one logical call (one pool.fetch), shared by its events. */
export interface CallInfo {
  callId: number;
  /** e.g. `generate_content`, `stream_generate_content`, `count_tokens`, `embed_content`. */
  operation: string;
  /** The wire method, e.g. `generateContent`. */
  method: string;
  model: string;
  apiVersion: string;
  provider: Provider;
  origin: string;
  lane: string;
  tenant: string | undefined;
  streaming: boolean;
  /** Clock time the call entered the pool. */
  startTime: number;
  /**
   * The request body text (Gemini JSON), only after pool.trackContent(); capped at its maxBytes
   * (default 64 KiB). Never headers, so never credentials. Undefined for stream bodies.
   */
  requestText?: string | undefined;
}

export interface CallEndEvent extends CallInfo {
  outcome: CallOutcome;
  /** HTTP status of the final response, when there was one. */
  status: number | undefined;
  /** GempoolError code when the call failed. */
  errorCode: string | undefined;
  /** Low-cardinality error class for `error.type` (status code string or error code). */
  errorType: string | undefined;
  durationMs: number;
  attempts: number;
  retryReasons: RetryReason[];
  /** From usageMetadata, when usage tracking is on (instrumentation or quotas turn it on). */
  usage: TokenUsage | undefined;
  finishReasons: string[] | undefined;
  /** This caller was served by another caller's upstream call. */
  coalesced: boolean;
  region: string | undefined;
  /** The model actually called (differs from `model` after a tier fallback). */
  servedModel: string;
  /**
   * The response body text (JSON, SSE or JSON-array stream) as the caller read it, only after
   * pool.trackContent(); capped like requestText. Undefined when the body was not read to the end
   * and for coalesced followers (the leader's call-end carries it).
   */
  responseText?: string | undefined;
}

export interface AttemptStartEvent {
  callId: number;
  attempt: number;
  origin: string;
  region: string | undefined;
  model: string;
  time: number;
}

export interface AttemptEndEvent extends AttemptStartEvent {
  status: number | undefined;
  errorCode: string | undefined;
  durationMs: number;
}

export interface ConnectionEvent {
  origin: string;
  connectionId: number;
  /** Pool group (`default` or an options.pools key / API version). */
  pool: string;
  httpVersion: '1.1' | '2' | undefined;
}

export interface ConnectionCreatedEvent extends ConnectionEvent {
  /** Time to connect (TCP + TLS), ms. */
  createMs: number;
  tls: boolean;
  /** Opened by warmup rather than by demand. */
  warm: boolean;
}

export interface ConnectionDestroyedEvent extends ConnectionEvent {
  reason: 'idle' | 'lifetime' | 'uses' | 'error' | 'validation' | 'closed' | 'remote' | 'scale-down';
  ageMs: number;
  uses: number;
}

export interface LeakInfo {
  leaseId: number;
  callId: number | undefined;
  origin: string;
  model: string;
  method: string;
  heldMs: number;
  /** Where the call was made (captured only when leak detection is on). */
  stack: string;
  forceReturned: boolean;
}

export interface ReturnedLateEvent {
  leaseId: number;
  origin: string;
  model: string;
  heldMs: number;
}

export interface LeaseEvent {
  callId: number | undefined;
  origin: string;
  pool: string;
  /** Time spent waiting for a connection slot, ms. */
  waitMs: number;
}

export interface LeaseReleasedEvent extends LeaseEvent {
  /** How long the slot was held, ms. */
  useMs: number;
}

export interface QueueWaitEvent {
  callId: number;
  lane: string;
  waitMs: number;
  /** 'admitted', or the error code when the wait ended in failure. */
  result: 'admitted' | 'QUEUE_FULL' | 'QUEUE_TIMEOUT' | 'ABORTED' | 'DEADLINE_EXCEEDED';
}

export interface RetryScheduledEvent {
  callId: number;
  model: string;
  attempt: number;
  delayMs: number;
  reason: RetryReason;
  status: number | undefined;
}

export interface RetryBudgetExhaustedEvent {
  callId: number;
  model: string;
}

export interface CoalescedEvent {
  callId: number;
  leaderCallId: number;
  model: string;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerStateEvent {
  /** `model|region|apiVersion`. */
  endpoint: string;
  model: string;
  region: string | undefined;
  apiVersion: string;
  from: BreakerState;
  to: BreakerState;
  reason: 'errors' | 'latency' | 'probe-success' | 'probe-failure' | 'timeout' | 'shared';
}

export interface BreakerRejectedEvent {
  callId: number;
  endpoint: string;
  model: string;
  /** Model used instead, when a tier fallback served the call. */
  fallbackModel: string | undefined;
}

export interface RegionHealthEvent {
  region: string;
  healthy: boolean;
  reason: string;
  /** Set when only this model is affected in the region (its breaker, a per-day quota). */
  model?: string;
}

export interface FailoverEvent {
  from: string;
  to: string;
  reason: string;
}

export interface AutoscaleEvent {
  pool: string;
  origin: string;
  from: number;
  to: number;
  utilization: number;
  direction: 'up' | 'down';
}

export interface BatchEvent {
  model: string;
  size: number;
}

export interface WarningEvent {
  source: string;
  message: string;
}

/** Redis-backed shared state (options.sharedState) changed connection state. */
export interface SharedStateEvent {
  state: 'connected' | 'disconnected';
  /** Why: the Redis error message or `ready`. Never the URL (it may hold a password). */
  reason: string;
  /** Calls decided by local limits/breakers so far because Redis was unavailable. */
  fallbacks: number;
}

/** A call waited for fleet-wide quota (options.quotas). Emitted only when it had to wait. */
export interface QuotaWaitEvent {
  model: string;
  waitMs: number;
  result: 'admitted' | 'QUOTA_WAIT_TIMEOUT' | 'ABORTED';
  /** The wait was (also) due to a fleet-wide pause after a 429. */
  paused: boolean;
}

export interface GempoolEvents {
  'call-start': CallInfo;
  'call-end': CallEndEvent;
  'attempt-start': AttemptStartEvent;
  'attempt-end': AttemptEndEvent;
  'connection-created': ConnectionCreatedEvent;
  'connection-destroyed': ConnectionDestroyedEvent;
  leak: LeakInfo;
  'returned-late': ReturnedLateEvent;
  'lease-acquired': LeaseEvent;
  'lease-released': LeaseReleasedEvent;
  'queue-wait': QueueWaitEvent;
  'retry-scheduled': RetryScheduledEvent;
  'retry-budget-exhausted': RetryBudgetExhaustedEvent;
  coalesced: CoalescedEvent;
  'breaker-state': BreakerStateEvent;
  'breaker-rejected': BreakerRejectedEvent;
  'region-health': RegionHealthEvent;
  failover: FailoverEvent;
  autoscale: AutoscaleEvent;
  batch: BatchEvent;
  warning: WarningEvent;
  'shared-state': SharedStateEvent;
  'quota-wait': QuotaWaitEvent;
}

export type GempoolEventName = keyof GempoolEvents;
export type Listener<K extends GempoolEventName> = (event: GempoolEvents[K]) => void;

/**
 * A small typed emitter. Listener exceptions are caught and reported as a `warning` (or dropped),
 * so an observer can never throw into a request.
 */
export class TypedEmitter {
  #listeners = new Map<GempoolEventName, Set<Listener<any>>>();

  on<K extends GempoolEventName>(name: K, listener: Listener<K>): this {
    let set = this.#listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener);
    return this;
  }

  off<K extends GempoolEventName>(name: K, listener: Listener<K>): this {
    this.#listeners.get(name)?.delete(listener);
    return this;
  }

  once<K extends GempoolEventName>(name: K, listener: Listener<K>): this {
    const wrapped: Listener<K> = (event) => {
      this.off(name, wrapped);
      listener(event);
    };
    return this.on(name, wrapped);
  }

  /** True when someone listens: build an event's payload only then. */
  has(name: GempoolEventName): boolean {
    const set = this.#listeners.get(name);
    return set !== undefined && set.size > 0;
  }

  emit<K extends GempoolEventName>(name: K, event: GempoolEvents[K]): void {
    const set = this.#listeners.get(name);
    if (set === undefined || set.size === 0) return;
    for (const listener of set) {
      try {
        listener(event);
      } catch (error) {
        if (name !== 'warning') {
          this.emit('warning', { source: `listener:${name}`, message: error instanceof Error ? error.message : String(error) });
        }
      }
    }
  }
}
