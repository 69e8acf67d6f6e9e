// The leasing core shared by the connection pool and createResourcePool: resources with a number
// of slots each (an HTTP/2 connection has many streams, an HTTP/1.1 connection or a model
// instance one), handed out least-busy first (least recently used on ties), created on demand up
// to `max`, kept at `min`, retired by idle time, age or uses, validated after idling, and waited
// for in a bounded queue when every slot is taken. A call that resources being created will serve
// (a cold burst while connections open) waits for them outside that bound: `maxQueue` bounds the
// calls beyond the capacity on its way, and `queueTimeoutMs` bounds every wait.
import type { TimerHandle } from '../clock.js';
import { DeadlineExceededError, PoolClosedError, QueueTimeoutError, AbortedError } from '../errors.js';
import type { QueueLimits, SlotScheduler, SlotWaiter } from './slot-scheduler.js';
import { PoolEntry, Slot, type RetireReason } from './pool-entry.js';
import { ResourceLifecycle, type SlotPoolOptions } from './resource-lifecycle.js';

export { PoolEntry, Slot, type RetireReason, type SlotPoolOptions };

export interface AcquireRequest {
  lane?: string;
  priority?: number;
  /** Absolute clock time. */
  deadline?: number | undefined;
  /** When the caller's deadline budget started (a Call's start): errors name the whole budget. */
  startTime?: number | undefined;
  signal?: AbortSignal | undefined;
}

class PendingAcquire<T> implements SlotWaiter {
  timer: TimerHandle | undefined;
  /** Set when the scheduler puts the waiter in a queue of its own (a lane). */
  queue: QueueLimits | undefined;
  /** Waiting for capacity being created, outside the scheduler's bounded queue. */
  awaitingCreate = false;
  constructor(
    readonly pool: SlotPool<T>,
    readonly lane: string,
    readonly priority: number,
    readonly deadline: number | undefined,
    /** Start of the caller's deadline budget (its deadline error names deadline − budgetStart). */
    readonly budgetStart: number,
    readonly signal: AbortSignal | undefined,
    readonly enqueuedAt: number,
    readonly resolve: (slot: Slot<T>) => void,
    readonly reject: (error: unknown) => void,
  ) {}

  // EventTarget calls handleEvent on abort: no closure per waiter.
  handleEvent(): void {
    this.pool.abandon(this, new AbortedError(this.signal?.reason));
  }
}

const noRequest: AcquireRequest = {};

export class SlotPool<T> extends ResourceLifecycle<T> {
  readonly #scheduler: SlotScheduler;
  /**
   * Waiters the resources being created will serve, oldest first. They are older than everyone in
   * the scheduler (a call only joins them while the scheduler is empty), so they are served first.
   */
  readonly #awaitingCreate = new Set<PendingAcquire<T>>();

  constructor(options: SlotPoolOptions<T>, scheduler: SlotScheduler) {
    super(options);
    this.#scheduler = scheduler;
  }

  get closed(): boolean {
    return this.closing;
  }

  /** Calls waiting for a slot: in the bounded queue, or for a resource being created. */
  get queued(): number {
    return this.#scheduler.size + this.#awaitingCreate.size;
  }

  get scheduler(): SlotScheduler {
    return this.#scheduler;
  }

  /** A slot now, or undefined when every slot is busy (may start a connection in the background). */
  tryAcquire(): Slot<T> | undefined {
    if (this.closing) throw new PoolClosedError();
    const entry = this.pick(this.options.clock.now());
    return entry === undefined ? undefined : this.lease(entry, 0);
  }

