// One pooled resource with its bookkeeping, and a Slot: one lease of one of its slots.
import type { SlotPool } from './slot-pool.js';

export type RetireReason = 'idle' | 'lifetime' | 'uses' | 'error' | 'validation' | 'closed' | 'remote' | 'scale-down';

let nextEntryId = 1;
let nextSlotId = 1;

export class PoolEntry<T> {
  readonly id = nextEntryId++;
  /** Slots in use. */
  active = 0;
  /** Leases ever handed out. */
  uses = 0;
  lastUsedAt: number;
  /** Set when the entry takes no new leases; it is destroyed once `active` drops to 0. */
  retiring: RetireReason | undefined;
  destroyed = false;

  constructor(
    readonly resource: T,
    /** Slots this resource offers (HTTP/2 streams, 1 for HTTP/1.1). */
    public capacity: number,
    readonly createdAt: number,
  ) {
    this.lastUsedAt = createdAt;
  }
}

export class Slot<T> {
  readonly id = nextSlotId++;
  released = false;

  constructor(
    readonly pool: SlotPool<T>,
    readonly entry: PoolEntry<T>,
    readonly acquiredAt: number,
    /** Time spent waiting in the queue, ms. */
    readonly waitMs: number,
  ) {}

  get resource(): T {
    return this.entry.resource;
  }

  /** Gives the slot back; idempotent. */
  release(): void {
    this.pool.release(this);
  }
}
