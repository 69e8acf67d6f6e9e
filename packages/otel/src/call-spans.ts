// Pool events → spans. One CLIENT span per logical call, named `{operation} {model}` with gen_ai.*
// attributes, one child span per attempt, and span events for queue wait, coalescing, breaker
// rejection, retry scheduling and leak force-return. The call span's parent is whatever span is
// active when `call-start` fires: core emits it synchronously inside the caller's pool.fetch, so a
// LangChain agent span (or any span around an SDK call) becomes the parent.
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { CallEndEvent, GempoolEvents } from '@gempool/core';
import type { GenAiContent } from './genai-content.js';
import { hostOf } from './host-of.js';
import { ATTRIBUTES as A } from './metrics.js';

/** Span and span-event attribute keys that are not metric attributes. */
export const SPAN_ATTRIBUTES = Object.freeze({
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cachedTokens: 'gen_ai.usage.cached_input_tokens',
  finishReasons: 'gen_ai.response.finish_reasons',
  httpStatus: 'http.response.status_code',
  attempt: 'gempool.attempt',
  attempts: 'gempool.attempts',
  retryReasons: 'gempool.retry_reasons',
  retryDelay: 'gempool.retry.delay_s',
  coalesced: 'gempool.coalesced',
  leaderCallId: 'gempool.coalesced.leader_call_id',
  tenant: 'gempool.tenant',
  streaming: 'gempool.streaming',
  apiVersion: 'gempool.api_version',
  costUsd: 'gempool.cost_usd',
  fallbackModel: 'gempool.fallback_model',
  queueWait: 'gempool.queue.wait_s',
  leakHeld: 'gempool.leak.held_s',
  leakForceReturned: 'gempool.leak.force_returned',
  leakStack: 'gempool.leak.acquire_stack',
  // Opt-in content (recordContent: true), JSON strings per the GenAI semantic conventions.
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  systemInstructions: 'gen_ai.system_instructions',
} as const);

export const SPAN_EVENTS = Object.freeze({
  queueWait: 'gempool.queue_wait',
  coalesced: 'gempool.coalesced',
  breakerRejected: 'gempool.breaker_rejected',
  retryScheduled: 'gempool.retry_scheduled',
  retryBudgetExhausted: 'gempool.retry_budget_exhausted',
  leak: 'gempool.leak',
} as const);

export const ATTEMPT_SPAN_NAME = 'gempool.attempt';

const S = SPAN_ATTRIBUTES;

interface OpenCall {
  span: Span;
  /** The caller's context with the call span set: the parent of every attempt span. */
  context: Context;
  attempts: Map<number, Span>;
}

type Handlers = { [K in keyof GempoolEvents]?: (event: GempoolEvents[K]) => void };

export interface CallSpans {
  handlers: Handlers;
  /** True when the call has a recording span (sampled in): content is worth building only then. */
  isRecording(callId: number): boolean;
  /** `content` only with recordContent: true. */
  endCall(event: CallEndEvent, costUsd: number | undefined, content?: GenAiContent): void;
  /** Ends spans still open (pool closed under us) so nothing is held forever. */
  endAll(): void;
}

/** A queue wait shorter than this (a call admitted at once) is not worth a span event. */
const QUEUE_WAIT_EVENT_MIN_MS = 1;

