// The pool behind the proxy: a gempool pool for the upstream origin. Options are copied, never
// written to; pool options are validated by createGeminiPool itself (messages name `pool.*`).
import { ConfigError, createGeminiPool, type GeminiPoolOptions } from '@gempool/core';
import type { ProxyPool } from './proxy-pool.js';

export function createProxyPool(origin: string, options: GeminiPoolOptions): ProxyPool {
  const origins = options.origins ?? [origin];
  // Warmup opens connections to the configured origins: they must include the one we forward to.
  if (!origins.some((candidate) => sameOrigin(candidate, origin))) {
    throw new ConfigError('pool.origins', `to include the upstream origin ${origin}`, origins);
  }
  return createGeminiPool({ ...options, origins });
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