  /** A slot, waiting in the queue when every slot is busy. */
  acquire(request: AcquireRequest = noRequest): Promise<Slot<T>> | Slot<T> {
    const slot = this.tryAcquire();
    if (slot !== undefined) return slot;
    if (request.signal?.aborted) throw new AbortedError(request.signal.reason);
    const now = this.options.clock.now();
    if (request.deadline !== undefined && request.deadline <= now) throw new DeadlineExceededError(request.deadline - (request.startTime ?? now));
    return new Promise<Slot<T>>((resolve, reject) => {
      const waiter = new PendingAcquire(this, request.lane ?? 'default', request.priority ?? 0, request.deadline, request.startTime ?? now, request.signal, now, resolve, reject);
      if (this.#scheduler.size === 0 && this.#awaitingCreate.size < this.#capacityOnItsWay()) {
        waiter.awaitingCreate = true;
        this.#awaitingCreate.add(waiter);
      } else {
        this.#scheduler.enqueue(waiter); // throws QueueFullError inside the executor → rejects
      }
      // One timer: the queue's timeout (the lane's, when the scheduler has lanes) or the deadline, whichever is first.
      waiter.queue = this.#scheduler.queueFor?.(waiter);
      const waitMs = Math.min(waiter.queue?.queueTimeoutMs ?? this.options.queueTimeoutMs, request.deadline === undefined ? Infinity : request.deadline - now);
      if (Number.isFinite(waitMs)) waiter.timer = this.options.clock.setTimeout(() => this.#timeout(waiter), waitMs);
      request.signal?.addEventListener('abort', waiter);
      this.demand();
    });
  }

  /** A waiter gives up: remove it from the queue and reject it. */
  abandon(waiter: PendingAcquire<T>, error: unknown): void {
    if (waiter.awaitingCreate) {
      this.#awaitingCreate.delete(waiter);
      waiter.awaitingCreate = false;
    } else if (!this.#scheduler.remove(waiter, error)) return;
    this.#settle(waiter);
    waiter.reject(error);
  }

  release(slot: Slot<T>): void {
    if (slot.released) return;
    slot.released = true;
    const entry = slot.entry;
    entry.active--;
    entry.lastUsedAt = this.options.clock.now();
    if (entry.retiring !== undefined && entry.active === 0) this.destroyEntry(entry, entry.retiring);
    else if (entry.destroyed) this.noteReleased();
    if (this.closing) this.noteReleased();
    else this.onSlotFreed();
  }

  /** The resource now offers `capacity` slots (e.g. an HTTP/2 server changed its stream limit). */
  setCapacity(entry: PoolEntry<T>, capacity: number): void {
    entry.capacity = capacity;
    if (!this.closing) this.onSlotFreed();
  }

  /** Hands free slots to waiters; called whenever capacity appears. */
  protected override onSlotFreed(): void {
    while (this.#scheduler.size > 0 || this.#awaitingCreate.size > 0) {
      const entry = this.pick(this.options.clock.now());
      if (entry === undefined) break;
      const waiter = this.#nextWaiter();
      if (waiter === undefined) break;
      this.#settle(waiter);
      waiter.resolve(this.lease(entry, this.options.clock.now() - waiter.enqueuedAt));
    }
    if (this.#awaitingCreate.size > 0) this.#overflow();
  }

  /** A create failed and nothing can serve the queue: fail the waiters rather than let them hang. */
  protected override onCreateFailed(error: unknown): void {
    if (this.liveCount > 0 || this.creating > 0) {
      this.#overflow();
      return;
    }
    for (let waiter = this.#nextWaiter(); waiter !== undefined; waiter = this.#nextWaiter()) {
      this.#settle(waiter);
      waiter.reject(error);
    }
  }

  protected override get wantsCapacity(): boolean {
    return this.#scheduler.size > 0 || this.#awaitingCreate.size > 0;
  }

  /** Slots the resources being created are expected to offer. */
  #capacityOnItsWay(): number {
    return this.creating === 0 ? 0 : this.creating * (this.options.expectedCapacity?.() ?? this.options.capacityPerResource);
  }

  /** The oldest waiter: one waiting for a resource being created, else the scheduler's choice. */
  #nextWaiter(): PendingAcquire<T> | undefined {
    for (const waiter of this.#awaitingCreate) {
      this.#awaitingCreate.delete(waiter);
      waiter.awaitingCreate = false;
      return waiter;
    }
    return this.#scheduler.next() as PendingAcquire<T> | undefined;
  }

  /**
   * Waiters beyond what the resources still being created will serve (they offered fewer slots
   * than expected, or failed) join the bounded queue, newest first out of the waiting set; a full
   * queue rejects them with QUEUE_FULL. Their wait keeps its original timer.
   */
  #overflow(): void {
    const excess = this.#awaitingCreate.size - this.#capacityOnItsWay();
    if (excess <= 0) return;
    const moving = [...this.#awaitingCreate].slice(-excess);
    for (const waiter of moving) {
      this.#awaitingCreate.delete(waiter);
      waiter.awaitingCreate = false;
      try {
        this.#scheduler.enqueue(waiter);
      } catch (error) {
        this.#settle(waiter);
        waiter.reject(error);
      }
    }
  }

  /** Stops taking calls, waits (bounded) for leased slots to come back, then destroys everything. */
  async close(timeoutMs = 30_000): Promise<void> {
    if (this.closing) return this.drained();
    this.closing = true;
    for (let waiter = this.#nextWaiter(); waiter !== undefined; waiter = this.#nextWaiter()) {
      this.#settle(waiter);
      waiter.reject(new PoolClosedError());
    }
    await this.shutdown(timeoutMs);
  }

  #timeout(waiter: PendingAcquire<T>): void {
    waiter.timer = undefined;
    const waited = this.options.clock.now() - waiter.enqueuedAt;
    const deadlineFirst = waiter.deadline !== undefined && waiter.deadline <= this.options.clock.now();
    this.abandon(waiter, deadlineFirst ? new DeadlineExceededError(waiter.deadline! - waiter.budgetStart) : new QueueTimeoutError(waiter.queue?.name ?? this.options.name, waited));
  }

  #settle(waiter: PendingAcquire<T>): void {
    if (waiter.timer !== undefined) this.options.clock.clearTimeout(waiter.timer);
    waiter.timer = undefined;
    waiter.signal?.removeEventListener('abort', waiter);
  }
}
