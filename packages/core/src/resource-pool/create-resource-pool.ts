// createResourcePool: the connection pool's leasing, sizing, idle/lifetime and leak machinery for
// any resource, e.g. a few in-memory model instances (the on-device pattern). With `hotInstances`,
// that many instances stay warm for real-time work (`acquire({ temperature: 'hot' })`) and batch
// work (`'cold'`) runs on the others, so real-time work never waits behind batch work.
import { systemClock, type Clock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { TypedEmitter, type GempoolEventName, type Listener } from '../events.js';
import { integer } from '../validate-options.js';
import { createLeakTracker, type TrackedLease } from './leak-tracker.js';
import type { Slot } from './pool-entry.js';
import { fifoSchedulerFactory } from './slot-scheduler.js';
import { SlotPool } from './slot-pool.js';

export type Temperature = 'hot' | 'cold';

export interface ResourcePoolOptions<T> {
  create(): T | Promise<T>;
  destroy?(resource: T): void | Promise<void>;
  /** Cheap check before reusing a resource that idled `validateAfterIdleMs`; false replaces it. */
  validate?(resource: T): boolean;
  /** Concurrent leases one resource serves. Default 1. */
  capacityPerResource?: number;
  /** Resources kept open. Default 0 (or `hotInstances`). */
  min?: number;
  max: number;
  /** Resources reserved for `temperature: 'hot'` work, kept warm. Default 0 (one shared pool). */
  hotInstances?: number;
  idleTimeoutMs?: number;
  /** 0: no limit. */
  maxLifetimeMs?: number;
  /** 0: no limit. */
  maxUses?: number;
  /** Force-return a lease held this long; 0 disables. Default 30 000. */
  leakTimeoutMs?: number;
  validateAfterIdleMs?: number;
  maxQueue?: number;
  queueTimeoutMs?: number;
  /** Names the pool in events and errors. */
  name?: string;
  clock?: Clock;
}

export interface ResourceLease<T> {
  readonly resource: T;
  readonly temperature: Temperature;
  /** Gives the resource back; idempotent. */
  release(): void;
}

export interface AcquireOptions {
  temperature?: Temperature;
  signal?: AbortSignal;
  /** Give up waiting after this long (DEADLINE_EXCEEDED). */
  timeoutMs?: number;
}

export interface ResourcePool<T> {
  acquire(options?: AcquireOptions): Promise<ResourceLease<T>>;
  /** Acquire, run `fn`, release (also when `fn` throws). */
  use<R>(fn: (resource: T) => R | Promise<R>, options?: AcquireOptions): Promise<R>;
  warmup(): Promise<void>;
  stats(): ResourcePoolStats;
  on<K extends GempoolEventName>(name: K, listener: Listener<K>): ResourcePool<T>;
  off<K extends GempoolEventName>(name: K, listener: Listener<K>): ResourcePool<T>;
  close(options?: { timeoutMs?: number }): Promise<void>;
}

export interface SubPoolStats {
  open: number;
  idle: number;
  busy: number;
  inUse: number;
  queued: number;
  created: number;
  destroyed: number;
}

export interface ResourcePoolStats extends SubPoolStats {
  hot: SubPoolStats | undefined;
  cold: SubPoolStats;
  leaks: { detected: number; forceReturned: number };
  /** Leases in use over what `max` resources can serve (0..1). */
  utilization: number;
}

class TrackedResourceLease<T> implements ResourceLease<T>, TrackedLease {
  lastProgressAt: number;
  awaitingData = false;
  forceReturned = false;
  constructor(
    readonly slot: Slot<T>,
    readonly temperature: Temperature,
    readonly stack: string | undefined,
    readonly owner: ResourcePoolImpl<T>,
  ) {
    this.lastProgressAt = slot.acquiredAt;
  }
  get resource(): T {
    return this.slot.resource;
  }
  release(): void {
    this.owner.release(this);
  }
  forceReturn(now: number): void {
    this.owner.forceReturn(this, now);
  }
}

class ResourcePoolImpl<T> implements ResourcePool<T> {
  readonly #emitter = new TypedEmitter();
  readonly #clock: Clock;
  readonly #name: string;
  readonly #hot: SlotPool<T> | undefined;
  readonly #cold: SlotPool<T>;
  readonly #leaks;
  readonly #capacity: number;
  readonly #max: number;

  constructor(options: ResourcePoolOptions<T>) {
    if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'an object', options);
    if (typeof options.create !== 'function') throw new ConfigError('create', 'a function', options.create);
    if (options.destroy !== undefined && typeof options.destroy !== 'function') throw new ConfigError('destroy', 'a function', options.destroy);
    if (options.validate !== undefined && typeof options.validate !== 'function') throw new ConfigError('validate', 'a function', options.validate);
    const max = integer('max', options.max, Number.NaN, 1);
    if (Number.isNaN(max)) throw new ConfigError('max', 'an integer from 1 and up', options.max);
    const hot = integer('hotInstances', options.hotInstances, 0, 0);
    if (hot > max) throw new ConfigError('hotInstances', `at most \`max\` (${max})`, hot);
    const min = integer('min', options.min, hot, 0);
    if (min > max) throw new ConfigError('min', `at most \`max\` (${max})`, min);
    this.#capacity = integer('capacityPerResource', options.capacityPerResource, 1, 1);
    this.#max = max;
    this.#clock = options.clock ?? systemClock;
    this.#name = options.name ?? 'resources';
    const base = {
      create: async () => ({ resource: await options.create() }),
      destroy: (resource: T) => options.destroy?.(resource),
      ...(options.validate !== undefined ? { validate: options.validate } : {}),
      capacityPerResource: this.#capacity,
      idleTimeoutMs: integer('idleTimeoutMs', options.idleTimeoutMs, 300_000, 1),
      maxLifetimeMs: integer('maxLifetimeMs', options.maxLifetimeMs, 0, 0),
      maxUses: integer('maxUses', options.maxUses, 0, 0),
      validateAfterIdleMs: integer('validateAfterIdleMs', options.validateAfterIdleMs, 30_000, 0),
      queueTimeoutMs: integer('queueTimeoutMs', options.queueTimeoutMs, 30_000, 1),
      preOpenAtLoad: 0,
      clock: this.#clock,
    };
    const maxQueue = integer('maxQueue', options.maxQueue, 10_000, 0);
    this.#leaks = createLeakTracker(integer('leakTimeoutMs', options.leakTimeoutMs, 30_000, 0), this.#clock);
    // Hot instances never retire for idleness: they are the warm floor for real-time work.
    this.#hot = hot === 0 ? undefined : new SlotPool({ ...base, name: `${this.#name}:hot`, min: hot, max: hot, idleTimeoutMs: Number.MAX_SAFE_INTEGER }, fifoSchedulerFactory(`${this.#name}:hot`, maxQueue));
    const coldMax = max - hot;
    this.#cold = coldMax === 0 ? this.#hot! : new SlotPool({ ...base, name: `${this.#name}:cold`, min: Math.max(0, min - hot), max: coldMax }, fifoSchedulerFactory(`${this.#name}:cold`, maxQueue));
  }

  async acquire(options: AcquireOptions = {}): Promise<ResourceLease<T>> {
    const stack = this.#leaks.captureStack();
    const temperature = options.temperature ?? (this.#hot === undefined ? 'cold' : 'hot');
    if (temperature !== 'hot' && temperature !== 'cold') throw new ConfigError('temperature', "'hot' or 'cold'", temperature);
    const deadline = options.timeoutMs === undefined ? undefined : this.#clock.now() + options.timeoutMs;
    const request = { lane: temperature, deadline, signal: options.signal };
    let slot: Slot<T>;
    if (temperature === 'hot' && this.#hot !== undefined) {
      // Real-time work may borrow an idle batch instance, but never waits behind batch work.
      const now = this.#hot.tryAcquire() ?? (this.#cold !== this.#hot ? this.#cold.tryAcquire() : undefined);
      slot = now ?? (await this.#hot.acquire(request));
    } else {
      slot = await this.#cold.acquire(request);
    }
    const lease = new TrackedResourceLease(slot, temperature, stack, this);
    this.#leaks.track(lease);
    return lease;
  }

  async use<R>(fn: (resource: T) => R | Promise<R>, options?: AcquireOptions): Promise<R> {
    const lease = await this.acquire(options);
    try {
      return await fn(lease.resource);
    } finally {
      lease.release();
    }
  }

  release(lease: TrackedResourceLease<T>): void {
    if (lease.forceReturned) {
      if (this.#emitter.has('returned-late')) {
        this.#emitter.emit('returned-late', { leaseId: lease.slot.id, origin: this.#name, model: lease.temperature, heldMs: this.#clock.now() - lease.slot.acquiredAt });
      }
      lease.forceReturned = false; // report once
      return;
    }
    this.#leaks.untrack(lease);
    lease.slot.release();
  }

  forceReturn(lease: TrackedResourceLease<T>, now: number): void {
    if (lease.slot.released) return;
    lease.forceReturned = true;
    lease.slot.release();
    if (this.#emitter.has('leak')) {
      this.#emitter.emit('leak', {
        leaseId: lease.slot.id,
        callId: undefined,
        origin: this.#name,
        model: lease.temperature,
        method: 'acquire',
        heldMs: now - lease.slot.acquiredAt,
        stack: lease.stack ?? '',
        forceReturned: true,
      });
    }
  }

  async warmup(): Promise<void> {
    await Promise.all([this.#hot?.warmup(), this.#cold === this.#hot ? undefined : this.#cold.warmup()]);
  }

  stats(): ResourcePoolStats {
    const hot = this.#hot === undefined ? undefined : subStats(this.#hot);
    const cold = this.#cold === this.#hot ? subStats(this.#cold, true) : subStats(this.#cold);
    const sum = (key: keyof SubPoolStats) => cold[key] + (hot?.[key] ?? 0);
    return {
      open: sum('open'),
      idle: sum('idle'),
      busy: sum('busy'),
      inUse: sum('inUse'),
      queued: sum('queued'),
      created: sum('created'),
      destroyed: sum('destroyed'),
      hot,
      cold,
      leaks: { ...this.#leaks.counts },
      utilization: Math.min(1, sum('inUse') / (this.#max * this.#capacity)),
    };
  }

  on<K extends GempoolEventName>(name: K, listener: Listener<K>): this {
    this.#emitter.on(name, listener);
    return this;
  }

  off<K extends GempoolEventName>(name: K, listener: Listener<K>): this {
    this.#emitter.off(name, listener);
    return this;
  }

  async close(options?: { timeoutMs?: number }): Promise<void> {
    const timeoutMs = options?.timeoutMs ?? 30_000;
    await Promise.all([this.#hot?.close(timeoutMs), this.#cold === this.#hot ? undefined : this.#cold.close(timeoutMs)]);
    this.#leaks.close();
  }
}

function subStats<T>(pool: SlotPool<T>, empty = false): SubPoolStats {
  if (empty) return { open: 0, idle: 0, busy: 0, inUse: 0, queued: 0, created: 0, destroyed: 0 };
  let busy = 0;
  let inUse = 0;
  for (const entry of pool.entries) {
    if (entry.active > 0) busy++;
    inUse += entry.active;
  }
  return { open: pool.entries.length, idle: pool.entries.length - busy, busy, inUse, queued: pool.queued, created: pool.created, destroyed: pool.destroyedCount };
}

export function createResourcePool<T>(options: ResourcePoolOptions<T>): ResourcePool<T> {
  return new ResourcePoolImpl(options);
}
