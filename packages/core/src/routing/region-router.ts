// Region routing (options.regions) for Vertex AI calls: each attempt goes to the first region that
// is healthy for the call's model and that this call has not already failed in, or that this call
// may probe (an unhealthy region quiet for a detection window takes one call at a time). The URL's
// origin and its `locations/{loc}` segment are rewritten to match. Calls without a Vertex path are
// not region-routed.
import type { Call } from '../call.js';
import { isGempoolError } from '../errors.js';
import type { TypedEmitter } from '../events.js';
import { parseGeminiPath } from '../gemini-url.js';
import { classifyError } from '../policies/retry-classifier.js';
import type { RegionHealth } from './region-health.js';

const LOCATION_SEGMENT = /\/locations\/[^/]+\//;

export class RegionRouter {
  readonly #health: RegionHealth;
  readonly #origins: ReadonlyMap<string, string>;
  readonly #emitter: TypedEmitter;
  readonly #quotaCooldownMs: number;
  /** Regions each call has failed in; only calls that failed somewhere have an entry. */
  readonly #failed = new WeakMap<Call, Set<string>>();

  constructor(health: RegionHealth, origins: ReadonlyMap<string, string>, quotaCooldownMs: number, emitter: TypedEmitter) {
    this.#health = health;
    this.#origins = origins;
    this.#quotaCooldownMs = quotaCooldownMs;
    this.#emitter = emitter;
  }

  /** Region routing applies to Vertex AI paths only (they name a location). */
  routes(call: Call): boolean {
    return call.target.location !== undefined;
  }

  /** Points the call at the region its next attempt should use. */
  assign(call: Call): void {
    const region = this.pick(call);
    if (region !== call.region || call.target.location !== region) this.#rewrite(call, region);
    else call.origin = this.#origins.get(region)!;
  }

  pick(call: Call): string {
    const regions = this.#health.regions;
    const model = call.target.model;
    const tried = this.#failed.get(call);
    for (const region of regions) {
      if (tried?.has(region) === true) continue;
      if (this.#health.usable(region, model) || this.#health.admitProbe(region, model, call)) return region;
    }
    // Every healthy region already failed this call: an unhealthy one it has not tried may have recovered.
    if (tried !== undefined) {
      for (const region of regions) if (!tried.has(region)) return region;
      for (const region of regions) if (this.#health.usable(region, model)) return region;
    }
    return regions[(call.attempt - 1) % regions.length]!;
  }

  /** The outcome of one attempt (route step): counts toward region health, moves the call on failure. */
  observe(call: Call, status: number | undefined, error: unknown): void {
    const region = call.region;
    if (region === undefined || !this.#health.has(region)) return;
    let failed: boolean;
    if (error === undefined) failed = status !== undefined && status >= 500;
    // Aborts, deadlines and our own refusals say nothing about the region.
    else failed = classifyError(error).action === 'retry';
    if (error !== undefined && !failed) {
      this.#health.releaseProbe(region, call);
      return;
    }
    this.#health.record(region, failed, call);
    if (failed) this.#leave(call, region);
  }

  /** Retry hook: a per-day quota in this region. Moves the call when another region can serve it. */
  failoverOnQuota(call: Call): boolean {
    const region = call.region;
    if (region === undefined || !this.#health.has(region)) return false;
    const model = call.target.model;
    this.#health.markModel(region, model, 'quota-exhausted', this.#quotaCooldownMs);
    this.#leave(call, region);
    if (call.region === region) return false;
    if (this.#emitter.has('failover')) this.#emitter.emit('failover', { from: region, to: call.region!, reason: `quota-exhausted for ${model}` });
    return true;
  }

  /** The breaker step refused the call in its region: place it elsewhere if a region is left. */
  moveAfterBreakerOpen(error: unknown, call: Call): boolean {
    if (!isGempoolError(error, 'BREAKER_OPEN')) return false;
    const region = call.region;
    if (region === undefined || !this.#health.has(region)) return false;
    this.#leave(call, region);
    return call.region !== region && this.#failed.get(call)?.has(call.region!) !== true;
  }

  /** The call is done with routing (answered, or failed before reaching a region). */
  settle(call: Call): void {
    this.#health.releaseProbe(call.region, call);
  }

  #leave(call: Call, region: string): void {
    this.#health.releaseProbe(region, call);
    let tried = this.#failed.get(call);
    if (tried === undefined) this.#failed.set(call, (tried = new Set()));
    tried.add(region);
    this.assign(call);
  }

  #rewrite(call: Call, region: string): void {
    call.origin = this.#origins.get(region)!;
    call.path = call.path.replace(LOCATION_SEGMENT, `/locations/${region}/`);
    call.target = parseGeminiPath(call.path);
    call.region = region;
  }
}
