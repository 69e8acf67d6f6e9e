// One breaker per endpoint (model × region × API version), created on first use with its tier's
// thresholds (the top tier trips sooner). Also resolves which tier a model belongs to.
import type { Clock } from '../clock.js';
import type { TypedEmitter } from '../events.js';
import { matchesModel } from '../gemini-url.js';
import { EndpointBreaker, type BreakerSnapshot } from './endpoint-breaker.js';
import type { ResolvedBreakerConfig, ResolvedTier } from './validate-policy-options.js';

export interface EndpointAddress {
  model: string;
  region: string | undefined;
  apiVersion: string;
}

export class BreakerRegistry {
  readonly #breakers = new Map<string, EndpointBreaker>();
  readonly #tierByModel = new Map<string, ResolvedTier | undefined>();
  readonly #defaultConfig: ResolvedBreakerConfig;
  readonly #tiers: readonly ResolvedTier[];
  readonly #clock: Clock;
  readonly #emitter: TypedEmitter;

  constructor(defaultConfig: ResolvedBreakerConfig, tiers: readonly ResolvedTier[], clock: Clock, emitter: TypedEmitter) {
    this.#defaultConfig = defaultConfig;
    this.#tiers = tiers;
    this.#clock = clock;
    this.#emitter = emitter;
  }

  /** The first tier whose `models` match, if any (memoised per model: asked on every call). */
  tierFor(model: string): ResolvedTier | undefined {
    const known = this.#tierByModel.get(model);
    if (known !== undefined || this.#tierByModel.has(model)) return known;
    const tier = this.#tiers.find((candidate) => candidate.models.some((pattern) => matchesModel(model, pattern)));
    if (this.#tierByModel.size < 1_000) this.#tierByModel.set(model, tier);
    return tier;
  }

  get(address: EndpointAddress): EndpointBreaker {
    const endpoint = `${address.model}|${address.region ?? '-'}|${address.apiVersion}`;
    let breaker = this.#breakers.get(endpoint);
    if (breaker === undefined) {
      const config = this.tierFor(address.model)?.breaker ?? this.#defaultConfig;
      breaker = new EndpointBreaker(endpoint, config, this.#clock, (from, to, reason) => {
        if (this.#emitter.has('breaker-state')) {
          this.#emitter.emit('breaker-state', { endpoint, model: address.model, region: address.region, apiVersion: address.apiVersion, from, to, reason });
        }
      });
      this.#breakers.set(endpoint, breaker);
    }
    return breaker;
  }

  // Shared state (shared-state/shared-breaker-sync.ts) opens and closes breakers by endpoint key
  // when another instance of the fleet did; these three make the registry its SharedBreakerTarget.

  /** Opens `endpoint` (`model|region|apiVersion`) here for `openForMs`, creating its breaker if needed. */
  forceOpen(endpoint: string, openForMs: number): void {
    const [model = '', region = '-', apiVersion = ''] = endpoint.split('|');
    this.get({ model, region: region === '-' ? undefined : region, apiVersion }).forceOpen(openForMs);
  }

  forceClose(endpoint: string): void {
    this.#breakers.get(endpoint)?.forceClose();
  }

  /** Endpoints open (not half-open) here, with the time left until half-open. */
  openEndpoints(): Array<{ endpoint: string; openForMs: number }> {
    const open: Array<{ endpoint: string; openForMs: number }> = [];
    for (const [endpoint, breaker] of this.#breakers) {
      const openForMs = breaker.openForMs();
      if (openForMs !== undefined) open.push({ endpoint, openForMs });
    }
    return open;
  }

  snapshot(): BreakerSnapshot[] {
    return [...this.#breakers.values()].map((breaker) => breaker.snapshot());
  }

  shutdown(): void {
    for (const breaker of this.#breakers.values()) breaker.shutdown();
    this.#breakers.clear();
  }
}
