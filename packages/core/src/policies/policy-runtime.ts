// State the policy steps of one pool share: resolved options, the breakers, the retry budget, and
// per-call notes passed from the breaker step to the retry step (which reports every attempt to
// the breaker, so backoff waits never count as endpoint latency). Built once per pool.
import type { Call } from '../call.js';
import type { Clock } from '../clock.js';
import type { TypedEmitter } from '../events.js';
import type { StepContext } from '../pipeline.js';
import { BreakerRegistry } from './breaker-registry.js';
import type { BreakerPermit, EndpointBreaker } from './endpoint-breaker.js';
import { LaneLedger } from './lane-ledger.js';
import { LeaseLaneOccupancy } from './lane-occupancy.js';
import { createLaneResolver, type LaneResolver } from './lane-resolver.js';
import { createRetryBudget, type RetryBudget } from './retry-budget.js';
import { resolvePolicyOptions, type ResolvedPolicyOptions } from './validate-policy-options.js';

/** The breaker admission a call holds; the retry step spends it on the first attempt. */
export interface BreakerTicket {
  breaker: EndpointBreaker;
  permit: BreakerPermit;
  /** Set once the first attempt reported its outcome. */
  spent: boolean;
}

export interface PolicyRuntime {
  readonly config: ResolvedPolicyOptions;
  readonly clock: Clock;
  readonly emitter: TypedEmitter;
  readonly breakers: BreakerRegistry;
  readonly budget: RetryBudget;
  readonly tickets: WeakMap<Call, BreakerTicket>;
  readonly occupancy: LeaseLaneOccupancy;
  /** Pool-wide lane queue counts and bounds, shared by the lane scheduler of every slot queue. */
  readonly ledger: LaneLedger;
  /** The lane of a call (context lane, else by model): the lane step and call-start both use it. */
  readonly laneOf: LaneResolver;
}

// Keyed by the pool's stats registry: one object per pool, shared by every step factory call.
const runtimes = new WeakMap<object, PolicyRuntime>();

export function policyRuntimeFor(context: StepContext): PolicyRuntime {
  let runtime = runtimes.get(context.stats);
  if (runtime === undefined) {
    const config = resolvePolicyOptions(context.options);
    const occupancy = new LeaseLaneOccupancy();
    runtime = {
      config,
      clock: context.clock,
      emitter: context.emitter,
      breakers: new BreakerRegistry(config.breaker, config.tiers, context.clock, context.emitter),
      budget: createRetryBudget(context.clock, {
        ratio: config.retry.budgetRatio,
        minPerSecond: config.retry.budgetMinPerSecond,
        windowMs: config.retry.budgetWindowMs,
      }),
      tickets: new WeakMap(),
      occupancy,
      ledger: new LaneLedger(config.lanes, config.maxQueue, context.clock, occupancy),
      laneOf: createLaneResolver(config.lanes, config.defaultLane),
    };
    runtimes.set(context.stats, runtime);
    const { breakers, ledger } = runtime;
    context.stats.register('breakers', () => breakers.snapshot());
    context.stats.register('lanes', () => ledger.stats());
    // Slots are counted per lane until the response body ends (the lease step emits these).
    context.emitter.on('lease-acquired', (event) => {
      const admitted = occupancy.leaseAcquired(event.callId);
      if (admitted !== undefined) ledger.admit(admitted.lane, event.waitMs, admitted.first);
    });
    context.emitter.on('lease-released', (event) => occupancy.leaseReleased(event.callId));
  }
  return runtime;
}
