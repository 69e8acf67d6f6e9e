// Decides, per failed attempt, whether Gemini wants us to try again and how eagerly. The rules come
// from how Gemini fails: 429 backs off (or waits exactly what RetryInfo says), a per-day quota never
// comes back within a call's lifetime, 500/503 back off, 504 / resets / GOAWAY are transient
// network trouble worth a quick retry, and other 4xx are the caller's bug and never retried.
import type { RetryReason } from '../events.js';
import { isGempoolError } from '../errors.js';
import type { GeminiStatus } from './gemini-status.js';

export type RetryDecision =
  /** Try again: `quick` for network blips, `backoff` for overload; `serverDelayMs` from RetryInfo. */
  | { action: 'retry'; reason: RetryReason; pace: 'backoff' | 'quick'; serverDelayMs: number | undefined }
  /** Per-day quota is gone: fail fast with QUOTA_EXHAUSTED (or fail over to another region). */
  | { action: 'quota-exhausted'; quotaIds: string[] }
  /** Not retryable. */
  | { action: 'stop' };

const STOP: RetryDecision = Object.freeze({ action: 'stop' });

/** Classifies an HTTP error response, given its parsed google.rpc.Status body. */
export function classifyStatus(status: number, body: GeminiStatus, honorRetryInfo = true): RetryDecision {
  if (status === 429 && body.perDayQuotaExhausted) return { action: 'quota-exhausted', quotaIds: body.quotaIds };
  const serverDelayMs = honorRetryInfo ? body.retryDelayMs : undefined;
  let reason: RetryReason;
  let pace: 'backoff' | 'quick';
  if (status === 429) [reason, pace] = ['429', 'backoff'];
  else if (status === 500 || status === 502 || status === 503) [reason, pace] = ['5xx', 'backoff'];
  else if (status === 504) [reason, pace] = ['504', 'quick'];
  else if (status === 408) [reason, pace] = ['timeout', 'quick'];
  else return STOP;
  if (serverDelayMs !== undefined) reason = 'retry-info';
  return { action: 'retry', reason, pace, serverDelayMs };
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ERR_HTTP2_STREAM_ERROR', 'ERR_HTTP2_STREAM_CANCEL', 'ERR_STREAM_PREMATURE_CLOSE']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'CONNECT_TIMEOUT']);
const GOAWAY_CODES = new Set(['ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_SESSION_ERROR']);
/** Our own errors that must stop the retry loop at once. */
const FINAL_GEMPOOL_CODES = new Set(['ABORTED', 'DEADLINE_EXCEEDED', 'POOL_CLOSED', 'BREAKER_OPEN', 'QUEUE_FULL', 'QUEUE_TIMEOUT', 'REQUEST_INVALID', 'CONFIG_INVALID', 'QUOTA_EXHAUSTED', 'LEASE_FORCE_RETURNED']);

/** Classifies a thrown error (no response): walks the `cause` chain that fetch and undici build. */
export function classifyError(error: unknown): RetryDecision {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (isGempoolError(current) && FINAL_GEMPOOL_CODES.has(current.code)) return STOP;
    // A 2xx that is not Gemini's (HTML from a proxy in the way): as transient as a 5xx.
    if (isGempoolError(current, 'BAD_RESPONSE') && current.retryable) return { action: 'retry', reason: '5xx', pace: 'backoff', serverDelayMs: undefined };
    if (typeof current === 'object' && (current as { name?: unknown }).name === 'AbortError') return STOP;
    const code = typeof current === 'object' ? String((current as { code?: unknown }).code ?? '') : '';
    const message = current instanceof Error ? current.message : '';
    if (GOAWAY_CODES.has(code) || /GOAWAY/i.test(message)) return retryQuick('goaway');
    if (TIMEOUT_CODES.has(code)) return retryQuick('timeout');
    if (RESET_CODES.has(code) || code === 'CONNECTION_ERROR' || /socket hang up|other side closed|ECONNRESET/i.test(message)) {
      return retryQuick('reset');
    }
    current = (current as { cause?: unknown }).cause;
  }
  return STOP;
}

function retryQuick(reason: RetryReason): RetryDecision {
  return { action: 'retry', reason, pace: 'quick', serverDelayMs: undefined };
}
