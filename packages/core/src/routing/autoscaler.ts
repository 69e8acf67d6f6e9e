// Autoscaling (options.autoscale): every `sampleIntervalMs` on the injected clock, each pool
// group's utilisation is sampled. Above `scaleUpUtilization` continuously for `scaleUpAfterMs`
// raises the group's maximum by `scaleUpFactor` (rounded up, at most its ceiling); below
// `scaleDownUtilization` continuously for `scaleDownAfterMs` lowers it by `scaleDownFactor`
// (rounded down, at least its minimum and 1). Both streaks restart after every change, and the
// gap between the thresholds is wider than a step moves utilisation, so a steady load settles
// instead of oscillating.
//
// Utilisation is demand over capacity for the group's busiest origin: (in-flight + queued) over
// the slots `max` connections offer (one per HTTP/1.1 connection, the negotiated streams per
// HTTP/2 connection), capped at 1. Counting queued calls makes a saturated pool read 100 % however
// far demand exceeds it; taking the busiest origin keeps idle failover regions from diluting it.
import type { Clock, TimerHandle } from '../clock.js';
import { unrefTimer } from '../clock.js';
import type { TypedEmitter } from '../events.js';
import type { OriginStats } from '../transport/origin-pool.js';
import type { ResolvedAutoscale } from './validate-routing-options.js';

/** What the autoscaler needs of a pool group (ConnectionPoolGroup fits). */
export interface ScalableGroup {
  readonly name: string;
  readonly maxConnections: number;
  setMaxConnections(max: number): void;
  stats(): Record<string, OriginStats>;
}

export interface ScaledGroupStats {
  max: number;
  floor: number;
  ceiling: number;
  /** Last sampled utilisation, 0..1. */
  utilization: number;
  scaledUp: number;
  scaledDown: number;
}

interface GroupState {
  readonly group: ScalableGroup;
  readonly floor: number;
  readonly ceiling: number;
  utilization: number;
  aboveSince: number | undefined;
  belowSince: number | undefined;
  scaledUp: number;
  scaledDown: number;
}

export class Autoscaler {
  readonly #config: ResolvedAutoscale;
  readonly #clock: Clock;
  readonly #emitter: TypedEmitter;
  readonly #groups: GroupState[] = [];
  #timer: TimerHandle | undefined;
  #stopped = false;

  constructor(config: ResolvedAutoscale, clock: Clock, emitter: TypedEmitter) {
    this.#config = config;
    this.#clock = clock;
    this.#emitter = emitter;
  }

  /** Scales `group` within [max(floor, 1), ceiling]. */
  add(group: ScalableGroup, floor: number, ceiling: number): void {
    this.#groups.push({ group, floor: Math.max(1, floor), ceiling, utilization: 0, aboveSince: undefined, belowSince: undefined, scaledUp: 0, scaledDown: 0 });
  }

  start(): void {
    if (this.#timer === undefined && !this.#stopped) this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Takes one sample of every group now (the timer calls this). */
  sample(): void {
    const now = this.#clock.now();
    for (const state of this.#groups) this.#sampleGroup(state, now);
  }

  stats(): Record<string, ScaledGroupStats> {
    const out: Record<string, ScaledGroupStats> = {};
    for (const state of this.#groups) {
      out[state.group.name] = { max: state.group.maxConnections, floor: state.floor, ceiling: state.ceiling, utilization: state.utilization, scaledUp: state.scaledUp, scaledDown: state.scaledDown };
    }
    return out;
  }

  #schedule(): void {
    // Only watches: never keeps the process alive.
    this.#timer = unrefTimer(
      this.#clock.setTimeout(() => {
        this.#timer = undefined;
        if (this.#stopped) return;
        this.sample();
        this.#schedule();
      }, this.#config.sampleIntervalMs),
    );
  }

  #sampleGroup(state: GroupState, now: number): void {
    const [utilization, origin] = busiest(state.group.stats());
    state.utilization = utilization;
    const config = this.#config;
    if (utilization > config.scaleUpUtilization) state.aboveSince ??= now;
    else state.aboveSince = undefined;
    if (utilization < config.scaleDownUtilization) state.belowSince ??= now;
    else state.belowSince = undefined;

    const max = state.group.maxConnections;
    let to: number;
    if (state.aboveSince !== undefined && now - state.aboveSince >= config.scaleUpAfterMs) {
      to = Math.min(state.ceiling, Math.ceil(max * (1 + config.scaleUpFactor)));
    } else if (state.belowSince !== undefined && now - state.belowSince >= config.scaleDownAfterMs) {
      to = Math.max(state.floor, Math.floor(max * (1 - config.scaleDownFactor)));
    } else {
      return;
    }
    // A change (or a decision that cannot move further) starts both streaks over.
    state.aboveSince = undefined;
    state.belowSince = undefined;
    if (to === max) return;
    state.group.setMaxConnections(to);
    const direction = to > max ? 'up' : 'down';
    if (direction === 'up') state.scaledUp++;
    else state.scaledDown++;
    if (this.#emitter.has('autoscale')) this.#emitter.emit('autoscale', { pool: state.group.name, origin, from: max, to, utilization, direction });
  }
}

/** The highest utilisation among the group's origins, and that origin. */
function busiest(origins: Record<string, OriginStats>): [number, string] {
  let top = 0;
  let topOrigin = '*';
  for (const [origin, stats] of Object.entries(origins)) {
    const capacity = stats.max * stats.streamsPerConnection;
    const utilization = capacity === 0 ? 0 : Math.min(1, (stats.inFlight + stats.queued) / capacity);
    if (utilization > top || topOrigin === '*') [top, topOrigin] = [utilization, origin];
  }
  return [top, topOrigin];
}
