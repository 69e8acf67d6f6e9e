// The connection groups of one pool: `default`, one per API version of the traffic split (each
// version has its own connections) and one per options.pools entry (dedicated connections per
// model group, so one model's traffic cannot starve another's). A model pool wins over the
// version groups; calls matching neither use `default`.
import type { Call } from '../call.js';
import { ConnectionPoolGroup, type GroupSettings } from '../transport/connection-pool-group.js';
import { ModelPoolMatcher } from './model-pool-matcher.js';
import type { ResolvedModelPool } from './validate-routing-options.js';

export interface GroupLimits {
  readonly group: ConnectionPoolGroup;
  readonly minConnections: number;
  /** Autoscaling ceiling. */
  readonly ceiling: number;
}

export class PoolGroups {
  readonly default: ConnectionPoolGroup;
  readonly all: readonly GroupLimits[];
  readonly #byName = new Map<string, ConnectionPoolGroup>();
  readonly #matcher: ModelPoolMatcher | undefined;
  readonly #versioned: boolean;

  constructor(base: GroupSettings, origins: readonly string[], versions: readonly string[], pools: readonly ResolvedModelPool[], defaultCeiling: number) {
    const all: GroupLimits[] = [];
    const add = (name: string, settings: GroupSettings, ceiling: number): ConnectionPoolGroup => {
      const group = new ConnectionPoolGroup(name, settings, origins);
      this.#byName.set(name, group);
      all.push({ group, minConnections: settings.minConnections, ceiling });
      return group;
    };
    this.default = add('default', base, defaultCeiling);
    for (const version of versions) add(version, base, defaultCeiling);
    for (const pool of pools) add(pool.name, { ...base, minConnections: pool.minConnections, maxConnections: pool.maxConnections }, pool.ceiling);
    this.all = all;
    this.#matcher = pools.length === 0 ? undefined : new ModelPoolMatcher(pools);
    this.#versioned = versions.length > 0;
  }

  /** Whether every call uses the default group (nothing to decide per call). */
  get single(): boolean {
    return this.all.length === 1;
  }

  groupFor(call: Call): ConnectionPoolGroup {
    const pool = this.#matcher?.poolFor(call.target.model);
    if (pool !== undefined) return this.#byName.get(pool)!;
    if (this.#versioned) return this.#byName.get(call.target.apiVersion) ?? this.default;
    return this.default;
  }

  get(name: string): ConnectionPoolGroup | undefined {
    return this.#byName.get(name);
  }

  async warmup(): Promise<void> {
    await Promise.all(this.all.map(({ group }) => group.warmup()));
  }

  async close(timeoutMs: number): Promise<void> {
    await Promise.all(this.all.map(({ group }) => group.close(timeoutMs)));
  }

  /** stats().pools: per group limits and load. */
  stats(): Record<string, { min: number; max: number; open: number; inFlight: number; queued: number; origins: number }> {
    const out: Record<string, { min: number; max: number; open: number; inFlight: number; queued: number; origins: number }> = {};
    for (const { group, minConnections } of this.all) {
      const entry = { min: minConnections, max: group.maxConnections, open: 0, inFlight: 0, queued: 0, origins: 0 };
      for (const origin of Object.values(group.stats())) {
        entry.open += origin.open;
        entry.inFlight += origin.inFlight;
        entry.queued += origin.queued;
        entry.origins++;
      }
      out[group.name] = entry;
    }
    return out;
  }
}
