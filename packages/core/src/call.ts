// One logical call as it travels the pipeline: the normalised request plus the per-call state the
// steps share (lane, deadline, attempts, lease…). Steps read and write it; nothing else is passed.
import { createHash } from 'node:crypto';
import type { CallContext } from './context.js';
import type { RetryReason, TokenUsage } from './events.js';
import type { GeminiTarget } from './gemini-url.js';
import type { CallSite } from './resource-pool/leak-tracker.js';
import type { Lease } from './transport/lease.js';
import type { OriginPool } from './transport/origin-pool.js';

/** What undici accepts as a request body; streams are single-use. */
export type CallBody = string | Uint8Array | AsyncIterable<Uint8Array> | null;

export interface Call {
  readonly callId: number;
  /** `https://host:port`, no trailing slash. Route may change it (region failover). */
  origin: string;
  /** Path plus query string. */
  path: string;
  method: string;
  /** Lower-case names; never logged (it carries the credential). */
  headers: Record<string, string>;
  body: CallBody;
  /** False for stream bodies: such a call cannot be retried or coalesced. */
  readonly replayable: boolean;
  readonly signal: AbortSignal | undefined;
  /** Model, method, API version… parsed from the path. */
  target: GeminiTarget;
  readonly context: CallContext | undefined;
  /** Lane name; the lane step resolves it from the model when the context does not name one. */
  lane: string;
  priority: number;
  /** Absolute clock time the whole call must finish by, if any. */
  deadline: number | undefined;
  readonly startTime: number;
  /** 1 for the first attempt; the retry step increments it. */
  attempt: number;
  retryReasons: RetryReason[];
  region: string | undefined;
  /** The model actually called (a tier fallback may change it). */
  servedModel: string;
  /** Served by another caller's upstream call. */
  coalesced: boolean;
  /** Where the caller made the call; captured (not formatted) only when leak detection is on. */
  stack: CallSite | undefined;
  /** The connections the current attempt goes to (set by the route step). */
  route: OriginPool | undefined;
  /** The connection slot of the current attempt (set by the lease step, released by the body). */
  lease: Lease | undefined;
  /** Filled at body end when usage tracking is on. */
  usage: TokenUsage | undefined;
  finishReasons: string[] | undefined;
  /** The response body text, capped, filled at body end only after pool.trackContent(). */
  responseText?: string | undefined;
  /**
   * Read the whole body before the Response is handed back (coalescing leaders, embedding
   * batches, which buffer it anyway): no body stream, and the bytes ride along (kBodyBytes).
   */
  bufferBody?: boolean;
  /** Cached by credentialFingerprint(). */
  fingerprint: string | undefined;
}

/**
 * A short hash of the credential headers, so coalescing never shares a response across keys and
 * nothing stores the secret itself. Computed on first use only.
 */
export function credentialFingerprint(call: Call): string {
  if (call.fingerprint !== undefined) return call.fingerprint;
  const key = call.headers['x-goog-api-key'] ?? '';
  const auth = call.headers['authorization'] ?? '';
  // A one-entry memo: most processes send one credential, so it is hashed once, not per call.
  if (key !== lastFingerprint.key || auth !== lastFingerprint.auth) {
    const value = key === '' && auth === '' ? 'anonymous' : createHash('sha256').update(key).update('\0').update(auth).digest('base64url').slice(0, 16);
    lastFingerprint = { key, auth, value };
  }
  call.fingerprint = lastFingerprint.value;
  return call.fingerprint;
}

let lastFingerprint = { key: '', auth: '', value: 'anonymous' };

/** Remaining time before the call's deadline (Infinity when it has none). */
export function remainingMs(call: Call, now: number): number {
  return call.deadline === undefined ? Infinity : call.deadline - now;
}
