// A SlotScheduler that hands a freed connection slot to the right lane:
//   1. a lane below its reserved share of the capacity in use gets it first (highest priority
//      first among such lanes), so a lane's guarantee cannot be taken while it has work;
//   2. otherwise the highest-priority lane with waiters; inside a lane, higher call priority
//      first, then first come first served.
// So a best-effort lane (low priority, no share) never starves a guaranteed one. Capacity is
// measured, not configured: the scheduler only runs when every slot is busy, so the slots held
// by all lanes (+1 for the one just freed) are the pool's capacity at that moment.
import type { Clock, TimerHandle } from '../clock.js';
import { QueueFullError, QueueTimeoutError } from '../errors.js';
import type { SlotScheduler, SlotWaiter } from '../resource-pool/slot-scheduler.js';
import { LaneQueue } from './lane-queue.js';
import type { LaneOccupancy } from './lane-occupancy.js';
import type { ResolvedLane } from './validate-policy-options.js';

/** SlotPool's waiters can be given up on; duck-typed so other schedulers' waiters still work. */
interface AbandonableWaiter extends SlotWaiter {
  pool?: { abandon(waiter: SlotWaiter, error: unknown): void };
}

export interface LaneStats {
  queued: number;
  inFlight: number;
  admitted: number;
  rejected: number;
  /** Mean queue wait of waiters admitted from the queue, ms. */
  meanWaitMs: number;
  maxWaitMs: number;
}

interface LaneState {
  config: ResolvedLane;
  queue: LaneQueue<AbandonableWaiter>;
  admitted: number;
  rejected: number;
  waitTotalMs: number;
  waitMaxMs: number;
}

export class LaneScheduler implements SlotScheduler<AbandonableWaiter> {
  readonly #lanes: LaneState[];
  readonly #byName = new Map<string, LaneState>();
  readonly #defaultLane: LaneState;
  readonly #clock: Clock;
  readonly #occupancy: LaneOccupancy;
  readonly #maxQueue: number;
  readonly #timers = new Map<AbandonableWaiter, TimerHandle>();
  #size = 0;

  constructor(lanes: readonly ResolvedLane[], defaultLane: string, clock: Clock, occupancy: LaneOccupancy, maxQueue = Infinity) {
    // `lanes` come sorted by priority, highest first.
    this.#lanes = lanes.map((config) => ({ config, queue: new LaneQueue(), admitted: 0, rejected: 0, waitTotalMs: 0, waitMaxMs: 0 }));
    for (const lane of this.#lanes) this.#byName.set(lane.config.name, lane);
    this.#defaultLane = this.#byName.get(defaultLane) ?? this.#lanes[this.#lanes.length - 1]!;
    this.#clock = clock;
    this.#occupancy = occupancy;
    this.#maxQueue = maxQueue;
  }

  get size(): number {
    return this.#size;
  }

  enqueue(waiter: AbandonableWaiter): void {
    const lane = this.#laneOf(waiter);
    if (lane.queue.size >= lane.config.maxQueue || this.#size >= this.#maxQueue) {
      lane.rejected++;
      throw new QueueFullError(lane.config.name, Math.min(lane.config.maxQueue, this.#maxQueue));
    }
    lane.queue.push(waiter);
    this.#size++;
    const pool = waiter.pool;
    if (pool !== undefined) {
      // The lane's own queue timeout; the pool's queueTimeoutMs and the call's deadline also apply.
      const timer = this.#clock.setTimeout(() => {
        this.#timers.delete(waiter);
        lane.rejected++;
        pool.abandon(waiter, new QueueTimeoutError(lane.config.name, this.#clock.now() - waiter.enqueuedAt));
      }, lane.config.queueTimeoutMs);
      this.#timers.set(waiter, timer);
    }
  }

  next(): AbandonableWaiter | undefined {
    const lane = this.#pickLane();
    if (lane === undefined) return undefined;
    const waiter = lane.queue.shift()!;
    this.#size--;
    this.#clearTimer(waiter);
    const waitMs = this.#clock.now() - waiter.enqueuedAt;
    lane.admitted++;
    lane.waitTotalMs += waitMs;
    if (waitMs > lane.waitMaxMs) lane.waitMaxMs = waitMs;
    return waiter;
  }

  remove(waiter: AbandonableWaiter): boolean {
    const lane = this.#laneOf(waiter);
    if (!lane.queue.remove(waiter)) return false;
    this.#size--;
    this.#clearTimer(waiter);
    return true;
  }

  stats(): Record<string, LaneStats> {
    const out: Record<string, LaneStats> = {};
    for (const lane of this.#lanes) {
      out[lane.config.name] = {
        queued: lane.queue.size,
        inFlight: this.#occupancy.held(lane.config.name),
        admitted: lane.admitted,
        rejected: lane.rejected,
        meanWaitMs: lane.admitted === 0 ? 0 : lane.waitTotalMs / lane.admitted,
        maxWaitMs: lane.waitMaxMs,
      };
    }
    return out;
  }

  #pickLane(): LaneState | undefined {
    let capacity = 1;
    for (const lane of this.#lanes) capacity += this.#occupancy.held(lane.config.name);
    let best: LaneState | undefined;
    for (const lane of this.#lanes) {
      if (lane.queue.size === 0) continue;
      if (this.#occupancy.held(lane.config.name) < lane.config.reservedShare * capacity) return lane;
      best ??= lane;
    }
    return best;
  }

  #laneOf(waiter: SlotWaiter): LaneState {
    return this.#byName.get(waiter.lane) ?? this.#defaultLane;
  }

  #clearTimer(waiter: AbandonableWaiter): void {
    const timer = this.#timers.get(waiter);
    if (timer === undefined) return;
    this.#timers.delete(waiter);
    this.#clock.clearTimeout(timer);
  }
}
