export { createSharedState, type SharedState, type SharedStateStats, type SharedStateDeps } from './shared-state.js';
export type { QuotaLimiter, QuotaTicket, AcquireOptions } from './quota-limiter.js';
export type { SharedBreakerTarget } from './shared-breaker-sync.js';
export { estimateTokens } from './estimate-tokens.js';
