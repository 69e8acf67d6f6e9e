// Health of each configured region, judged on the injected clock.
//
// A whole region turns unhealthy when its error rate (5xx and connection failures over all calls)
// over the detection window crosses the threshold. It gets no regular traffic while unhealthy, so
// nothing would tell us it recovered: once it has had no observed failure for one detection
// window, it is *probed* with real calls, one at a time (the router lets a single call through
// and holds every other call elsewhere until that one's outcome is known). A probe that succeeds
// marks the region healthy again, so traffic fails back one detection window after the region
// recovered; a probe that fails is an observed failure (the retry step moves that call on) and
// the next probe waits another window.
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

/** The one call allowed into an unhealthy region to find out whether it recovered. */
interface Probe {
  call: object;
  /** A probe whose outcome never arrives (its call vanished) stops blocking the next one here. */
  expiresAt: number;
}

class RegionState {
  readonly counter: RollingCounter<'calls' | 'errors'>;
  healthy = true;
  lastFailureAt = -Infinity;
  probe: Probe | undefined;
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

  /** One attempt's outcome in `region` (by `call`, which may be the region's probe). */
  record(region: string, failed: boolean, call?: object): void {
    const state = this.#states.get(region);
    if (state === undefined) return;
    state.counter.add('calls');
    if (call !== undefined && state.probe?.call === call) state.probe = undefined;
    if (failed) {
      state.counter.add('errors');
      state.lastFailureAt = this.#clock.now();
      if (state.healthy) this.#evaluate(region, state);
      return;
    }
    // Any success after a quiet window counts as a successful probe (also a retry that came here
    // because every healthy region had failed it).
    if (!state.healthy && this.#quietFor(state) >= this.#config.detectionWindowMs) {
      state.healthy = true;
      state.probe = undefined;
      this.#transition(region, state, `probe succeeded after ${this.#quietFor(state)} ms without failures`);
    }
  }

  /** Whether new traffic for `model` may go to `region` (healthy, and the model not kept out). */
  usable(region: string, model: string): boolean {
    const state = this.#states.get(region);
    if (state === undefined || !state.healthy) return false;
    return this.#modelAllowed(region, state, model);
  }

  /**
   * Lets `call` probe an unhealthy `region`: only after a detection window with no observed
   * failure, and only one call at a time. Asking again for the call that holds the probe is yes.
   */
  admitProbe(region: string, model: string, call: object): boolean {
    const state = this.#states.get(region);
    if (state === undefined || state.healthy) return false;
    if (this.#quietFor(state) < this.#config.detectionWindowMs) return false;
    const now = this.#clock.now();
    if (state.probe !== undefined && state.probe.call !== call && state.probe.expiresAt > now) return false;
    if (!this.#modelAllowed(region, state, model)) return false;
    state.probe = { call, expiresAt: now + this.#config.detectionWindowMs };
    return true;
  }

  /** `call` left `region` without an outcome that says anything (aborted, refused, moved). */
  releaseProbe(region: string | undefined, call: object): void {
    const state = region === undefined ? undefined : this.#states.get(region);
    if (state?.probe?.call === call) state.probe = undefined;
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
      const calls = state.counter.sum('calls');
      const errors = state.counter.sum('errors');
      const unhealthyModels: Record<string, string> = {};
      for (const [model, mark] of state.models) unhealthyModels[model] = mark.reason;
      const reason = state.healthy ? 'ok' : this.#unhealthyReason(state, calls, errors);
      out[region] = { healthy: state.healthy, active: region === this.#active, reason, calls, errors, errorRate: calls === 0 ? 0 : errors / calls, unhealthyModels };
    }
    return out;
  }

  #modelAllowed(region: string, state: RegionState, model: string): boolean {
    if (state.models.size === 0) return true;
    const mark = state.models.get(model);
    if (mark === undefined) return true;
    if (mark.until === undefined || mark.until > this.#clock.now()) return false;
    this.clearModel(region, model, 'cooldown over');
    return true;
  }

  #quietFor(state: RegionState): number {
    return this.#clock.now() - state.lastFailureAt;
  }

  #failing(calls: number, errors: number): boolean {
    return calls >= this.#config.minimumCalls && errors / calls > this.#config.errorThreshold;
  }

  /** What an unhealthy region is doing now: still failing, waiting out the window, or probing. */
  #unhealthyReason(state: RegionState, calls: number, errors: number): string {
    const windowMs = this.#config.detectionWindowMs;
    if (this.#failing(calls, errors)) return `error rate ${Math.round((errors / calls) * 100)}% over ${windowMs} ms`;
    const quietMs = this.#quietFor(state);
    if (quietMs < windowMs) return `recovering: no failure for ${quietMs} ms, probing after ${windowMs} ms`;
    const probing = state.probe !== undefined && state.probe.expiresAt > this.#clock.now();
    return probing ? 'recovering: probe in flight' : 'recovering: next call probes';
  }

  #evaluate(region: string, state: RegionState): void {
    const calls = state.counter.sum('calls');
    const errors = state.counter.sum('errors');
    if (!this.#failing(calls, errors)) return;
    state.healthy = false;
    state.probe = undefined;
    this.#transition(region, state, `error rate ${Math.round((errors / calls) * 100)}% over ${this.#config.detectionWindowMs} ms`);
  }

  #transition(region: string, state: RegionState, reason: string): void {
    if (this.#emitter.has('region-health')) this.#emitter.emit('region-health', { region, healthy: state.healthy, reason });
    const active = this.regions.find((candidate) => this.#states.get(candidate)!.healthy) ?? this.regions[0]!;
    if (active === this.#active) return;
    const from = this.#active;
    this.#active = active;
    if (this.#emitter.has('failover')) this.#emitter.emit('failover', { from, to: active, reason: state.healthy ? `${region} ${reason}` : `${region} unhealthy: ${reason}` });
  }
}
