// One error catalogue for gempool. Every failure a caller can see is a GempoolError with a stable
// `code`; retry facts (`status`, `retryable`, `retryAfterMs`) live on the error, never in a string.
// Branding with Symbol.for keeps `instanceof` working across two installed copies of the package.

const kGempoolError = Symbol.for('gempool.error');

export type GempoolErrorCode =
  | 'CONFIG_INVALID'
  | 'POOL_CLOSED'
  | 'QUEUE_FULL'
  | 'QUEUE_TIMEOUT'
  | 'LEASE_FORCE_RETURNED'
  | 'CONNECT_TIMEOUT'
  | 'CONNECTION_ERROR'
  | 'UPSTREAM_ERROR'
  | 'BAD_RESPONSE'
  | 'BREAKER_OPEN'
  | 'RETRY_EXHAUSTED'
  | 'RETRY_BUDGET_EXHAUSTED'
  | 'QUOTA_EXHAUSTED'
  | 'QUOTA_WAIT_TIMEOUT'
  | 'DEADLINE_EXCEEDED'
  | 'ABORTED'
  | 'REQUEST_INVALID';

export interface GempoolErrorOptions {
  /** HTTP status of the upstream response, when there was one. */
  status?: number;
  /** Whether trying again could succeed. */
  retryable?: boolean;
  /** How long the server asked us to wait (google.rpc.RetryInfo), in ms. */
  retryAfterMs?: number;
  cause?: unknown;
  /** Extra facts (model, origin, lane, field…). Never credentials or prompt text. */
  details?: Record<string, unknown>;
}

export class GempoolError extends Error {
  readonly code: GempoolErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: GempoolErrorCode, message: string, options: GempoolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GempoolError';
    this.code = code;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
  }

  get [kGempoolError](): true {
    return true;
  }

  // Only the base class is branded; subclasses keep the ordinary prototype check.
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== GempoolError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kGempoolError] === true;
  }
}

export function isGempoolError(value: unknown, code?: GempoolErrorCode): value is GempoolError {
  return value instanceof GempoolError && (code === undefined || value.code === code);
}

/** A bad option: names the field, what was expected and what was given (p-queue style). */
export class ConfigError extends GempoolError {
  readonly field: string;
  constructor(field: string, expected: string, given: unknown) {
    super('CONFIG_INVALID', `Expected \`${field}\` to be ${expected}, got ${describeValue(given)}`, {
      details: { field },
    });
    this.name = 'ConfigError';
    this.field = field;
  }
}

export class PoolClosedError extends GempoolError {
  constructor() {
    super('POOL_CLOSED', 'The pool is closed and accepts no new calls');
    this.name = 'PoolClosedError';
  }
}

export class QueueFullError extends GempoolError {
  constructor(queue: string, maxQueue: number) {
    super('QUEUE_FULL', `Queue \`${queue}\` is full (${maxQueue} waiting)`, { retryable: true, details: { queue, maxQueue } });
    this.name = 'QueueFullError';
  }
}

export class QueueTimeoutError extends GempoolError {
  constructor(queue: string, waitedMs: number) {
    super('QUEUE_TIMEOUT', `Waited ${Math.round(waitedMs)} ms in queue \`${queue}\` without getting a slot`, {
      retryable: true,
      details: { queue, waitedMs },
    });
    this.name = 'QueueTimeoutError';
  }
}

export class LeaseForceReturnedError extends GempoolError {
  constructor(heldMs: number) {
    super(
      'LEASE_FORCE_RETURNED',
      `The response body was not read for ${Math.round(heldMs)} ms; its connection slot was force-returned to the pool`,
      { details: { heldMs } },
    );
    this.name = 'LeaseForceReturnedError';
  }
}

export class DeadlineExceededError extends GempoolError {
  constructor(deadlineMs: number, cause?: unknown) {
    super('DEADLINE_EXCEEDED', `The call did not finish within its ${deadlineMs} ms deadline`, { cause, details: { deadlineMs } });
    this.name = 'DeadlineExceededError';
  }
}

export class AbortedError extends GempoolError {
  constructor(reason?: unknown) {
    super('ABORTED', 'The call was aborted by the caller', { cause: reason });
    this.name = 'AbortError';
  }
}

