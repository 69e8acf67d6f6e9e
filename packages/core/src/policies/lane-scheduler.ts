// A SlotScheduler that hands a freed connection slot to the right lane:
//   1. a lane below its reserved share of the capacity in use gets it first (highest priority
//      first among such lanes), so a lane's guarantee cannot be taken while it has work;
//   2. otherwise the highest-priority lane with waiters; inside a lane, higher call priority
//      first, then first come first served.
// So a best-effort lane (low priority, no share) never starves a guaranteed one. Capacity is
// measured, not configured: the scheduler only runs when every slot is busy, so the slots held
// by all lanes (+1 for the one just freed) are the pool's capacity at that moment.
// There is one scheduler per slot queue (origin × pool group); the queue bounds and the counts are
// pool-wide, in the shared LaneLedger. The slot pool times waiters out with each lane's
// queueTimeoutMs (queueFor), so one timer per waiter covers the lane timeout and the deadline.
import type { SlotScheduler, SlotWaiter } from '../resource-pool/slot-scheduler.js';
import { LaneQueue } from './lane-queue.js';
import type { LaneLedger } from './lane-ledger.js';
import type { LaneOccupancy } from './lane-occupancy.js';
import type { ResolvedLane } from './validate-policy-options.js';

interface LaneState {
  config: ResolvedLane;
  queue: LaneQueue<SlotWaiter>;
}

export class LaneScheduler implements SlotScheduler<SlotWaiter> {
  readonly #lanes: LaneState[];
  readonly #byName = new Map<string, LaneState>();
  readonly #defaultLane: LaneState;
  readonly #occupancy: LaneOccupancy;
  readonly #ledger: LaneLedger;
  #size = 0;

  constructor(lanes: readonly ResolvedLane[], defaultLane: string, occupancy: LaneOccupancy, ledger: LaneLedger) {
    // `lanes` come sorted by priority, highest first.
    this.#lanes = lanes.map((config) => ({ config, queue: new LaneQueue() }));
    for (const lane of this.#lanes) this.#byName.set(lane.config.name, lane);
    this.#defaultLane = this.#byName.get(defaultLane) ?? this.#lanes[this.#lanes.length - 1]!;
    this.#occupancy = occupancy;
    this.#ledger = ledger;
  }

  get size(): number {
    return this.#size;
  }

  enqueue(waiter: SlotWaiter): void {
    const lane = this.#laneOf(waiter);
    this.#ledger.enqueue(lane.config); // throws QUEUE_FULL (lane bound, then the pool's)
    lane.queue.push(waiter);
    this.#size++;
  }

  /** The lane's bounds: the slot pool names the lane in QUEUE_TIMEOUT and waits its queueTimeoutMs. */
  queueFor(waiter: SlotWaiter): ResolvedLane {
    return this.#laneOf(waiter).config;
  }

  next(): SlotWaiter | undefined {
    const lane = this.#pickLane();
    if (lane === undefined) return undefined;
    const waiter = lane.queue.shift()!;
    this.#size--;
    this.#ledger.dequeue(lane.config);
    return waiter;
  }

  remove(waiter: SlotWaiter, reason?: unknown): boolean {
    const lane = this.#laneOf(waiter);
    if (!lane.queue.remove(waiter)) return false;
    this.#size--;
    this.#ledger.dequeue(lane.config, (reason as { code?: string } | undefined)?.code);
    return true;
  }

  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const lane of this.#lanes) out[lane.config.name] = lane.queue.size;
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
}
