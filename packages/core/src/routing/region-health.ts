// Health of each configured region, judged on the injected clock.
//
// A whole region turns unhealthy when its error rate (5xx and connection failures over all calls)
// over the detection window crosses the threshold; it takes traffic again once it has looked
// healthy for a further detection window (with no traffic the failures simply age out, so a dead
// region is tried again after one to two windows, and the retry step moves those calls on).
// One model in a region turns unhealthy while its endpoint breaker is open, or for
// `quotaCooldownMs` after a per-day quota error. Transitions emit `region-health`; a change of the
// region new calls go to emits `failover`.
import type { Clock } from '../clock.js';
import type { TypedEmitter } from '../events.js';
import { RollingCounter } from '../policies/rolling-counter.js';
import type { ResolvedRegionHealth } from './validate-routing-options.js';

interface ModelMark {
  reason: string;
  /** Clock time the mark lapses; undefined while a breaker holds it. */
  until: number | undefined;
}

class RegionState {
  readonly counter: RollingCounter<'calls' | 'errors'>;
  healthy = true;
  reason = 'ok';
  /** While unhealthy: when the error rate went back under the threshold. */
  recoveringSince: number | undefined;
  lastFailureAt = 0;
  readonly models = new Map<string, ModelMark>();

  constructor(clock: Clock, windowMs: number) {
    this.counter = new RollingCounter(clock, windowMs, ['calls', 'errors']);
  }
}

export interface RegionStats {
  healthy: boolean;
  /** New calls go here (the first healthy region). */
  active: boolean;
  reason: string;
  calls: number;
  errors: number;
  errorRate: number;
  /** Models kept out of this region, with why. */
  unhealthyModels: Record<string, string>;
}

export class RegionHealth {
  readonly regions: readonly string[];
  readonly #states = new Map<string, RegionState>();
  readonly #config: ResolvedRegionHealth;
  readonly #clock: Clock;
  readonly #emitter: TypedEmitter;
  #unhealthyCount = 0;
  #active: string;

  constructor(regions: readonly string[], config: ResolvedRegionHealth, clock: Clock, emitter: TypedEmitter) {
    this.regions = regions;
    this.#config = config;
    this.#clock = clock;
    this.#emitter = emitter;
    for (const region of regions) this.#states.set(region, new RegionState(clock, config.detectionWindowMs));
    this.#active = regions[0]!;
  }

  has(region: string | undefined): boolean {
    return region !== undefined && this.#states.has(region);
  }

  /** One attempt's outcome in `region`. */
  record(region: string, failed: boolean): void {
    const state = this.#states.get(region);
    if (state === undefined) return;
    state.counter.add('calls');
    if (!failed) return;
    state.counter.add('errors');
    state.lastFailureAt = this.#clock.now();
    if (state.healthy) this.#evaluate(region, state);
  }

  /** Whether new traffic for `model` may go to `region`. */
  usable(region: string, model: string): boolean {
    const state = this.#states.get(region);
    if (state === undefined) return false;
    if (this.#unhealthyCount > 0 && !state.healthy) this.#evaluate(region, state);
    if (!state.healthy) return false;
    if (state.models.size === 0) return true;
    const mark = state.models.get(model);
    if (mark === undefined) return true;
    if (mark.until === undefined || mark.until > this.#clock.now()) return false;
    this.clearModel(region, model, 'cooldown over');
    return true;
  }

  /** Keeps `model` out of `region`: for `forMs`, or until clearModel (breakers). */
  markModel(region: string, model: string, reason: string, forMs?: number): void {
    const state = this.#states.get(region);
    if (state === undefined) return;
    const known = state.models.has(model);
    state.models.set(model, { reason, until: forMs === undefined ? undefined : this.#clock.now() + forMs });
    if (!known && this.#emitter.has('region-health')) this.#emitter.emit('region-health', { region, healthy: false, reason, model });
  }

  clearModel(region: string, model: string, reason: string): void {
    if (this.#states.get(region)?.models.delete(model) === true && this.#emitter.has('region-health')) {
      this.#emitter.emit('region-health', { region, healthy: true, reason, model });
    }
  }

  stats(): Record<string, RegionStats> {
    const out: Record<string, RegionStats> = {};
    for (const [region, state] of this.#states) {
      if (!state.healthy) this.#evaluate(region, state);
      const calls = state.counter.sum('calls');
      const errors = state.counter.sum('errors');
      const unhealthyModels: Record<string, string> = {};
      for (const [model, mark] of state.models) unhealthyModels[model] = mark.reason;
      out[region] = { healthy: state.healthy, active: region === this.#active, reason: state.reason, calls, errors, errorRate: calls === 0 ? 0 : errors / calls, unhealthyModels };
    }
    return out;
  }

  #evaluate(region: string, state: RegionState): void {
    const calls = state.counter.sum('calls');
    const errors = state.counter.sum('errors');
    const failing = calls >= this.#config.minimumCalls && errors / calls > this.#config.errorThreshold;
    const now = this.#clock.now();
    if (state.healthy) {
      if (!failing) return;
      state.healthy = false;
      state.recoveringSince = undefined;
      this.#unhealthyCount++;
      this.#transition(region, state, `error rate ${Math.round((errors / calls) * 100)}% over ${this.#config.detectionWindowMs} ms`);
      return;
    }
    if (failing) {
      state.recoveringSince = undefined;
      return;
    }
    // Evaluated lazily: the rate was back under the threshold by the time the last failure left
    // the window at the latest, so an idle stretch does not delay fail-back.
    state.recoveringSince ??= Math.min(now, state.lastFailureAt + this.#config.detectionWindowMs);
    if (now - state.recoveringSince < this.#config.detectionWindowMs) return;
    state.healthy = true;
    this.#unhealthyCount--;
    this.#transition(region, state, `healthy for ${this.#config.detectionWindowMs} ms`);
  }

  #transition(region: string, state: RegionState, reason: string): void {
    state.reason = state.healthy ? 'ok' : reason;
    if (this.#emitter.has('region-health')) this.#emitter.emit('region-health', { region, healthy: state.healthy, reason });
    const active = this.regions.find((candidate) => this.#states.get(candidate)!.healthy) ?? this.regions[0]!;
    if (active === this.#active) return;
    const from = this.#active;
    this.#active = active;
    if (this.#emitter.has('failover')) this.#emitter.emit('failover', { from, to: active, reason: state.healthy ? `${region} ${reason}` : `${region} unhealthy: ${reason}` });
  }
}
