// The request path of pool.fetch, outermost first. Each step is a small module; reading this file
// top to bottom is reading what happens to a call:
//
//   coalesce → place → breaker → lane → retry → quota → route → lease → send
//
// (`place` — API-version split and region choice — is there only when options ask for it;
// `quota` — fleet-wide per-model quota, shared-state/ — only when options.quotas names a model.)
//
// A step is `(call, next) => Promise<Response>`: it may change the call, call `next` (zero, one or
// several times: retry calls it per attempt), or answer without calling it (breaker open,
// coalesced follower). HTTP errors come back as Responses; connection failures as GempoolErrors.
import type { Call } from './call.js';
import type { Clock } from './clock.js';
import type { TypedEmitter } from './events.js';
import type { GeminiPoolOptions } from './options.js';
import type { SlotSchedulerFactory } from './resource-pool/slot-scheduler.js';
import type { StatsRegistry } from './transport/stats-registry.js';

export type Next = (call: Call) => Promise<Response>;
export type Step = (call: Call, next: Next) => Promise<Response>;

/** What a step factory gets: the (validated, copied) options and the pool's shared services. */
export interface StepContext {
  readonly options: Readonly<GeminiPoolOptions>;
  readonly emitter: TypedEmitter;
  readonly clock: Clock;
  /** Add a `stats()` section: `stats.register('breakers', () => …)`. */
  readonly stats: StatsRegistry;
  /**
   * Replace the FIFO slot queue (e.g. with a lane-aware, priority scheduler). Only honoured while
   * step factories run, before the connection pools are built.
   */
  useSlotScheduler(factory: SlotSchedulerFactory): void;
}

export interface PipelineSteps {
  /** Identical concurrent calls share one upstream call. */
  coalesce: Step;
  /** API-version split and region placement, so the breaker judges the real endpoint (routing/). */
  place?: Step | undefined;
  /** Fail fast while the model/region endpoint is unhealthy. */
  breaker: Step;
  /** Admission by lane: priority, reserved share, deadline. */
  lane: Step;
  /** Gemini-aware retries; every attempt below gets a fresh route and lease. */
  retry: Step;
  /** Fleet-wide quota per model (options.quotas): every attempt takes it (shared-state/). */
  quota?: Step | undefined;
  /** Choose origin (region, API version pool). */
  route: Step;
  /** Take a connection slot, waiting in the slot queue when all are busy. */
  lease: Step;
  /** Dispatch on the leased connection; the response body releases the lease when done. */
  send: Next;
}

/** Chains the steps once, at construction: no closures are built per call. */
export function composeSteps(steps: readonly Step[], terminal: Next): Next {
  let next = terminal;
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    const inner = next;
    next = (call) => step(call, inner);
  }
  return next;
}

export function buildPipeline(steps: PipelineSteps): Next {
  const place = steps.place === undefined ? [] : [steps.place];
  const quota = steps.quota === undefined ? [] : [steps.quota];
  return composeSteps([steps.coalesce, ...place, steps.breaker, steps.lane, steps.retry, ...quota, steps.route, steps.lease], steps.send);
}

/** A step that does nothing: for policies switched off. */
export const passThroughStep: Step = (call, next) => next(call);
