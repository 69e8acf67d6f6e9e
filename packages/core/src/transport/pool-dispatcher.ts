// pool.dispatcher: an undici Dispatcher over the same connections and leases, for
// `undici.request(url, { dispatcher })` and `undici.fetch(url, { dispatcher })`. A lease lasts from
// dispatch until the handler sees the response end or an error.
import { Dispatcher } from 'undici';
import { AbortedError, PoolClosedError } from '../errors.js';
import type { Lease } from './lease.js';
import { mapTransportError } from './map-error.js';
import type { OriginPool } from './origin-pool.js';

export interface PoolDispatcherHost {
  readonly closed: boolean;
  originPool(origin: string): OriginPool;
  close(): Promise<void>;
}

/** Stands in for undici's controller when a call fails before it reached a connection. */
class FailedController implements Dispatcher.DispatchController {
  aborted = true;
  paused = false;
  reason: Error | null;
  constructor(reason: Error) {
    this.reason = reason;
  }
  abort(): void {}
  pause(): void {}
  resume(): void {}
}

/** Forwards to the caller's handler and gives the lease back when the exchange is over. */
class LeasedHandler implements Dispatcher.DispatchHandler {
  constructor(
    readonly inner: Dispatcher.DispatchHandler,
    readonly lease: Lease,
  ) {}
  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.inner.onRequestStart?.(controller, context);
  }
  onRequestUpgrade(controller: Dispatcher.DispatchController, statusCode: number, headers: any, socket: any): void {
    this.lease.release();
    this.inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }
  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: any, statusMessage?: string): void {
    this.inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }
  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.inner.onResponseData?.(controller, chunk);
  }
  onResponseEnd(controller: Dispatcher.DispatchController, trailers: any): void {
    this.lease.release();
    this.inner.onResponseEnd?.(controller, trailers);
  }
  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.lease.release();
    this.inner.onResponseError?.(controller, error);
  }
}

export class PoolDispatcher extends Dispatcher {
  readonly #host: PoolDispatcherHost;

  constructor(host: PoolDispatcherHost) {
    super();
    this.#host = host;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.#host.closed) {
      fail(handler, new PoolClosedError());
      return true;
    }
    const origin = options.origin === undefined ? undefined : typeof options.origin === 'string' ? new URL(options.origin).origin : options.origin.origin;
    if (origin === undefined) {
      fail(handler, new AbortedError('dispatch options carry no origin'));
      return true;
    }
    const route = this.#host.originPool(origin);
    let pending;
    try {
      pending = route.slots.acquire();
    } catch (error) {
      fail(handler, mapTransportError(error, origin));
      return true;
    }
    if (pending instanceof Promise) {
      pending.then(
        (lease) => send(lease, options, handler),
        (error: unknown) => fail(handler, mapTransportError(error, origin)),
      );
    } else {
      send(pending, options, handler);
    }
    return true;
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const done = this.#host.close();
    if (callback === undefined) return done;
    void done.then(callback, callback);
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const cb = typeof errOrCallback === 'function' ? errOrCallback : callback;
    const done = this.#host.close();
    if (cb === undefined) return done;
    void done.then(cb, cb);
  }
}

function send(lease: Lease, options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
  const { origin: _origin, ...rest } = options;
  lease.resource.client.dispatch(rest as Dispatcher.DispatchOptions, new LeasedHandler(handler, lease));
}

function fail(handler: Dispatcher.DispatchHandler, error: Error): void {
  const controller = new FailedController(error);
  queueMicrotask(() => handler.onResponseError?.(controller, error));
}
