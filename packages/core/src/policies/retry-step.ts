// Pipeline step: Gemini-aware retries. Each attempt re-sends the call through route → lease → send
// (bodies are replayable bytes; stream bodies are not, and are never retried). Only failures
// seen before a Response is handed to the caller are retried, so a stream is retried only before
// its first byte reaches the caller. Every attempt is reported to the endpoint's breaker.
//
// What the caller sees: a non-retryable status (400, 401, 403, 404…) is the upstream Response,
// untouched (fetch semantics; the SDK raises its own ApiError with `status`). When retries were
// made and all failed, a RetryExhaustedError (`RETRY_EXHAUSTED`, or `RETRY_BUDGET_EXHAUSTED`)
// with `status` of the last response, `details.attempts` and `details.errors` is thrown — the
// SDK passes fetch errors through, so `error.status` stays visible. With retries off (one
// attempt), the upstream Response or error comes back as it is.
import { remainingMs, type Call } from '../call.js';
import { QuotaExhaustedError, RetryExhaustedError, isGempoolError, type AttemptFailure } from '../errors.js';
import type { Step, StepContext } from '../pipeline.js';
import { abortableSleep } from './abortable-sleep.js';
import { bytesResponse } from './buffered-response.js';
import { createFullJitterBackoff, type Backoff } from './backoff.js';
import { parseGeminiStatus } from './gemini-status.js';
import { policyRuntimeFor, type BreakerTicket } from './policy-runtime.js';
import { classifyError, classifyStatus, type RetryDecision } from './retry-classifier.js';
import type { BreakerPermit } from './endpoint-breaker.js';

/** Extension points; region failover plugs in here. */
export interface RetryStepHooks {
  /**
   * Called when a per-day quota is exhausted. Point `call` at another region and return true to
   * try there at once (one attempt, no backoff); return false to fail fast with QUOTA_EXHAUSTED.
   */
  failover?(call: Call, reason: 'quota-exhausted'): boolean;
  /**
   * Asked before a retry takes from the retry budget, after the failed attempt's outcome has been
   * routed: true when the call now points at another, healthy region than `fromRegion` (the one the
   * attempt went to). Such a retry moves load off an outage instead of amplifying it, so it is not
   * charged to the budget; it still counts as an attempt and obeys maxAttempts and the deadline.
   */
  movedToHealthyRegion?(call: Call, fromRegion: string | undefined): boolean;
  /** Random source for jitter, [0, 1). */
  random?: () => number;
}

/**
 * Whether the pool's retry policy may make more than one attempt for some call (`pool.retryEnabled`):
 * integrations turn SDK / model retries off only then, so attempts never multiply.
 */
export function retriesEnabled(context: StepContext): boolean {
  const { retry, tiers } = policyRuntimeFor(context).config;
  return retry.enabled && (retry.maxAttempts > 1 || tiers.some((tier) => tier.maxAttempts > 1));
}

/** Statuses worth reading the body of: the only ones that can be retried. */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

type Outcome =
  | { kind: 'response'; status: number; statusText: string; headers: Headers; bytes: Uint8Array<ArrayBuffer>; retryDelayMs: number | undefined }
  | { kind: 'error'; error: unknown };

