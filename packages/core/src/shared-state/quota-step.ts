// Pipeline step (between retry and route, so every attempt is counted): takes the call's model
// quota before it is sent, waiting in priority order up to the call's deadline. After the
// attempt: a 429 with RetryInfo pauses the model fleet-wide; a failed attempt gives its tokens
// back (the request still counts); a successful call is corrected from usageMetadata when its
// body ends (the `call-end` event carries the parsed usage).
import type { Call } from '../call.js';
import type { TypedEmitter } from '../events.js';
import type { Step } from '../pipeline.js';
import { passThroughStep } from '../pipeline.js';
import { parseGeminiStatus } from '../policies/gemini-status.js';
import { estimateTokens } from './estimate-tokens.js';
import type { QuotaLimiter, QuotaTicket } from './quota-limiter.js';

export function createQuotaStep(limiter: QuotaLimiter | undefined, emitter: TypedEmitter): Step {
  if (limiter === undefined) return passThroughStep;
  // The ticket of each call's latest attempt, settled when the call ends.
  const open = new Map<number, QuotaTicket>();
  emitter.on('call-end', (event) => {
    const ticket = open.get(event.callId);
    if (ticket === undefined) return;
    open.delete(event.callId);
    ticket.settle(event.outcome === 'success' ? event.usage?.totalTokens : 0);
  });

  return async (call, next) => {
    const model = call.target.model;
    if (!limiter.covers(model)) return next(call);
    open.get(call.callId)?.settle(0);
    const ticket = await limiter.acquire(model, estimateTokens(bodyText(call)), {
      priority: call.priority,
      deadline: call.deadline,
      signal: call.signal,
    });
    open.set(call.callId, ticket);
    let response: Response;
    try {
      response = await next(call);
    } catch (error) {
      // Not sent or cut off: the request counts, the tokens most likely did not.
      open.delete(call.callId);
      ticket.settle(0);
      throw error;
    }
    if (response.status === 429) {
      // Only 429s are cloned and read; the retry step reads the original body.
      const retryDelayMs = parseGeminiStatus(new Uint8Array(await response.clone().arrayBuffer())).retryDelayMs;
      if (retryDelayMs !== undefined) limiter.pause(model, retryDelayMs);
    }
    if (response.status >= 400) {
      open.delete(call.callId);
      ticket.settle(0);
    }
    return response;
  };
}

/** Stream bodies cannot be looked at without consuming them: they count as empty. */
function bodyText(call: Call): string | Uint8Array | undefined {
  return typeof call.body === 'string' || call.body instanceof Uint8Array ? call.body : undefined;
}
