// A body already in memory (a coalesced, batched or transport-buffered response) handed to a
// caller, tracked by the leak tracker exactly like a pooled body: it holds no connection slot, but
// a caller that never reads it is still a bug worth finding (the same code would leak a slot the
// day the call is not coalesced). After `leakTimeoutMs` unread it is force-returned: the bytes are
// dropped, a `leak` event carries the caller's stack, `stats().leaks` counts it, and a later read
// fails with LEASE_FORCE_RETURNED (`returned-late`). The body is one chunk: the first read is the
// end, so a reading consumer is never a leak. No timer per body: the tracker's sweep finds it.
import type { Call } from '../call.js';
import { LeaseForceReturnedError, type GempoolError } from '../errors.js';
import type { TrackedLease } from '../resource-pool/leak-tracker.js';
import { emitLeak, emitReturnedLate } from './lease-events.js';
import type { TransportContext } from './transport-context.js';

export type TrackedBodyFinish = 'end' | 'cancel' | 'leak';

export class TrackedBody implements UnderlyingDefaultSource<Uint8Array>, TrackedLease {
  readonly #call: Call;
  readonly #ctx: TransportContext;
  readonly #leaseId: number;
  readonly #handedAt: number;
  #bytes: Uint8Array | undefined;
  #forceReturned = false;
  #returnedLate = false;
  lastProgressAt: number;
  readonly awaitingData = false;
  finished = false;
  finishKind: TrackedBodyFinish | undefined;
  readonly status: number;
  error: GempoolError | undefined;
  /** Set by pool.fetch to learn when the caller is done with the body (call-end). */
  onFinish: ((body: TrackedBody) => void) | undefined;

  /** `leaseId`: the lease the bytes were read on (0 when they came from another caller's call). */
  constructor(call: Call, bytes: Uint8Array, status: number, leaseId: number, ctx: TransportContext) {
    this.#call = call;
    this.#ctx = ctx;
    this.#bytes = bytes;
    this.status = status;
    this.#leaseId = leaseId;
    this.#handedAt = this.lastProgressAt = ctx.clock.now();
    ctx.leakTracker.track(this);
  }

  /** A Response with the same head as `response` whose body is this tracked source. */
  wrap(response: Response): Response {
    const body = new ReadableStream<Uint8Array>(this, { highWaterMark: 0 });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  }

  pull(controller: ReadableStreamDefaultController<Uint8Array>): void {
    if (this.#forceReturned) {
      this.#noteReturnedLate();
      controller.error(new LeaseForceReturnedError(this.#ctx.clock.now() - this.#handedAt));
      return;
    }
    const bytes = this.#bytes;
    this.#bytes = undefined;
    if (bytes !== undefined && bytes.byteLength > 0) controller.enqueue(bytes);
    controller.close();
    this.#finish('end');
  }

  cancel(): void {
    if (this.#forceReturned) return this.#noteReturnedLate();
    this.#bytes = undefined;
    this.#finish('cancel');
  }

  forceReturn(now: number): void {
    if (this.finished) return;
    const heldMs = now - this.#handedAt;
    emitLeak(this.#ctx, this.#leaseId, this.#call, this.#call.origin, heldMs);
    this.#forceReturned = true;
    this.#bytes = undefined;
    this.error = new LeaseForceReturnedError(heldMs);
    this.#finish('leak');
  }

  #noteReturnedLate(): void {
    if (this.#returnedLate) return;
    this.#returnedLate = true;
    emitReturnedLate(this.#ctx, this.#leaseId, this.#call.origin, this.#call.target.model, this.#ctx.clock.now() - this.#handedAt);
  }

  #finish(kind: TrackedBodyFinish): void {
    if (this.finished) return;
    this.finished = true;
    this.finishKind = kind;
    this.#ctx.leakTracker.untrack(this);
    this.onFinish?.(this);
  }
}