export function createRetryStep(context: StepContext, hooks: RetryStepHooks = {}): Step {
  const { config, clock, emitter, budget, breakers, tickets } = policyRuntimeFor(context);
  const retry = config.retry;
  const slow: Backoff = createFullJitterBackoff({ baseDelayMs: retry.baseDelayMs, maxDelayMs: retry.maxDelayMs, random: hooks.random });
  const quick: Backoff = createFullJitterBackoff({ baseDelayMs: retry.quickBaseDelayMs, maxDelayMs: retry.quickMaxDelayMs, random: hooks.random });

  return async (call, next) => {
    const model = call.target.model;
    const maxAttempts = retry.enabled ? (breakers.tierFor(model)?.maxAttempts ?? retry.maxAttempts) : 1;
    const ticket = tickets.get(call);
    const failures: AttemptFailure[] = [];
    budget.recordCall();

    for (let attempt = 1; ; attempt++) {
      call.attempt = attempt;
      // A retry may go to another region (routing/ moves the call on failure): that endpoint's breaker judges it.
      if (ticket !== undefined && attempt > 1) ticket.breaker = breakers.get({ model: call.target.model, region: call.region ?? call.target.location, apiVersion: call.target.apiVersion });
      const permit = ticket === undefined ? undefined : attempt === 1 ? ticket.permit : ticket.breaker.admit();
      if (ticket !== undefined && permit === undefined) throw exhausted('breaker-open');

      const attemptRegion = call.region;
      const started = clock.now();
      let outcome: Outcome;
      try {
        const response = await next(call);
        if (!RETRYABLE_STATUSES.has(response.status)) {
          report(ticket, permit, clock.now() - started, false);
          return response;
        }
        // Reading the (small) error body releases the connection slot and tells us how to retry.
        const bytes = new Uint8Array(await response.arrayBuffer());
        outcome = { kind: 'response', status: response.status, statusText: response.statusText, headers: response.headers, bytes, retryDelayMs: undefined };
      } catch (error) {
        outcome = { kind: 'error', error };
      }
      const durationMs = clock.now() - started;

      let decision: RetryDecision;
      if (outcome.kind === 'response') {
        const body = parseGeminiStatus(outcome.bytes);
        outcome.retryDelayMs = body.retryDelayMs;
        decision = classifyStatus(outcome.status, body, retry.honorRetryInfo);
        failures.push({ attempt, status: outcome.status, code: body.status, message: `HTTP ${outcome.status}${body.status === undefined ? '' : ` ${body.status}`}` });
        report(ticket, permit, durationMs, true);
      } else {
        decision = classifyError(outcome.error);
        // Aborts, deadlines and local errors say nothing about the endpoint's health.
        if (decision.action === 'stop') {
          if (permit === 'probe') ticket!.breaker.releaseProbe();
          if (ticket !== undefined) ticket.spent = true;
          throw outcome.error;
        }
        failures.push({ attempt, status: isGempoolError(outcome.error) ? outcome.error.status : undefined, code: errorCode(outcome.error), message: outcome.error instanceof Error ? outcome.error.message : String(outcome.error) });
        report(ticket, permit, durationMs, true);
      }

      if (decision.action === 'quota-exhausted') {
        if (hooks.failover?.(call, 'quota-exhausted') === true && attempt < maxAttempts) continue;
        throw new QuotaExhaustedError(model, decision.quotaIds, outcome.kind === 'response' ? outcome.retryDelayMs : undefined);
      }
      if (decision.action === 'stop') return passThrough(outcome);

      // Retries off, or a stream body that cannot be sent twice: the caller gets what came back.
      if (attempt === 1 && (maxAttempts === 1 || !call.replayable)) return passThrough(outcome);
      if (attempt >= maxAttempts || !call.replayable) throw exhausted('max-attempts', outcome);
      const delayMs = decision.serverDelayMs ?? (decision.pace === 'quick' ? quick : slow).delayMs(attempt - 1);
      if (decision.serverDelayMs !== undefined && decision.serverDelayMs > retry.maxRetryInfoDelayMs) throw exhausted('retry-delay', outcome, delayMs);
      if (remainingMs(call, clock.now()) <= delayMs) throw exhausted('deadline', outcome, delayMs);
      if (hooks.movedToHealthyRegion?.(call, attemptRegion) !== true && !budget.tryAcquire()) {
        if (emitter.has('retry-budget-exhausted')) emitter.emit('retry-budget-exhausted', { callId: call.callId, model });
        throw exhausted('budget', outcome);
      }
      call.retryReasons.push(decision.reason);
      if (emitter.has('retry-scheduled')) {
        emitter.emit('retry-scheduled', {
          callId: call.callId,
          model,
          attempt,
          delayMs,
          reason: decision.reason,
          status: outcome.kind === 'response' ? outcome.status : undefined,
        });
      }
      await abortableSleep(clock, delayMs, call.signal);
    }

    function exhausted(stoppedBy: string, last?: Outcome, retryAfterMs?: number): RetryExhaustedError {
      return new RetryExhaustedError(model, failures, stoppedBy, {
        status: last?.kind === 'response' ? last.status : undefined,
        retryAfterMs: retryAfterMs ?? (last?.kind === 'response' ? last.retryDelayMs : undefined),
        cause: last?.kind === 'error' ? last.error : undefined,
      });
    }
  };

  function report(ticket: BreakerTicket | undefined, permit: BreakerPermit | undefined, durationMs: number, failed: boolean): void {
    if (ticket === undefined || permit === undefined) return;
    ticket.spent = true;
    ticket.breaker.record(permit, durationMs, failed);
  }
}

/** Gives the caller what upstream said: the response rebuilt from its bytes, or the error. */
function passThrough(outcome: Outcome): Response {
  if (outcome.kind === 'error') throw outcome.error;
  return bytesResponse(outcome.bytes, { status: outcome.status, statusText: outcome.statusText, headers: outcome.headers });
}

function errorCode(error: unknown): string | undefined {
  if (isGempoolError(error)) return error.code;
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | null)?.code ?? (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}
