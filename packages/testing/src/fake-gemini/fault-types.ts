// The scripted faults of the fake Gemini server. A fault matches requests by model and method,
// skips the first `after` matches, then fires on the next `times` matches (default 1).

export type FaultMatch = {
  /** Model name, glob (`gemini-*`) or RegExp; any model when omitted. */
  model?: string | RegExp;
  /** Gemini method (`generateContent`, `streamGenerateContent`, …); any method when omitted. */
  method?: string;
  /** How many matching requests this fault fires on; default 1, `Infinity` for always. */
  times?: number;
  /** Matching requests to let through untouched before the fault starts firing; default 0. */
  after?: number;
};

export type QuotaScope = 'per-minute' | 'per-day';

export type FaultAction =
  /**
   * An error response with a google.rpc.Status body. 429 carries QuotaFailure and RetryInfo
   * (`retryDelay`, default 45.8s); `retryInfo: false` leaves RetryInfo out, as some 429s do.
   */
  | { kind: 'status'; status: number; message?: string; retryDelay?: string; retryInfo?: boolean; quota?: QuotaScope }
  /** Destroys the stream (HTTP/2 RST_STREAM) or, with `scope: 'connection'`, the whole connection, before any header. */
  | { kind: 'reset'; scope?: 'stream' | 'connection' }
  /** Sends headers and part of the body, then destroys the stream or connection. */
  | { kind: 'reset-mid-body'; scope?: 'stream' | 'connection' }
  /** Never answers; the request stays open until the client gives up or the server closes. */
  | { kind: 'hang' }
  /** Waits `delayMs` (on top of the latency model) before sending headers. */
  | { kind: 'slow-headers'; delayMs: number }
  /** Sends headers and the first `afterChunks` chunks (default 1), then never sends more. */
  | { kind: 'stall-body'; afterChunks?: number }
  /** Inside a stream, after `afterChunks` chunks (default 1), sends an error object and ends. */
  | { kind: 'sse-error'; afterChunks?: number; status?: number }
  /** Answers this request, but first announces GOAWAY (HTTP/2) or `connection: close` (HTTP/1.1), then closes the connection. */
  | { kind: 'goaway' }
  /** Adds `addMs` to this response's latency. */
  | { kind: 'latency'; addMs: number };

export type Fault = FaultMatch & FaultAction;
export type FaultKind = FaultAction['kind'];

export const FAULT_KINDS: readonly FaultKind[] = [
  'status',
  'reset',
  'reset-mid-body',
  'hang',
  'slow-headers',
  'stall-body',
  'sse-error',
  'goaway',
  'latency',
];
