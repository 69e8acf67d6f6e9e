// The pool-wide book of the lanes: how many calls wait in each lane (over every slot queue: all
// origins and pool groups), the pool's `maxQueue` bound on all of them together and each lane's own
// bound, admissions, rejections by code, and a recent window of queue waits for p50/p95. Every lane
// has an entry from construction, so `stats().lanes` never depends on a queue having existed.
import type { Clock } from '../clock.js';
import { QueueFullError } from '../errors.js';
import type { LaneOccupancy } from './lane-occupancy.js';
import type { ResolvedLane } from './validate-policy-options.js';

/** Why calls left a lane's queue without a slot. */
export type LaneRejectionCode = 'QUEUE_FULL' | 'QUEUE_TIMEOUT' | 'DEADLINE_EXCEEDED' | 'ABORTED';

export interface LaneStats {
  /** Calls waiting for a slot now. */
  queued: number;
  /** Slots the lane's calls hold now (until their response bodies end). */
  inFlight: number;
  /** Calls that got a slot through the lane, queued or not (a retried call counts once). */
  admitted: number;
  /** Calls that left the queue without a slot, by code. */
  rejected: Record<LaneRejectionCode, number>;
  /** Queue wait of the admissions in the last `WAIT_WINDOW_MS` (0 for a slot taken at once), ms. */
  waitP50Ms: number;
  waitP95Ms: number;
  /** The lane's effective bounds (its own, or inherited from the pool's maxQueue / queueTimeoutMs). */
  maxQueue: number;
  queueTimeoutMs: number;
}

/** Waits older than this drop out of the percentiles. */
export const WAIT_WINDOW_MS = 60_000;
/** At most this many recent waits per lane are kept (a ring: constant memory, no allocation per call). */
const WAIT_SAMPLES = 1_024;

const REJECTION_CODES: ReadonlySet<string> = new Set<LaneRejectionCode>(['QUEUE_FULL', 'QUEUE_TIMEOUT', 'DEADLINE_EXCEEDED', 'ABORTED']);

class LaneEntry {
  queued = 0;
  admitted = 0;
  readonly rejected: Record<LaneRejectionCode, number> = { QUEUE_FULL: 0, QUEUE_TIMEOUT: 0, DEADLINE_EXCEEDED: 0, ABORTED: 0 };
  readonly waitAt = new Float64Array(WAIT_SAMPLES);
  readonly waitMs = new Float64Array(WAIT_SAMPLES);
  samples = 0;
  constructor(readonly config: ResolvedLane) {}
}

export class LaneLedger {
  readonly #lanes = new Map<string, LaneEntry>();
  readonly #maxQueue: number;
  readonly #clock: Clock;
  readonly #occupancy: LaneOccupancy;
  #queued = 0;

  /** `maxQueue`: the pool's bound on the calls waiting in all lanes together. */
  constructor(lanes: readonly ResolvedLane[], maxQueue: number, clock: Clock, occupancy: LaneOccupancy) {
    for (const lane of lanes) this.#lanes.set(lane.name, new LaneEntry(lane));
    this.#maxQueue = maxQueue;
    this.#clock = clock;
    this.#occupancy = occupancy;
  }

  /** Counts a call into `lane`'s queue, or throws QUEUE_FULL (the lane's bound, then the pool's). */
  enqueue(lane: ResolvedLane): void {
    const entry = this.#entry(lane);
    if (entry.queued >= lane.maxQueue) {
      entry.rejected.QUEUE_FULL++;
      throw new QueueFullError(lane.name, lane.maxQueue);
    }
    if (this.#queued >= this.#maxQueue) {
      entry.rejected.QUEUE_FULL++;
      throw new QueueFullError('pool', this.#maxQueue);
    }
    entry.queued++;
    this.#queued++;
  }

  /** A call left `lane`'s queue: given a slot, or (with `code`) given up on. */
  dequeue(lane: ResolvedLane, code?: string): void {
    const entry = this.#entry(lane);
    entry.queued--;
    this.#queued--;
    if (code !== undefined && REJECTION_CODES.has(code)) entry.rejected[code as LaneRejectionCode]++;
  }

  /** A call of `lane` got a slot after waiting `waitMs`; `first`: its first slot (not a retry's). */
  admit(lane: string, waitMs: number, first: boolean): void {
    const entry = this.#lanes.get(lane);
    if (entry === undefined) return;
    if (first) entry.admitted++;
    const index = entry.samples++ % WAIT_SAMPLES;
    entry.waitAt[index] = this.#clock.now();
    entry.waitMs[index] = waitMs;
  }

  stats(): Record<string, LaneStats> {
    const out: Record<string, LaneStats> = {};
    const since = this.#clock.now() - WAIT_WINDOW_MS;
    for (const [name, entry] of this.#lanes) {
      const waits: number[] = [];
      for (let i = 0; i < Math.min(entry.samples, WAIT_SAMPLES); i++) if (entry.waitAt[i]! >= since) waits.push(entry.waitMs[i]!);
      waits.sort((a, b) => a - b);
      out[name] = {
        queued: entry.queued,
        inFlight: this.#occupancy.held(name),
        admitted: entry.admitted,
        rejected: { ...entry.rejected },
        waitP50Ms: percentile(waits, 0.5),
        waitP95Ms: percentile(waits, 0.95),
        maxQueue: entry.config.maxQueue,
        queueTimeoutMs: entry.config.queueTimeoutMs,
      };
    }
    return out;
  }

  #entry(lane: ResolvedLane): LaneEntry {
    let entry = this.#lanes.get(lane.name);
    if (entry === undefined) this.#lanes.set(lane.name, (entry = new LaneEntry(lane)));
    return entry;
  }
}

/** Nearest-rank percentile of sorted values; 0 when there are none. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}
