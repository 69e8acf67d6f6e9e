// One attempt on a leased connection: the undici dispatch handler (new handler API) and the
// underlying source of the WHATWG Response body, in one object so a call allocates no closures.
// The lease is held until the consumer has read the body to the end, cancelled it, or it errored;
// with leak detection on, a consumer that stops making progress gets its lease force-returned.
// A stream whose error event (SSE or JSON array) has reached the consumer also ends the lease once
// the upstream has ended: the SDK stops reading there without cancelling the body.
import type { Dispatcher } from 'undici';
import type { Call } from '../call.js';
import { unrefTimer, type Clock, type TimerHandle } from '../clock.js';
import { AbortedError, BadResponseError, DeadlineExceededError, GempoolError, LeaseForceReturnedError } from '../errors.js';
import type { TypedEmitter } from '../events.js';
import { stackText, type LeakTracker, type TrackedLease } from '../resource-pool/leak-tracker.js';
import { UsageCollector } from '../usage.js';
import { bodyCompletenessFor, type BodyCompleteness } from './body-completeness.js';
import type { Lease } from './lease.js';
import { mapTransportError } from './map-error.js';
import { StreamErrorWatch, type StreamErrorEvent } from './stream-error-watch.js';

export interface TransportContext {
  readonly clock: Clock;
  readonly emitter: TypedEmitter;
  readonly leakTracker: LeakTracker;
  /** Usage parsing is off (zero cost) until telemetry or quotas ask for it. */
  trackUsage: boolean;
  /** Bytes of response text kept for call-end (pool.trackContent()); 0: off. */
  contentBytes: number;
}

/** The handler behind a Response produced by pool.fetch (for call-end bookkeeping). */
export const kPooledResponse = Symbol('gempool.pooledResponse');
/** On a Response of a `call.bufferBody` attempt: its whole body, so a buffering step need not read it again. */
export const kBodyBytes = Symbol('gempool.bodyBytes');

// Pause the upstream once this much unread data is buffered; resume below the low mark.
const HIGH_WATER_BYTES = 256 * 1024;
const LOW_WATER_BYTES = 64 * 1024;
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
/** What Gemini answers with; a 2xx with anything else on a model method came from something in the way. */
const GEMINI_CONTENT_TYPE = /json|^\s*text\/event-stream/i;

/** `error-event`: a stream's error event reached the consumer and the upstream had ended. */
export type FinishKind = 'end' | 'cancel' | 'error' | 'leak' | 'abort' | 'error-event';

export class PooledResponse implements Dispatcher.DispatchHandler, UnderlyingDefaultSource<Uint8Array>, TrackedLease {
  readonly call: Call;
  readonly lease: Lease;
  readonly #ctx: TransportContext;
  readonly #resolve: (response: Response) => void;
  readonly #reject: (error: unknown) => void;
  readonly promise: Promise<Response>;
  #upstream: Dispatcher.DispatchController | undefined;
  #body: ReadableStreamDefaultController<Uint8Array> | undefined;
  #buffer: Buffer[] = [];
  #bufferedBytes = 0;
  #headersReceived = false;
  #ended = false;
  #forceReturned = false;
  #returnedLate = false;
  #usage: UsageCollector | undefined;
  #errorWatch: StreamErrorWatch | undefined;
  #errorEvent: StreamErrorEvent | undefined;
  #completeness: BodyCompleteness | undefined;
  /** `call.bufferBody`: the head, kept until the body has arrived whole. */
  #bufferedHead: ResponseInit | undefined;
  #deadlineTimer: TimerHandle | undefined;
  readonly attemptStart: number;
  finished = false;
  finishKind: FinishKind | undefined;
  /** The response status; after a stream's error event, the event's code. */
  status: number | undefined;
  error: GempoolError | undefined;
  lastProgressAt: number;
  awaitingData = false;
  /** Set by pool.fetch to learn when the final response's body is done. */
  onFinish: ((response: PooledResponse) => void) | undefined;

