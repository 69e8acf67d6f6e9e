// Creating, routing to, validating, retiring and reaping pooled resources. SlotPool adds the
// waiting queue on top; this class never makes anyone wait.
import { unrefTimer, type Clock, type TimerHandle } from '../clock.js';
import { PoolEntry, Slot, type RetireReason } from './pool-entry.js';
import type { SlotPool } from './slot-pool.js';

export interface CreatedResource<T> {
  resource: T;
  /** Slots it offers; defaults to the pool's `capacityPerResource`. */
  capacity?: number;
}

export interface SlotPoolOptions<T> {
  /** Names the queue in errors and events. */
  name: string;
  min: number;
  max: number;
  create(warm: boolean): Promise<CreatedResource<T>>;
  destroy(resource: T, reason: RetireReason, active: number): void | Promise<void>;
  /** Cheap liveness check before reusing a resource idle for `validateAfterIdleMs`. */
  validate?(resource: T): boolean;
  capacityPerResource: number;
  /**
   * Slots a resource being created is expected to offer, when that is only known once it exists
   * (an HTTP/2 connection's stream limit). Calls that many slots will serve wait outside `maxQueue`.
   * Default: `capacityPerResource`.
   */
  expectedCapacity?(): number;
  idleTimeoutMs: number;
  /** 0: no limit. */
  maxLifetimeMs: number;
  /** 0: no limit. */
  maxUses: number;
  validateAfterIdleMs: number;
  queueTimeoutMs: number;
  /**
   * Open another resource in the background once the chosen one is this loaded (0..1), so a burst
   * never waits for a handshake while capacity remains. 0 disables (HTTP/1.1, instances).
   */
  preOpenAtLoad: number;
  clock: Clock;
  onCreated?(entry: PoolEntry<T>, warm: boolean, createMs: number): void;
  onDestroyed?(entry: PoolEntry<T>, reason: RetireReason): void;
  onCreateError?(error: unknown): void;
}

const MAX_REPLENISH_BACKOFF_MS = 30_000;

export abstract class ResourceLifecycle<T> {
  readonly options: SlotPoolOptions<T>;
  readonly entries: PoolEntry<T>[] = [];
  creating = 0;
  created = 0;
  destroyedCount = 0;
  protected closing = false;
  #reaper: TimerHandle | undefined;
  #replenishTimer: TimerHandle | undefined;
  #replenishBackoffMs = 100;
  #drainWaiters: Array<() => void> = [];

  constructor(options: SlotPoolOptions<T>) {
    this.options = options;
    this.#armReaper();
  }

  protected abstract onSlotFreed(): void;
  protected abstract onCreateFailed(error: unknown): void;
  protected abstract get wantsCapacity(): boolean;

  /** Entries still taking leases. */
  get liveCount(): number {
    let live = 0;
    for (const entry of this.entries) if (entry.retiring === undefined) live++;
    return live;
  }

  get activeCount(): number {
    let active = 0;
    for (const entry of this.entries) active += entry.active;
    return active;
  }

  /** Least-busy entry with a free slot, least recently used on ties; validates stale idle ones. */
  protected pick(now: number): PoolEntry<T> | undefined {
    for (;;) {
      let best: PoolEntry<T> | undefined;
      for (const entry of this.entries) {
        if (entry.retiring !== undefined || entry.active >= entry.capacity) continue;
        if (best === undefined || entry.active < best.active || (entry.active === best.active && entry.lastUsedAt < best.lastUsedAt)) best = entry;
      }
      if (best === undefined) {
        this.demand();
        return undefined;
      }
      const validate = this.options.validate;
      if (validate !== undefined && best.active === 0 && now - best.lastUsedAt >= this.options.validateAfterIdleMs && !validate(best.resource)) {
        this.destroyEntry(best, 'validation');
        continue;
      }
      return best;
    }
  }

  protected lease(entry: PoolEntry<T>, waitMs: number): Slot<T> {
    const now = this.options.clock.now();
    entry.active++;
    entry.uses++;
    entry.lastUsedAt = now;
    if (this.options.maxUses > 0 && entry.uses >= this.options.maxUses) entry.retiring = 'uses';
    if (entry.retiring !== undefined || (this.options.preOpenAtLoad > 0 && entry.active >= entry.capacity * this.options.preOpenAtLoad)) {
      this.demand(true);
    }
    return new Slot(this as unknown as SlotPool<T>, entry, now, waitMs);
  }

  /** Opens one more resource if under `max` (in the background; one at a time when `spare`). */
  protected demand(spare = false): void {
    if (this.closing || (spare && this.creating > 0)) return;
    if (this.liveCount + this.creating < this.options.max) this.createInBackground();
  }

