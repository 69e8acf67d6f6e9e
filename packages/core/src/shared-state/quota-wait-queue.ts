// Callers waiting for one model's quota, highest priority first (FIFO within a priority). While the
// backend is not ready yet (shared state still connecting) everyone waits for it. Only the head
// asks the backend, so a waiting crowd costs one Redis round trip per wake-up, not one per
// caller; when the backend says "wait N ms" the head sleeps N ms and asks again. A caller leaves
// with its grant, at its deadline (QUOTA_WAIT_TIMEOUT), as soon as the known wait already runs past
// its deadline, or when its signal aborts.
import type { Clock, TimerHandle } from '../clock.js';
import { AbortedError, QuotaWaitTimeoutError } from '../errors.js';
import type { TypedEmitter } from '../events.js';
import type { TakeResult } from './bucket-limits.js';

export interface WaitOptions {
  /** Higher is served first. */
  priority: number;
  /** Clock time after which the caller gives up. */
  deadline: number;
  signal: AbortSignal | undefined;
}

interface Waiter extends WaitOptions {
  tokens: number;
  seq: number;
  enqueuedAt: number;
  waited: boolean;
  paused: boolean;
  deadlineTimer: TimerHandle | undefined;
  onAbort: (() => void) | undefined;
  resolve: () => void;
  reject: (error: Error) => void;
}

export type TakeFn = (tokens: number) => Promise<TakeResult>;
/** Gives back one request and `tokens` granted to a caller that left before learning of it. */
export type RefundFn = (tokens: number) => void;
/** A promise while the backend cannot be asked yet (shared state still connecting), else undefined. */
export type ReadyFn = () => Promise<void> | undefined;

export class QuotaWaitQueue {
  readonly #model: string;
  readonly #take: TakeFn;
  readonly #refund: RefundFn;
  readonly #clock: Clock;
  readonly #emitter: TypedEmitter;
  readonly #ready: ReadyFn | undefined;
  readonly #waiters: Waiter[] = [];
  #seq = 0;
  #taking = false;
  #wakeTimer: TimerHandle | undefined;

  constructor(model: string, take: TakeFn, refund: RefundFn, clock: Clock, emitter: TypedEmitter, ready?: ReadyFn) {
    this.#model = model;
    this.#ready = ready;
    this.#take = take;
    this.#refund = refund;
    this.#clock = clock;
    this.#emitter = emitter;
  }

  get size(): number {
    return this.#waiters.length;
  }

  /** Resolves once one request and `tokens` have been taken for the caller. */
  wait(tokens: number, options: WaitOptions): Promise<void> {
    if (options.signal?.aborted === true) return Promise.reject(new AbortedError(options.signal.reason));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        ...options,
        tokens,
        seq: this.#seq++,
        enqueuedAt: this.#clock.now(),
        waited: false,
        paused: false,
        deadlineTimer: undefined,
        onAbort: undefined,
        resolve,
        reject,
      };
      const idle = this.#waiters.length === 0 && !this.#taking && this.#wakeTimer === undefined;
      this.#insert(waiter);
      if (options.signal !== undefined) {
        waiter.onAbort = () => this.#leave(waiter, new AbortedError(options.signal?.reason), 'ABORTED');
        options.signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      // The common case (quota available, nobody waiting) arms no timer at all.
      if (!idle) this.#armDeadline(waiter);
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#taking || this.#wakeTimer !== undefined) return;
    const head = this.#waiters[0];
    if (head === undefined) return;
    this.#taking = true;
    const notReady = this.#ready?.();
    if (notReady !== undefined) {
      // Everyone waits for the backend, each up to its own deadline.
      for (const waiter of this.#waiters) this.#armDeadline(waiter);
      void notReady.then(() => {
        this.#taking = false;
        this.#pump();
      });
      return;
    }
    this.#take(head.tokens).then(
      (result) => this.#onTaken(head, result),
      (error: unknown) => {
        // A backend that fails outright (it should fall back instead) fails the caller, typed.
        this.#taking = false;
        this.#leave(head, error instanceof Error ? error : new Error(String(error)), 'QUOTA_WAIT_TIMEOUT');
        this.#pump();
      },
    );
  }

  #onTaken(head: Waiter, result: TakeResult): void {
    this.#taking = false;
    const stillWaiting = this.#waiters.includes(head);
    if (result.granted) {
      if (stillWaiting) this.#grant(head);
      else this.#refund(head.tokens);
      this.#pump();
      return;
    }
    for (const waiter of this.#waiters) this.#armDeadline(waiter);
    if (stillWaiting) {
      head.waited = true;
      head.paused ||= result.paused;
      if (this.#clock.now() + result.waitMs > head.deadline) {
        this.#leave(head, this.#timeout(head, result.waitMs), 'QUOTA_WAIT_TIMEOUT');
        this.#pump();
        return;
      }
    }
    this.#wakeTimer = this.#clock.setTimeout(() => {
      this.#wakeTimer = undefined;
      this.#pump();
    }, Math.max(1, result.waitMs));
  }

  #grant(waiter: Waiter): void {
    this.#remove(waiter);
    if (waiter.waited) this.#report(waiter, 'admitted');
    waiter.resolve();
  }

  #leave(waiter: Waiter, error: Error, result: 'QUOTA_WAIT_TIMEOUT' | 'ABORTED'): void {
    if (!this.#remove(waiter)) return;
    waiter.waited = true;
    this.#report(waiter, result);
    waiter.reject(error);
  }

  #remove(waiter: Waiter): boolean {
    const index = this.#waiters.indexOf(waiter);
    if (index === -1) return false;
    this.#waiters.splice(index, 1);
    if (waiter.deadlineTimer !== undefined) this.#clock.clearTimeout(waiter.deadlineTimer);
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    if (this.#waiters.length === 0 && this.#wakeTimer !== undefined) {
      this.#clock.clearTimeout(this.#wakeTimer);
      this.#wakeTimer = undefined;
    }
    return true;
  }

  #armDeadline(waiter: Waiter): void {
    if (waiter.deadlineTimer !== undefined) return;
    waiter.deadlineTimer = this.#clock.setTimeout(
      () => this.#leave(waiter, this.#timeout(waiter, undefined), 'QUOTA_WAIT_TIMEOUT'),
      Math.max(0, waiter.deadline - this.#clock.now()),
    );
  }

  #timeout(waiter: Waiter, retryAfterMs: number | undefined): QuotaWaitTimeoutError {
    return new QuotaWaitTimeoutError(this.#model, this.#clock.now() - waiter.enqueuedAt, retryAfterMs);
  }

  #report(waiter: Waiter, result: 'admitted' | 'QUOTA_WAIT_TIMEOUT' | 'ABORTED'): void {
    if (!this.#emitter.has('quota-wait')) return;
    this.#emitter.emit('quota-wait', { model: this.#model, waitMs: this.#clock.now() - waiter.enqueuedAt, result, paused: waiter.paused });
  }

  #insert(waiter: Waiter): void {
    let index = this.#waiters.length;
    while (index > 0 && this.#waiters[index - 1]!.priority < waiter.priority) index--;
    this.#waiters.splice(index, 0, waiter);
  }
}
