// The fault matrix's table: every upstream failure the issue lists, what each SDK call mode may
// end in, and the upstream status that must survive into the error. Outcomes are `success`, a
// GempoolError code, or `http-<status>` where the SDK raises its own ApiError from a response.
import type { Fault } from '@gempool/testing';
import type { CallOutcome } from '../helpers/call-outcome.js';
import type { CallMode } from '../helpers/sdk-clients.js';
import { thenOk } from '../helpers/raw-gemini-bodies.js';
import type { RawResponder } from '../helpers/raw-upstream.js';

export type Upstream = 'fake' | 'raw' | 'refused' | 'region-down';

export interface FaultCase {
  name: string;
  upstream: Upstream;
  faults?: Fault[];
  /** Builds the raw upstream's script (fresh per call mode: scripts may count requests). */
  raw?: () => RawResponder;
  /** Allowed outcomes per call mode. */
  expect: Record<CallMode, CallOutcome[]>;
  /** The upstream status the error must carry (GempoolError.status or ApiError.status). */
  status?: number;
  /** The SDK throws before the upstream has finished sending (HTTP/2 END_STREAM may come just after): idle once it has. */
  idleOnceUpstreamEnds?: true;
  /** Modes that fail today because of a bug elsewhere; described in the README's Reliability section. */
  knownBug?: { modes: CallMode[]; bug: string };
}

const both = (...outcomes: CallOutcome[]): Record<CallMode, CallOutcome[]> => ({ unary: outcomes, stream: outcomes });
const always = { times: Infinity };
// Timeouts below the deadline: a hung attempt is given up and retried, the call still ends in time.
const GAVE_UP: CallOutcome[] = ['RETRY_EXHAUSTED', 'DEADLINE_EXCEEDED'];

/** A captive portal or corporate proxy answering a Gemini call with its own 200 HTML page. */
const portalPage: RawResponder = (exchange) => {
  exchange.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  exchange.end('<html><body>Sign in to the guest network</body></html>');
};

export const FAULT_CASES: FaultCase[] = [
  // Transient faults: one shot, then the pool's retry must deliver the answer.
  { name: '429 with RetryInfo, once', upstream: 'fake', faults: [{ kind: 'status', status: 429, retryDelay: '0.02s' }], expect: both('success') },
  { name: '429 without RetryInfo, once', upstream: 'fake', faults: [{ kind: 'status', status: 429, retryInfo: false }], expect: both('success') },
  { name: '500, once', upstream: 'fake', faults: [{ kind: 'status', status: 500 }], expect: both('success') },
  { name: '503, once', upstream: 'fake', faults: [{ kind: 'status', status: 503 }], expect: both('success') },
  { name: '504, once', upstream: 'fake', faults: [{ kind: 'status', status: 504 }], expect: both('success') },
  { name: 'reset before headers, once', upstream: 'fake', faults: [{ kind: 'reset' }], expect: both('success') },
  { name: 'connection reset before headers, once', upstream: 'fake', faults: [{ kind: 'reset', scope: 'connection' }], expect: both('success') },
  { name: 'hang, once', upstream: 'fake', faults: [{ kind: 'hang' }], expect: both('success') },
  { name: 'slow headers (under the headers timeout)', upstream: 'fake', faults: [{ kind: 'slow-headers', delayMs: 50, ...always }], expect: both('success') },
  { name: '200 with an HTML body (captive portal), once', upstream: 'raw', raw: () => thenOk(portalPage), expect: both('success') },
  { name: 'GOAWAY after every answer', upstream: 'fake', faults: [{ kind: 'goaway', ...always }], expect: both('success') },

  // Persistent faults: a typed error, with the upstream status kept where there was one.
  { name: '429 with RetryInfo, always', upstream: 'fake', faults: [{ kind: 'status', status: 429, retryDelay: '0.02s', ...always }], expect: both('RETRY_EXHAUSTED'), status: 429 },
  { name: '429 with a RetryInfo past the deadline', upstream: 'fake', faults: [{ kind: 'status', status: 429, retryDelay: '45.8s', ...always }], expect: both('RETRY_EXHAUSTED'), status: 429 },
  { name: '429 without RetryInfo, always', upstream: 'fake', faults: [{ kind: 'status', status: 429, retryInfo: false, ...always }], expect: both('RETRY_EXHAUSTED'), status: 429 },
  { name: 'per-day quota', upstream: 'fake', faults: [{ kind: 'status', status: 429, quota: 'per-day', ...always }], expect: both('QUOTA_EXHAUSTED'), status: 429 },
  { name: '500, always', upstream: 'fake', faults: [{ kind: 'status', status: 500, ...always }], expect: both('RETRY_EXHAUSTED'), status: 500 },
  { name: '503, always', upstream: 'fake', faults: [{ kind: 'status', status: 503, ...always }], expect: both('RETRY_EXHAUSTED'), status: 503 },
  { name: '504, always', upstream: 'fake', faults: [{ kind: 'status', status: 504, ...always }], expect: both('RETRY_EXHAUSTED'), status: 504 },
  // Retried like a 5xx; the last attempt's BAD_RESPONSE (status 200, details.contentType) is the cause.
  { name: '200 with an HTML body (captive portal), always', upstream: 'raw', raw: () => portalPage, expect: both('RETRY_EXHAUSTED') },
  { name: 'reset before headers, always', upstream: 'fake', faults: [{ kind: 'reset', ...always }], expect: both('RETRY_EXHAUSTED') },
  // Headers (200) already reached the caller: the call cannot be replayed, the body errors.
  { name: 'reset mid-body', upstream: 'fake', faults: [{ kind: 'reset-mid-body', ...always }], expect: both('CONNECTION_ERROR') },
  { name: 'hang, always', upstream: 'fake', faults: [{ kind: 'hang', ...always }], expect: both(...GAVE_UP) },
  { name: 'slow headers (past the headers timeout)', upstream: 'fake', faults: [{ kind: 'slow-headers', delayMs: 5_000, ...always }], expect: both(...GAVE_UP) },
  { name: 'stalled body', upstream: 'fake', faults: [{ kind: 'stall-body', ...always }], expect: both('CONNECTION_ERROR') },
  {
    name: 'SSE error event mid-stream',
    upstream: 'fake',
    faults: [{ kind: 'sse-error', ...always }],
    // Unary calls are not streams: the fault does not apply. The SDK raises ApiError(500) mid-iteration
    // and abandons the stream; the pool ends the call there (the idle check runs right after).
    expect: { unary: ['success'], stream: ['http-500'] },
    status: 500,
    idleOnceUpstreamEnds: true,
  },
  { name: 'connection refused', upstream: 'refused', expect: both('CONNECTION_ERROR', 'RETRY_EXHAUSTED') },
  // Region routing: us-central1 resolves to a closed port, europe-west4 to the fake; the call fails over.
  { name: 'region down', upstream: 'region-down', expect: both('success') },
];