  /** Opens resources until `min` are live or being created; resolves when those are ready. */
  async warmup(): Promise<void> {
    const pending: Array<Promise<unknown>> = [];
    while (!this.closing && this.liveCount + this.creating < this.options.min) pending.push(this.createEntry(true));
    const results = await Promise.allSettled(pending);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  /** Changes the maximum; above it, idle resources retire now and busy ones when they free up. */
  setMax(max: number): void {
    this.options.max = max;
    let excess = this.liveCount - max;
    for (const entry of [...this.entries].sort((a, b) => a.active - b.active)) {
      if (excess <= 0) break;
      if (entry.retiring !== undefined) continue;
      this.retire(entry, 'scale-down');
      excess--;
    }
    this.onSlotFreed();
  }

  retire(entry: PoolEntry<T>, reason: RetireReason): void {
    if (entry.destroyed) return;
    entry.retiring ??= reason;
    if (entry.active === 0) this.destroyEntry(entry, entry.retiring);
  }

  /** Removes the entry now (dead socket, closed, retired and drained). */
  destroyEntry(entry: PoolEntry<T>, reason: RetireReason): void {
    if (entry.destroyed) return;
    entry.destroyed = true;
    entry.retiring ??= reason;
    const index = this.entries.indexOf(entry);
    if (index >= 0) this.entries.splice(index, 1);
    this.destroyedCount++;
    try {
      void Promise.resolve(this.options.destroy(entry.resource, reason, entry.active)).catch(() => {});
    } catch {
      // A failing destroy must not stop the pool from forgetting the resource.
    }
    this.options.onDestroyed?.(entry, reason);
    this.#checkDrained();
    this.ensureMin();
    if (this.wantsCapacity) this.demand();
  }

  /** Keeps `min` resources open (replacing retired or dead ones), with backoff while failing. */
  protected ensureMin(): void {
    if (this.closing || this.#replenishTimer !== undefined) return;
    while (this.liveCount + this.creating < this.options.min) this.createInBackground();
  }

  /** Opens a resource nobody awaits: its failure is already reported through onCreateError. */
  protected createInBackground(): void {
    this.createEntry(false).catch(() => {});
  }

  protected async createEntry(warm: boolean): Promise<PoolEntry<T>> {
    this.creating++;
    const started = this.options.clock.now();
    let created: CreatedResource<T>;
    try {
      created = await this.options.create(warm);
    } catch (error) {
      this.creating--;
      this.options.onCreateError?.(error);
      this.onCreateFailed(error);
      this.#scheduleReplenish();
      throw error;
    }
    this.creating--;
    this.#replenishBackoffMs = 100;
    const entry = new PoolEntry(created.resource, created.capacity ?? this.options.capacityPerResource, this.options.clock.now());
    this.created++;
    this.entries.push(entry);
    this.options.onCreated?.(entry, warm, entry.createdAt - started);
    if (this.closing) this.destroyEntry(entry, 'closed');
    else this.onSlotFreed();
    return entry;
  }

  #scheduleReplenish(): void {
    if (this.closing || this.#replenishTimer !== undefined) return;
    const delay = this.#replenishBackoffMs;
    this.#replenishBackoffMs = Math.min(delay * 2, MAX_REPLENISH_BACKOFF_MS);
    this.#replenishTimer = unrefTimer(this.options.clock.setTimeout(() => {
      this.#replenishTimer = undefined;
      this.ensureMin();
    }, delay));
  }

  // One timer per pool retires idle (above min) and over-age resources.
  #armReaper(): void {
    const { idleTimeoutMs, maxLifetimeMs } = this.options;
    const horizon = Math.min(idleTimeoutMs, maxLifetimeMs > 0 ? maxLifetimeMs : Infinity);
    const every = Math.max(10, Math.min(Math.ceil(horizon / 4), 10_000));
    this.#reaper = unrefTimer(this.options.clock.setTimeout(() => {
      this.reap();
      if (!this.closing) this.#armReaper();
    }, every));
  }

  reap(): void {
    const now = this.options.clock.now();
    const { idleTimeoutMs, maxLifetimeMs, min } = this.options;
    let live = this.liveCount;
    for (const entry of [...this.entries]) {
      if (entry.retiring !== undefined) continue;
      if (maxLifetimeMs > 0 && now - entry.createdAt >= maxLifetimeMs) {
        this.retire(entry, 'lifetime');
        live--;
      } else if (entry.active === 0 && live > min && now - entry.lastUsedAt >= idleTimeoutMs) {
        this.retire(entry, 'idle');
        live--;
      }
    }
    this.ensureMin();
  }

  protected drained(): Promise<void> {
    if (this.activeCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #checkDrained(): void {
    if (this.#drainWaiters.length === 0 || this.activeCount > 0) return;
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }

  /** Called on release: lets close() learn that the last lease came back. */
  protected noteReleased(): void {
    this.#checkDrained();
  }

  protected async shutdown(timeoutMs: number): Promise<void> {
    this.closing = true;
    if (this.#reaper !== undefined) this.options.clock.clearTimeout(this.#reaper);
    if (this.#replenishTimer !== undefined) this.options.clock.clearTimeout(this.#replenishTimer);
    let timer: TimerHandle | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = unrefTimer(this.options.clock.setTimeout(resolve, timeoutMs));
    });
    await Promise.race([this.drained(), timedOut]);
    if (timer !== undefined) this.options.clock.clearTimeout(timer);
    for (const entry of [...this.entries]) this.destroyEntry(entry, 'closed');
  }
}