  constructor(call: Call, lease: Lease, ctx: TransportContext) {
    this.call = call;
    this.lease = lease;
    this.#ctx = ctx;
    let resolve!: (response: Response) => void;
    let reject!: (error: unknown) => void;
    this.promise = new Promise<Response>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#resolve = resolve;
    this.#reject = reject;
    this.attemptStart = this.lastProgressAt = ctx.clock.now();
    call.signal?.addEventListener('abort', this);
    // The call's deadline covers this attempt too: a hung upstream or a stalled body ends at the
    // deadline (on the injected clock), not at undici's header/body timeouts.
    if (call.deadline !== undefined) {
      const deadline = call.deadline;
      this.#deadlineTimer = unrefTimer(ctx.clock.setTimeout(() => this.#fail(new DeadlineExceededError(deadline - call.startTime)), deadline - this.attemptStart));
    }
  }

  // --- undici handler ---------------------------------------------------------------------

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#upstream = controller;
    if (this.finished) controller.abort(this.error ?? new AbortedError());
    else if (this.call.signal?.aborted) controller.abort(new AbortedError(this.call.signal.reason));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    this.#upstream = controller;
    this.status = statusCode;
    if (this.lease.entry.resource.httpVersion === '2') this.lease.entry.capacity = this.lease.entry.resource.capacity;
    const nullBody = this.call.method === 'HEAD' || NULL_BODY_STATUS.has(statusCode);
    const contentType = headerText(headers['content-type']);
    const success = statusCode >= 200 && statusCode < 300;
    // HTML from a captive portal or a corporate proxy: a retryable typed error, not the SDK's SyntaxError.
    if (success && !nullBody && this.call.target.provider !== 'unknown' && contentType !== undefined && !GEMINI_CONTENT_TYPE.test(contentType)) {
      controller.abort(new BadResponseError(this.lease.entry.resource.origin, statusCode, contentType));
      return; // onResponseError rejects: no headers reached the caller
    }
    const responseHeaders = new Headers();
    for (const name in headers) {
      const value = headers[name];
      if (typeof value === 'string') responseHeaders.append(name, value);
      else if (value !== undefined) for (const item of value) responseHeaders.append(name, item);
    }
    // HTTP/2 without content-length: a reset mid-body can reach us as a clean end (body-completeness.ts).
    if (!nullBody && this.lease.entry.resource.httpVersion === '2' && headers['content-length'] === undefined) this.#completeness = bodyCompletenessFor(contentType, !success);
    if (this.call.bufferBody === true && !nullBody) {
      // Read it all first (onResponseEnd answers): no body stream, nothing a consumer could leak.
      this.#bufferedHead = { status: statusCode, statusText: statusMessage ?? '', headers: responseHeaders };
      if (this.#ctx.trackUsage || this.#ctx.contentBytes > 0) this.#usage = new UsageCollector(headers['content-type'], this.#ctx.contentBytes);
      this.#emitAttemptEnd(undefined);
      return;
    }
    let response: Response;
    try {
      const body = nullBody ? null : new ReadableStream<Uint8Array>(this, { highWaterMark: 0 });
      response = new Response(body, { status: statusCode, statusText: statusMessage ?? '', headers: responseHeaders });
    } catch (error) {
      const failure = new GempoolError('BAD_RESPONSE', `Unusable response status ${statusCode} from ${this.lease.entry.resource.origin}`, { status: statusCode, cause: error });
      controller.abort(failure);
      return;
    }
    this.#headersReceived = true;
    if (success && !nullBody && this.call.target.streaming) this.#errorWatch = new StreamErrorWatch(contentType !== undefined && contentType.includes('event-stream'));
    (response as unknown as Record<symbol, unknown>)[kPooledResponse] = this;
    if ((this.#ctx.trackUsage || this.#ctx.contentBytes > 0) && !nullBody) this.#usage = new UsageCollector(headers['content-type'], this.#ctx.contentBytes);
    if (!nullBody) this.#ctx.leakTracker.track(this);
    this.#emitAttemptEnd(undefined);
    this.#resolve(response);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.finished) return;
    this.#completeness?.push(chunk);
    this.#usage?.push(chunk);
    if (this.awaitingData && this.#buffer.length === 0) {
      this.awaitingData = false;
      this.lastProgressAt = this.#ctx.clock.now();
      this.#deliver(this.#body!, chunk);
      return;
    }
    this.#buffer.push(chunk);
    this.#bufferedBytes += chunk.length;
    if (this.#bufferedBytes >= HIGH_WATER_BYTES && this.#bufferedHead === undefined) controller.pause();
  }

  onResponseEnd(): void {
    this.#ended = true;
    if (this.finished) return;
    if (this.#completeness !== undefined && !this.#completeness.complete()) return this.#failTruncated();
    if (this.#usage !== undefined) this.#usage.finish(this.call);
    if (this.#bufferedHead !== undefined) return this.#answerBuffered(this.#bufferedHead);
    if (this.#body === undefined) return this.#finish('end'); // null body
    if (this.#buffer.length === 0 && this.awaitingData) {
      this.#body.close();
      this.#finish('end');
    } else if (this.#errorEvent !== undefined) {
      this.#finishAfterErrorEvent(this.#body);
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, cause: Error): void {
    this.#ended = true;
    if (this.finished) return;
    const error = mapTransportError(cause, this.lease.entry.resource.origin);
    this.error = error;
    if (!this.#headersReceived) {
      if (this.#bufferedHead === undefined) this.#emitAttemptEnd(error.code);
      this.#reject(error);
    } else {
      this.#body?.error(error);
    }
    this.#finish('error');
  }

  // --- body source (the consumer's side) --------------------------------------------------

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#body = controller;
  }

  pull(controller: ReadableStreamDefaultController<Uint8Array>): void {
    if (this.#forceReturned) {
      this.#noteReturnedLate();
      controller.error(new LeaseForceReturnedError(this.#ctx.clock.now() - this.lease.acquiredAt));
      return;
    }
    this.lastProgressAt = this.#ctx.clock.now();
    const chunk = this.#buffer.shift();
    if (chunk !== undefined) {
      this.#bufferedBytes -= chunk.length;
      this.#deliver(controller, chunk);
      if (this.#upstream?.paused && this.#bufferedBytes < LOW_WATER_BYTES) this.#upstream.resume();
      return;
    }
    if (this.#ended && !this.finished) {
      controller.close();
      this.#finish('end');
      return;
    }
    this.awaitingData = true;
    if (this.#upstream?.paused) this.#upstream.resume();
  }

  cancel(reason: unknown): void {
    if (this.#forceReturned) return this.#noteReturnedLate();
    if (this.finished) return;
    this.#buffer = [];
    if (!this.#ended) this.#upstream?.abort(new AbortedError(reason));
    this.#finish('cancel');
  }

  #deliver(controller: ReadableStreamDefaultController<Uint8Array>, chunk: Buffer): void {
    controller.enqueue(chunk);
    if (this.#errorWatch === undefined || this.#errorEvent !== undefined) return;
    this.#errorEvent = this.#errorWatch.check(chunk);
    if (this.#errorEvent !== undefined && this.#ended) this.#finishAfterErrorEvent(controller);
  }

  /**
   * The consumer has the error event and the upstream is done: the call is over even if the
   * consumer never reads again. What is left is handed to the body as it is, and the body closed.
   */
  #finishAfterErrorEvent(controller: ReadableStreamDefaultController<Uint8Array>): void {
    for (const chunk of this.#buffer) controller.enqueue(chunk);
    this.#buffer = [];
    this.#bufferedBytes = 0;
    controller.close();
    const status = this.#errorEvent!.status;
    if (status !== undefined) this.status = status;
    else this.error = new GempoolError('UPSTREAM_ERROR', 'The stream ended with an error event', { status: this.status });
    this.#finish('error-event');
  }

  #answerBuffered(head: ResponseInit): void {
    const bytes = this.#buffer.length === 1 ? this.#buffer[0]! : Buffer.concat(this.#buffer);
    this.#buffer = [];
    this.#bufferedBytes = 0;
    const response = new Response(bytes as Uint8Array<ArrayBuffer>, head);
    (response as unknown as Record<symbol, unknown>)[kPooledResponse] = this;
    (response as unknown as Record<symbol, unknown>)[kBodyBytes] = bytes;
    this.#headersReceived = true;
    this.#finish('end');
    this.#resolve(response);
  }

  /** The body stopped part-way but the transport reported an end: the reader gets a typed error. */
  #failTruncated(): void {
    const origin = this.lease.entry.resource.origin;
    const error = new GempoolError('CONNECTION_ERROR', `Connection to ${origin} failed (reset): the response body ended before it was complete`, {
      retryable: true,
      details: { origin, reason: 'reset', truncated: true },
    });
    this.error = error;
    this.#buffer = [];
    this.#bufferedBytes = 0;
    if (this.#headersReceived) this.#body?.error(error);
    else this.#reject(error);
    this.#finish('error');
  }

  // --- leak tracker and abort signal ------------------------------------------------------

  forceReturn(now: number): void {
    if (this.finished) return;
    const heldMs = now - this.lease.acquiredAt;
    const { call } = this;
    // Reported before the body is ended (which ends the call): telemetry puts the leak on the
    // call's span while it is still open.
    if (this.#ctx.emitter.has('leak')) {
      this.#ctx.emitter.emit('leak', {
        leaseId: this.lease.id,
        callId: call.callId,
        origin: this.lease.entry.resource.origin,
        model: call.target.model,
        method: call.target.method,
        heldMs,
        stack: stackText(call.stack),
        forceReturned: true,
      });
    }
    this.#forceReturned = true;
    this.#buffer = [];
    const error = new LeaseForceReturnedError(heldMs);
    this.error = error;
    if (!this.#ended) this.#upstream?.abort(error);
    this.#finish('leak');
  }

  handleEvent(): void {
    this.#fail(new AbortedError(this.call.signal?.reason));
  }

  /** Ends the attempt with `error` (abort, deadline): the request is aborted, the caller or the body reader gets the error. */
  #fail(error: GempoolError): void {
    if (this.finished) return;
    // undici reports the abort back through onResponseError, which settles and finishes. The
    // abort is deferred to the next turn: aborting an HTTP/2 stream synchronously from inside the
    // caller's abort event, right after its request was written, sent Node's native HTTP/2 session
    // into an endless write loop (100% CPU until out of memory, the next call never sent).
    if (this.#upstream !== undefined && !this.#ended) {
      const upstream = this.#upstream;
      setImmediate(() => upstream.abort(error));
      return;
    }
    this.error = error;
    if (this.#headersReceived) this.#body?.error(error);
    else this.#reject(error);
    this.#finish('abort');
  }

  #noteReturnedLate(): void {
    if (this.#returnedLate) return;
    this.#returnedLate = true;
    if (this.#ctx.emitter.has('returned-late')) {
      this.#ctx.emitter.emit('returned-late', {
        leaseId: this.lease.id,
        origin: this.lease.entry.resource.origin,
        model: this.call.target.model,
        heldMs: this.#ctx.clock.now() - this.lease.acquiredAt,
      });
    }
  }

  #emitAttemptEnd(errorCode: string | undefined): void {
    if (!this.#ctx.emitter.has('attempt-end')) return;
    const { call } = this;
    const now = this.#ctx.clock.now();
    this.#ctx.emitter.emit('attempt-end', {
      callId: call.callId,
      attempt: call.attempt,
      origin: call.origin,
      region: call.region,
      model: call.servedModel,
      time: this.attemptStart,
      status: this.status,
      errorCode,
      durationMs: now - this.attemptStart,
    });
  }

  #finish(kind: FinishKind): void {
    if (this.finished) return;
    this.finished = true;
    this.finishKind = kind;
    this.call.signal?.removeEventListener('abort', this);
    if (this.#deadlineTimer !== undefined) this.#ctx.clock.clearTimeout(this.#deadlineTimer);
    this.#ctx.leakTracker.untrack(this);
    const lease = this.lease;
    // An HTTP/1.1 exchange cut short (error, abort, deadline, cancel or leak before the end) costs
    // the socket: undici destroys it. Retire the connection now so no call is sent on it meanwhile.
    if ((kind === 'error' || !this.#ended) && lease.entry.resource.httpVersion === '1.1') lease.entry.retiring ??= 'error';
    lease.release();
    if (this.#ctx.emitter.has('lease-released')) {
      this.#ctx.emitter.emit('lease-released', {
        callId: this.call.callId,
        origin: lease.entry.resource.origin,
        pool: lease.entry.resource.pool,
        waitMs: lease.waitMs,
        useMs: this.#ctx.clock.now() - lease.acquiredAt,
      });
    }
    this.onFinish?.(this);
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
