// What the proxy needs from a gempool pool. Declared structurally so the proxy depends on the
// pool's public surface only (fetch, warmup, stats, close, and the events @gempool/otel reads).
import type { InstrumentablePool, PoolStatsLike } from '@gempool/otel';

export interface ProxyPool extends InstrumentablePool {
  fetch(input: string, init: RequestInit): Promise<Response>;
  /** Opens and checks the minimum connections; resolves once the pool is warm. */
  warmup(): Promise<unknown>;
  stats(): PoolStatsLike;
  /** Stops accepting calls and closes connections, waiting up to `timeoutMs` for leases. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}
