// Who gets the next free slot when every slot is busy. The pool only enqueues waiters and asks
// for the next one; the policy lives behind this interface so a lane-aware, priority/reserved-share
// scheduler can replace the FIFO default without touching the pool.
import { QueueFullError } from '../errors.js';

export interface SlotWaiter {
  readonly lane: string;
  /** Higher is served first by priority-aware schedulers. */
  readonly priority: number;
  /** Absolute clock time after which the waiter gives up, if any. */
  readonly deadline: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly enqueuedAt: number;
}

/** The queue a waiter is in, as errors name it, and how long a waiter may wait there. */
export interface QueueLimits {
  readonly name: string;
  readonly queueTimeoutMs: number;
}

export interface SlotScheduler<W extends SlotWaiter = SlotWaiter> {
  /** Adds a waiter; throws a QueueFullError when the queue cannot take it. */
  enqueue(waiter: W): void;
  /** Removes and returns the waiter to hand the freed slot to, if any. */
  next(): W | undefined;
  /** Removes a waiter that gave up (`reason`: the timeout, abort or deadline error). True if it was queued. */
  remove(waiter: W, reason?: unknown): boolean;
  /**
   * The waiter's queue and timeout (e.g. its lane's), when they differ per waiter. Without it the
   * pool's own name and queueTimeoutMs apply. Either way the call's deadline cuts the wait short.
   */
  queueFor?(waiter: W): QueueLimits;
  readonly size: number;
  stats(): Record<string, unknown>;
}

/** Builds one scheduler per slot queue (one per origin and pool group). */
export type SlotSchedulerFactory = (queue: string, maxQueue: number) => SlotScheduler;

/** First come, first served, bounded by `maxQueue`. Removal is lazy so it stays O(1). */
export class FifoSlotScheduler<W extends SlotWaiter = SlotWaiter> implements SlotScheduler<W> {
  #items: Array<W | undefined> = [];
  #head = 0;
  #size = 0;
  #positions = new Map<W, number>();
  readonly #queue: string;
  readonly #maxQueue: number;

  constructor(queue: string, maxQueue: number) {
    this.#queue = queue;
    this.#maxQueue = maxQueue;
  }

  get size(): number {
    return this.#size;
  }

  enqueue(waiter: W): void {
    if (this.#size >= this.#maxQueue) throw new QueueFullError(this.#queue, this.#maxQueue);
    this.#positions.set(waiter, this.#items.length);
    this.#items.push(waiter);
    this.#size++;
  }

  next(): W | undefined {
    while (this.#head < this.#items.length) {
      const waiter = this.#items[this.#head];
      this.#items[this.#head++] = undefined;
      if (waiter !== undefined) {
        this.#positions.delete(waiter);
        this.#size--;
        this.#compact();
        return waiter;
      }
    }
    this.#compact();
    return undefined;
  }

  remove(waiter: W): boolean {
    const position = this.#positions.get(waiter);
    if (position === undefined) return false;
    this.#positions.delete(waiter);
    this.#items[position] = undefined;
    this.#size--;
    return true;
  }

  stats(): Record<string, unknown> {
    return { queued: this.#size, maxQueue: this.#maxQueue };
  }

  // Drop the consumed prefix once it dominates, re-indexing the survivors.
  #compact(): void {
    if (this.#head < 1024 || this.#head * 2 < this.#items.length) {
      if (this.#size === 0 && this.#head > 0) {
        this.#items = [];
        this.#head = 0;
      }
      return;
    }
    this.#items = this.#items.slice(this.#head);
    this.#head = 0;
    this.#positions.clear();
    this.#items.forEach((waiter, index) => waiter !== undefined && this.#positions.set(waiter, index));
  }
}

export const fifoSchedulerFactory: SlotSchedulerFactory = (queue, maxQueue) => new FifoSlotScheduler(queue, maxQueue);
