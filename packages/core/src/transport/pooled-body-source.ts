// The caller's side of one attempt on a leased connection: the underlying source of the WHATWG
// Response body and the attempt's lifecycle (abort, deadline, leak force-return, lease release).
// The lease is held until the consumer has read the body to the end, cancelled it, or it errored;
// with leak detection on, a consumer that stops making progress gets its lease force-returned.
// A stream whose error event (SSE or JSON array) has reached the consumer also ends the lease once
// the upstream has ended: the SDK stops reading there without cancelling the body.
// PooledResponse (the undici handler) extends this class, so an attempt stays one object and a call
// allocates no closures; the fields the handler fills in are protected for that reason only.
import type { Dispatcher } from 'undici';
import type { Call } from '../call.js';
import { unrefTimer, type TimerHandle } from '../clock.js';
import { AbortedError, DeadlineExceededError, GempoolError, LeaseForceReturnedError } from '../errors.js';
import type { TrackedLease } from '../resource-pool/leak-tracker.js';
import type { Lease } from './lease.js';
import { emitLeak, emitReturnedLate } from './lease-events.js';
import type { StreamErrorEvent, StreamErrorWatch } from './stream-error-watch.js';
import type { TransportContext } from './transport-context.js';

/** Below this much unread data a paused upstream is resumed (the handler pauses at its high mark). */
const LOW_WATER_BYTES = 64 * 1024;

/** `error-event`: a stream's error event reached the consumer and the upstream had ended. */
export type FinishKind = 'end' | 'cancel' | 'error' | 'leak' | 'abort' | 'error-event';

export abstract class PooledBodySource implements UnderlyingDefaultSource<Uint8Array>, TrackedLease {
  readonly call: Call;
  readonly lease: Lease;
  protected readonly ctx: TransportContext;
  protected readonly resolveResponse: (response: Response) => void;
  protected readonly rejectResponse: (error: unknown) => void;
  readonly promise: Promise<Response>;
  protected upstream: Dispatcher.DispatchController | undefined;
  protected bodyController: ReadableStreamDefaultController<Uint8Array> | undefined;
  protected buffer: Buffer[] = [];
  protected bufferedBytes = 0;
  protected headersReceived = false;
  protected ended = false;
  #forceReturned = false;
  #returnedLate = false;
  protected errorWatch: StreamErrorWatch | undefined;
  protected errorEvent: StreamErrorEvent | undefined;
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
  onFinish: ((response: this) => void) | undefined;

  constructor(call: Call, lease: Lease, ctx: TransportContext) {
    this.call = call;
    this.lease = lease;
    this.ctx = ctx;
    let resolve!: (response: Response) => void;
    let reject!: (error: unknown) => void;
    this.promise = new Promise<Response>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.resolveResponse = resolve;
    this.rejectResponse = reject;
    this.attemptStart = this.lastProgressAt = ctx.clock.now();
    call.signal?.addEventListener('abort', this);
    // The call's deadline covers this attempt too: a hung upstream or a stalled body ends at the
    // deadline (on the injected clock), not at undici's header/body timeouts.
    if (call.deadline !== undefined) {
      const deadline = call.deadline;
      this.#deadlineTimer = unrefTimer(ctx.clock.setTimeout(() => this.#fail(new DeadlineExceededError(deadline - call.startTime)), deadline - this.attemptStart));
    }
  }

