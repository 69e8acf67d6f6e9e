// mulberry32 (public domain): a small, fast PRNG whose whole sequence is fixed by its seed, so the
// fake server's latency jitter, the demo workload and the benchmarks repeat exactly run after run.
// Not for anything that must be unpredictable.
import { ConfigError } from '@gempool/core';

/** Numbers in [0, 1), the same sequence for the same integer `seed` (taken modulo 2^32). */
export function seededRandom(seed: number): () => number {
  if (!Number.isSafeInteger(seed)) throw new ConfigError('seed', 'an integer', seed);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
