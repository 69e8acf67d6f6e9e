// Resilience policies plugged into the pipeline (see ../pipeline.ts), one module each:
// coalesce → breaker → lane → retry. This file only re-exports.
export { createCoalesceStep, type CoalesceStats } from './coalesce-step.js';
export { createBreakerStep } from './breaker-step.js';
export { createLaneStep } from './lane-step.js';
export { createLaneResolver, type LaneResolver } from './lane-resolver.js';
export { createRetryStep, retriesEnabled, type RetryStepHooks } from './retry-step.js';
export { LaneScheduler } from './lane-scheduler.js';
export { LaneLedger, WAIT_WINDOW_MS, type LaneStats, type LaneRejectionCode } from './lane-ledger.js';
export type { BreakerSnapshot } from './endpoint-breaker.js';
export { parseGeminiStatus, parseDurationMs, type GeminiStatus } from './gemini-status.js';
export { classifyStatus, classifyError, type RetryDecision } from './retry-classifier.js';
export { createFullJitterBackoff, type Backoff, type BackoffOptions } from './backoff.js';
export { createRetryBudget, type RetryBudget, type RetryBudgetOptions } from './retry-budget.js';
export { resolvePolicyOptions, type ResolvedPolicyOptions } from './validate-policy-options.js';