/** Shows a rejected value in a config message: `0` (number), `"x"` (string), `undefined`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return '`undefined`';
  if (value === null) return '`null`';
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return `an object`;
  return `\`${String(value)}\` (${typeof value})`;
}

/** A call waited for fleet-wide quota (options.quotas) until its deadline without getting it. */
export class QuotaWaitTimeoutError extends GempoolError {
  constructor(model: string, waitedMs: number, retryAfterMs?: number) {
    super('QUOTA_WAIT_TIMEOUT', `Waited ${Math.round(waitedMs)} ms for quota on model \`${model}\` without getting it before the deadline`, {
      retryable: true,
      retryAfterMs,
      details: { model, waitedMs },
    });
    this.name = 'QuotaWaitTimeoutError';
  }
}

/** The endpoint's circuit breaker is open (or half-open with every probe slot taken). */
export class BreakerOpenError extends GempoolError {
  constructor(endpoint: string, model: string) {
    super('BREAKER_OPEN', `The circuit breaker for \`${endpoint}\` is open; the call failed fast`, {
      retryable: true,
      details: { endpoint, model },
    });
    this.name = 'BreakerOpenError';
  }
}

/** A per-day quota is exhausted (google.rpc.QuotaFailure): retrying within this call is pointless. */
export class QuotaExhaustedError extends GempoolError {
  constructor(model: string, quotaIds: string[], retryAfterMs?: number) {
    super('QUOTA_EXHAUSTED', `Daily quota exhausted for model \`${model}\` (${quotaIds.join(', ') || 'unknown quota'})`, {
      status: 429,
      retryable: false,
      retryAfterMs,
      details: { model, quotaIds },
    });
    this.name = 'QuotaExhaustedError';
  }
}

/** One failed attempt, as listed in a retry error's `details.errors` (no secrets, no bodies). */
export interface AttemptFailure {
  attempt: number;
  status: number | undefined;
  /** google.rpc.Status name (`RESOURCE_EXHAUSTED`) or the thrown error's code. */
  code: string | undefined;
  message: string;
}

/**
 * Retries were made and did not succeed. `stoppedBy` says why the loop ended: `max-attempts`,
 * `budget` (RETRY_BUDGET_EXHAUSTED), `deadline` (the next wait would pass it), `retry-delay`
 * (RetryInfo asked for longer than retry.maxRetryInfoDelayMs) or `breaker-open`.
 */
export class RetryExhaustedError extends GempoolError {
  readonly attempts: number;
  readonly errors: AttemptFailure[];
  constructor(model: string, errors: AttemptFailure[], stoppedBy: string, options: { status?: number; retryAfterMs?: number; cause?: unknown }) {
    const code = stoppedBy === 'budget' ? 'RETRY_BUDGET_EXHAUSTED' : 'RETRY_EXHAUSTED';
    const last = errors[errors.length - 1];
    super(code, `Call to \`${model}\` failed after ${errors.length} attempt(s) (stopped by ${stoppedBy}); last error: ${last?.message ?? 'unknown'}`, {
      status: options.status,
      retryable: true,
      retryAfterMs: options.retryAfterMs,
      cause: options.cause,
      details: { model, attempts: errors.length, errors, stoppedBy },
    });
    this.name = 'RetryExhaustedError';
    this.attempts = errors.length;
    this.errors = errors;
  }
}

/**
 * A 2xx answer on a Gemini model method whose content-type is neither JSON nor an event stream:
 * HTML from a captive portal or a corporate proxy. Retryable like a 5xx; the body is never kept.
 */
export class BadResponseError extends GempoolError {
  constructor(origin: string, status: number, contentType: string) {
    const shown = contentType.length > 100 ? `${contentType.slice(0, 100)}…` : contentType;
    super('BAD_RESPONSE', `${origin} answered ${status} with content-type \`${shown}\`, not Gemini's JSON or event stream (a proxy or captive portal in the way?)`, {
      status,
      retryable: true,
      details: { origin, contentType: shown },
    });
    this.name = 'BadResponseError';
  }
}