  // --- body source (the consumer's side) --------------------------------------------------

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.bodyController = controller;
  }

  pull(controller: ReadableStreamDefaultController<Uint8Array>): void {
    if (this.#forceReturned) {
      this.#noteReturnedLate();
      controller.error(new LeaseForceReturnedError(this.ctx.clock.now() - this.lease.acquiredAt));
      return;
    }
    this.lastProgressAt = this.ctx.clock.now();
    const chunk = this.buffer.shift();
    if (chunk !== undefined) {
      this.bufferedBytes -= chunk.length;
      this.deliver(controller, chunk);
      if (this.upstream?.paused && this.bufferedBytes < LOW_WATER_BYTES) this.upstream.resume();
      return;
    }
    if (this.ended && !this.finished) {
      controller.close();
      this.finish('end');
      return;
    }
    this.awaitingData = true;
    if (this.upstream?.paused) this.upstream.resume();
  }

  cancel(reason: unknown): void {
    if (this.#forceReturned) return this.#noteReturnedLate();
    if (this.finished) return;
    this.buffer = [];
    if (!this.ended) this.upstream?.abort(new AbortedError(reason));
    this.finish('cancel');
  }

  protected deliver(controller: ReadableStreamDefaultController<Uint8Array>, chunk: Buffer): void {
    controller.enqueue(chunk);
    if (this.errorWatch === undefined || this.errorEvent !== undefined) return;
    this.errorEvent = this.errorWatch.check(chunk);
    if (this.errorEvent !== undefined && this.ended) this.finishAfterErrorEvent(controller);
  }

  /**
   * The consumer has the error event and the upstream is done: the call is over even if the
   * consumer never reads again. What is left is handed to the body as it is, and the body closed.
   */
  protected finishAfterErrorEvent(controller: ReadableStreamDefaultController<Uint8Array>): void {
    for (const chunk of this.buffer) controller.enqueue(chunk);
    this.buffer = [];
    this.bufferedBytes = 0;
    controller.close();
    const status = this.errorEvent!.status;
    if (status !== undefined) this.status = status;
    else this.error = new GempoolError('UPSTREAM_ERROR', 'The stream ended with an error event', { status: this.status });
    this.finish('error-event');
  }

  // --- leak tracker and abort signal ------------------------------------------------------

  forceReturn(now: number): void {
    if (this.finished) return;
    const heldMs = now - this.lease.acquiredAt;
    emitLeak(this.ctx, this.lease.id, this.call, this.lease.entry.resource.origin, heldMs);
    this.#forceReturned = true;
    this.buffer = [];
    const error = new LeaseForceReturnedError(heldMs);
    this.error = error;
    if (!this.ended) this.upstream?.abort(error);
    this.finish('leak');
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
    if (this.upstream !== undefined && !this.ended) {
      const upstream = this.upstream;
      setImmediate(() => upstream.abort(error));
      return;
    }
    this.error = error;
    if (this.headersReceived) this.bodyController?.error(error);
    else this.rejectResponse(error);
    this.finish('abort');
  }

  #noteReturnedLate(): void {
    if (this.#returnedLate) return;
    this.#returnedLate = true;
    emitReturnedLate(this.ctx, this.lease.id, this.lease.entry.resource.origin, this.call.target.model, this.ctx.clock.now() - this.lease.acquiredAt);
  }

  protected finish(kind: FinishKind): void {
    if (this.finished) return;
    this.finished = true;
    this.finishKind = kind;
    this.call.signal?.removeEventListener('abort', this);
    if (this.#deadlineTimer !== undefined) this.ctx.clock.clearTimeout(this.#deadlineTimer);
    this.ctx.leakTracker.untrack(this);
    const lease = this.lease;
    // An HTTP/1.1 exchange cut short (error, abort, deadline, cancel or leak before the end) costs
    // the socket: undici destroys it. Retire the connection now so no call is sent on it meanwhile.
    if ((kind === 'error' || !this.ended) && lease.entry.resource.httpVersion === '1.1') lease.entry.retiring ??= 'error';
    lease.release();
    if (this.ctx.emitter.has('lease-released')) {
      this.ctx.emitter.emit('lease-released', {
        callId: this.call.callId,
        origin: lease.entry.resource.origin,
        pool: lease.entry.resource.pool,
        waitMs: lease.waitMs,
        useMs: this.ctx.clock.now() - lease.acquiredAt,
      });
    }
    this.onFinish?.(this);
  }
}