export function createCallSpans(tracer: Tracer): CallSpans {
  // Only recording (sampled) call spans are kept: for a sampled-out call, or with no tracer
  // provider at all, every later handler finds nothing and returns at once.
  const open = new Map<number, OpenCall>();
  const spanOf = (callId: number | undefined) => (callId === undefined ? undefined : open.get(callId)?.span);

  const handlers: Handlers = {
    'call-start': (e) => {
      // Built directly (no spreads): this runs once per call on the request path.
      const attributes: Attributes = {
        [A.operationName]: e.operation,
        [A.providerName]: e.provider,
        [A.requestModel]: e.model,
        [A.lane]: e.lane,
        [A.serverAddress]: hostOf(e.origin),
        [S.streaming]: e.streaming,
        [S.apiVersion]: e.apiVersion,
      };
      if (e.tenant !== undefined) attributes[S.tenant] = e.tenant;
      const parent = context.active();
      const span = tracer.startSpan(`${e.operation} ${e.model}`, { kind: SpanKind.CLIENT, attributes }, parent);
      if (!span.isRecording()) return;
      open.set(e.callId, { span, context: trace.setSpan(parent, span), attempts: new Map() });
    },
    'attempt-start': (e) => {
      const call = open.get(e.callId);
      if (call === undefined) return;
      const attributes: Attributes = { [S.attempt]: e.attempt, [A.requestModel]: e.model, [A.serverAddress]: hostOf(e.origin) };
      if (e.region !== undefined) attributes[A.region] = e.region;
      call.attempts.set(e.attempt, tracer.startSpan(ATTEMPT_SPAN_NAME, { kind: SpanKind.CLIENT, attributes }, call.context));
    },
    'attempt-end': (e) => {
      const call = open.get(e.callId);
      const span = call?.attempts.get(e.attempt);
      if (call === undefined || span === undefined) return;
      call.attempts.delete(e.attempt);
      if (e.status !== undefined) span.setAttribute(S.httpStatus, e.status);
      const failed = e.errorCode !== undefined || (e.status !== undefined && e.status >= 400);
      if (failed) {
        span.setAttribute(A.errorType, e.errorCode ?? String(e.status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    },
    'queue-wait': (e) => {
      // Every call reports its lane wait; only a real wait or a failed one is news on the span
      // (the gempool.lane.wait_time histogram still counts every call).
      if (e.result === 'admitted' && e.waitMs < QUEUE_WAIT_EVENT_MIN_MS) return;
      spanOf(e.callId)?.addEvent(SPAN_EVENTS.queueWait, { [A.lane]: e.lane, [S.queueWait]: e.waitMs / 1000, [A.queueResult]: e.result });
    },
    coalesced: (e) => spanOf(e.callId)?.addEvent(SPAN_EVENTS.coalesced, { [S.leaderCallId]: e.leaderCallId }),
    'breaker-rejected': (e) =>
      spanOf(e.callId)?.addEvent(SPAN_EVENTS.breakerRejected, {
        [A.breakerEndpoint]: e.endpoint,
        ...(e.fallbackModel === undefined ? {} : { [S.fallbackModel]: e.fallbackModel }),
      }),
    'retry-scheduled': (e) =>
      spanOf(e.callId)?.addEvent(SPAN_EVENTS.retryScheduled, {
        [S.attempt]: e.attempt,
        [S.retryDelay]: e.delayMs / 1000,
        [A.retryReason]: e.reason,
        ...(e.status === undefined ? {} : { [S.httpStatus]: e.status }),
      }),
    'retry-budget-exhausted': (e) => spanOf(e.callId)?.addEvent(SPAN_EVENTS.retryBudgetExhausted),
    leak: (e) => {
      const attributes = {
        [S.leakHeld]: e.heldMs / 1000,
        [S.leakForceReturned]: e.forceReturned,
        [S.leakStack]: e.stack,
      };
      const span = spanOf(e.callId);
      if (span !== undefined) {
        span.addEvent(SPAN_EVENTS.leak, attributes);
        return;
      }
      // Core reports a leak before it ends the call, so the call span is normally still open and
      // gets the event above. Without one (sampled out, or spans ended by shutdown) the leak goes
      // on a short span of its own so the acquirer stack is still searchable.
      const leakSpan = tracer.startSpan(SPAN_EVENTS.leak, { attributes: { [A.requestModel]: e.model, ...attributes } });
      leakSpan.setStatus({ code: SpanStatusCode.ERROR, message: 'connection lease leaked' });
      leakSpan.end();
    },
  };

  return {
    handlers,
    isRecording: (callId) => open.has(callId),
    endCall(e, costUsd, content) {
      const call = open.get(e.callId);
      if (call === undefined) return;
      open.delete(e.callId);
      for (const attempt of call.attempts.values()) attempt.end();
      const { span } = call;
      // One setAttribute per present value: no intermediate object of spreads per call.
      span.setAttribute(A.responseModel, e.servedModel);
      span.setAttribute(S.attempts, e.attempts);
      span.setAttribute(S.coalesced, e.coalesced);
      if (e.retryReasons.length > 0) span.setAttribute(S.retryReasons, e.retryReasons);
      if (e.status !== undefined) span.setAttribute(S.httpStatus, e.status);
      if (e.region !== undefined) span.setAttribute(A.region, e.region);
      if (e.finishReasons !== undefined) span.setAttribute(S.finishReasons, e.finishReasons);
      if (e.usage !== undefined) {
        span.setAttribute(S.inputTokens, e.usage.inputTokens);
        span.setAttribute(S.outputTokens, e.usage.outputTokens);
        span.setAttribute(S.cachedTokens, e.usage.cachedTokens);
      }
      if (costUsd !== undefined) span.setAttribute(S.costUsd, costUsd);
      if (content?.inputMessages !== undefined) span.setAttribute(S.inputMessages, JSON.stringify(content.inputMessages));
      if (content?.systemInstructions !== undefined) span.setAttribute(S.systemInstructions, JSON.stringify(content.systemInstructions));
      if (content?.outputMessages !== undefined) span.setAttribute(S.outputMessages, JSON.stringify(content.outputMessages));
      if (e.outcome === 'error') {
        span.setAttribute(A.errorType, e.errorType ?? e.errorCode ?? '_OTHER');
        span.setStatus({ code: SpanStatusCode.ERROR, ...(e.errorCode === undefined ? {} : { message: e.errorCode }) });
      }
      span.end();
    },
    endAll() {
      for (const call of open.values()) {
        for (const attempt of call.attempts.values()) attempt.end();
        call.span.end();
      }
      open.clear();
    },
  };
}
