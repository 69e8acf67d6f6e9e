// Pipeline step: fail fast while the call's endpoint breaker is open, or serve the call with the
// tier's fallback model (`tiers.ultra.fallbackModel` → a Pro model) when one is configured.
// The verdicts come from the retry step, which reports each attempt (see policy-runtime.ts).
import type { Call } from '../call.js';
import { BreakerOpenError } from '../errors.js';
import { parseGeminiPath } from '../gemini-url.js';
import type { Step, StepContext } from '../pipeline.js';
import { passThroughStep } from '../pipeline.js';
import type { EndpointBreaker } from './endpoint-breaker.js';
import { policyRuntimeFor } from './policy-runtime.js';

export function createBreakerStep(context: StepContext): Step {
  const runtime = policyRuntimeFor(context);
  if (!runtime.config.breaker.enabled) return passThroughStep;
  const { breakers, emitter, tickets } = runtime;
  const breakerOf = (call: Call): EndpointBreaker =>
    breakers.get({ model: call.target.model, region: call.region ?? call.target.location, apiVersion: call.target.apiVersion });

  return async (call, next) => {
    let breaker = breakerOf(call);
    let permit = breaker.admit();
    if (permit === undefined) {
      const requested = call.target.model;
      const fallbackModel = breakers.tierFor(requested)?.fallbackModel;
      if (emitter.has('breaker-rejected')) {
        emitter.emit('breaker-rejected', { callId: call.callId, endpoint: breaker.endpoint, model: requested, fallbackModel });
      }
      if (fallbackModel === undefined || fallbackModel === requested) throw new BreakerOpenError(breaker.endpoint, requested);
      switchModel(call, fallbackModel);
      breaker = breakerOf(call);
      permit = breaker.admit();
      if (permit === undefined) throw new BreakerOpenError(breaker.endpoint, fallbackModel);
    }
    const ticket = { breaker, permit, spent: false };
    tickets.set(call, ticket);
    try {
      return await next(call);
    } finally {
      // Rejected in the lane queue or aborted before sending: give a probe slot back unjudged.
      if (!ticket.spent && ticket.permit === 'probe') breaker.releaseProbe();
    }
  };
}

/** Points the call at another model of the same API (only the path names the model). */
function switchModel(call: Call, model: string): void {
  call.path = call.path.replace(/\/models\/[^/:]+:/, `/models/${encodeURIComponent(model)}:`);
  call.target = parseGeminiPath(call.path);
  call.servedModel = model;
}
