// A named group of origin pools ("default", or a per-model / per-API-version pool added later).
// Each origin gets its own connections and slot queue; the group's maximum can change at runtime
// (autoscaling), and its name appears in events as `pool`.
import type { OriginPool, OriginPoolSettings, OriginStats } from './origin-pool.js';
import { OriginPool as OriginPoolClass } from './origin-pool.js';

export type GroupSettings = Omit<OriginPoolSettings, 'origin' | 'pool'>;

export class ConnectionPoolGroup {
  readonly name: string;
  readonly #settings: GroupSettings;
  readonly #origins = new Map<string, OriginPool>();

  constructor(name: string, settings: GroupSettings, origins: readonly string[]) {
    this.name = name;
    this.#settings = { ...settings };
    for (const origin of origins) this.origin(origin);
  }

  /** The pool for `origin`, created on first use for origins not configured up front. */
  origin(origin: string): OriginPool {
    let pool = this.#origins.get(origin);
    if (pool === undefined) {
      pool = new OriginPoolClass({ ...this.#settings, origin, pool: this.name });
      this.#origins.set(origin, pool);
    }
    return pool;
  }

  get origins(): IterableIterator<OriginPool> {
    return this.#origins.values();
  }

  get maxConnections(): number {
    return this.#settings.maxConnections;
  }

  /** New maximum per origin; connections above it retire gracefully. */
  setMaxConnections(max: number): void {
    this.#settings.maxConnections = max;
    for (const pool of this.#origins.values()) pool.slots.setMax(max);
  }

  async warmup(): Promise<void> {
    await Promise.all([...this.#origins.values()].map((pool) => pool.slots.warmup()));
  }

  async close(timeoutMs: number): Promise<void> {
    await Promise.all([...this.#origins.values()].map((pool) => pool.slots.close(timeoutMs)));
  }

  stats(): Record<string, OriginStats> {
    const out: Record<string, OriginStats> = {};
    for (const [origin, pool] of this.#origins) out[origin] = pool.stats();
    return out;
  }
}
