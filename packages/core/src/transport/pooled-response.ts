// One attempt on a leased connection, the undici side: the dispatch handler (new handler API)
// turning undici's callbacks into the caller's Response (or a typed error), with the checks made on
// the way: a non-Gemini content type, a truncated HTTP/2 body, usage/content capture, and
// `call.bufferBody` answered whole. The body source, lease and leak lifecycle it feeds live in
// PooledBodySource (pooled-body-source.ts), which this class extends so an attempt stays one object.
import type { Dispatcher } from 'undici';
import { AbortedError, BadResponseError, GempoolError } from '../errors.js';
import { UsageCollector } from '../usage.js';
import { bodyCompletenessFor, type BodyCompleteness } from './body-completeness.js';
import { mapTransportError } from './map-error.js';
import { PooledBodySource } from './pooled-body-source.js';
import { StreamErrorWatch } from './stream-error-watch.js';

export type { FinishKind } from './pooled-body-source.js';
export type { TransportContext } from './transport-context.js';

/** The handler behind a Response produced by pool.fetch (for call-end bookkeeping). */
export const kPooledResponse = Symbol('gempool.pooledResponse');
/** On a Response of a `call.bufferBody` attempt: its whole body, so a buffering step need not read it again. */
export const kBodyBytes = Symbol('gempool.bodyBytes');

// Pause the upstream once this much unread data is buffered (the body source resumes it below its low mark).
const HIGH_WATER_BYTES = 256 * 1024;
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
/** What Gemini answers with; a 2xx with anything else on a model method came from something in the way. */
const GEMINI_CONTENT_TYPE = /json|^\s*text\/event-stream/i;

export class PooledResponse extends PooledBodySource implements Dispatcher.DispatchHandler {
  #usage: UsageCollector | undefined;
  #completeness: BodyCompleteness | undefined;
  /** `call.bufferBody`: the head, kept until the body has arrived whole. */
  #bufferedHead: ResponseInit | undefined;

  // --- undici handler ---------------------------------------------------------------------

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.upstream = controller;
    if (this.finished) controller.abort(this.error ?? new AbortedError());
    else if (this.call.signal?.aborted) controller.abort(new AbortedError(this.call.signal.reason));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    this.upstream = controller;
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
      if (this.ctx.trackUsage || this.ctx.contentBytes > 0) this.#usage = new UsageCollector(headers['content-type'], this.ctx.contentBytes);
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
    this.headersReceived = true;
    if (success && !nullBody && this.call.target.streaming) this.errorWatch = new StreamErrorWatch(contentType !== undefined && contentType.includes('event-stream'));
    (response as unknown as Record<symbol, unknown>)[kPooledResponse] = this;
    if ((this.ctx.trackUsage || this.ctx.contentBytes > 0) && !nullBody) this.#usage = new UsageCollector(headers['content-type'], this.ctx.contentBytes);
    if (!nullBody) this.ctx.leakTracker.track(this);
    this.#emitAttemptEnd(undefined);
    this.resolveResponse(response);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.finished) return;
    this.#completeness?.push(chunk);
    this.#usage?.push(chunk);
    if (this.awaitingData && this.buffer.length === 0) {
      this.awaitingData = false;
      this.lastProgressAt = this.ctx.clock.now();
      this.deliver(this.bodyController!, chunk);
      return;
    }
    this.buffer.push(chunk);
    this.bufferedBytes += chunk.length;
    if (this.bufferedBytes >= HIGH_WATER_BYTES && this.#bufferedHead === undefined) controller.pause();
  }

  onResponseEnd(): void {
    this.ended = true;
    if (this.finished) return;
    if (this.#completeness !== undefined && !this.#completeness.complete()) return this.#failTruncated();
    if (this.#usage !== undefined) this.#usage.finish(this.call);
    if (this.#bufferedHead !== undefined) return this.#answerBuffered(this.#bufferedHead);
    if (this.bodyController === undefined) return this.finish('end'); // null body
    if (this.buffer.length === 0 && this.awaitingData) {
      this.bodyController.close();
      this.finish('end');
    } else if (this.errorEvent !== undefined) {
      this.finishAfterErrorEvent(this.bodyController);
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, cause: Error): void {
    this.ended = true;
    if (this.finished) return;
    const error = mapTransportError(cause, this.lease.entry.resource.origin);
    this.error = error;
    if (!this.headersReceived) {
      if (this.#bufferedHead === undefined) this.#emitAttemptEnd(error.code);
      this.rejectResponse(error);
    } else {
      this.bodyController?.error(error);
    }
    this.finish('error');
  }

  #answerBuffered(head: ResponseInit): void {
    const bytes = this.buffer.length === 1 ? this.buffer[0]! : Buffer.concat(this.buffer);
    this.buffer = [];
    this.bufferedBytes = 0;
    const response = new Response(bytes as Uint8Array<ArrayBuffer>, head);
    (response as unknown as Record<symbol, unknown>)[kPooledResponse] = this;
    (response as unknown as Record<symbol, unknown>)[kBodyBytes] = bytes;
    this.headersReceived = true;
    this.finish('end');
    this.resolveResponse(response);
  }

  /** The body stopped part-way but the transport reported an end: the reader gets a typed error. */
  #failTruncated(): void {
    const origin = this.lease.entry.resource.origin;
    const error = new GempoolError('CONNECTION_ERROR', `Connection to ${origin} failed (reset): the response body ended before it was complete`, {
      retryable: true,
      details: { origin, reason: 'reset', truncated: true },
    });
    this.error = error;
    this.buffer = [];
    this.bufferedBytes = 0;
    if (this.headersReceived) this.bodyController?.error(error);
    else this.rejectResponse(error);
    this.finish('error');
  }

  #emitAttemptEnd(errorCode: string | undefined): void {
    if (!this.ctx.emitter.has('attempt-end')) return;
    const { call } = this;
    const now = this.ctx.clock.now();
    this.ctx.emitter.emit('attempt-end', {
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
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
