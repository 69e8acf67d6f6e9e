// Plugs shared state into one pool: validates options.quotas / options.sharedState, turns usage
// tracking on when there are quotas (the limiter corrects its token estimates from usageMetadata),
// shares the pool's breakers with the fleet, adds `stats().sharedState`, and gives the pipeline its
// quota step (between retry and route). Without quotas the step is absent: nothing on the hot path.
import type { Step, StepContext } from '../pipeline.js';
import { policyRuntimeFor } from '../policies/policy-runtime.js';
import { createQuotaStep } from './quota-step.js';
import { createSharedState } from './shared-state.js';

export interface PoolSharedState {
  /** Undefined when options.quotas names no model. */
  readonly quotaStep: Step | undefined;
  close(): Promise<void>;
}

export function createPoolSharedState(context: StepContext, enableUsageTracking: () => void): PoolSharedState {
  const sharedState = createSharedState(context.options, { clock: context.clock, emitter: context.emitter });
  if (sharedState.limiter !== undefined) enableUsageTracking();
  const { config, breakers } = policyRuntimeFor(context);
  if (config.breaker.enabled) sharedState.attachBreakers(breakers, { probeLeaseMs: config.breaker.halfOpenAfterMs });
  context.stats.register('sharedState', () => sharedState.stats());
  return {
    quotaStep: sharedState.limiter === undefined ? undefined : createQuotaStep(sharedState.limiter, context.emitter),
    close: () => sharedState.close(),
  };
}
