// Pipeline step: identical non-streaming calls (same credential, tenant, URL and body bytes)
// that arrive while the first is in flight, or within `windowMs` after it finished successfully,
// share its upstream call. The leader's body is read once; every caller gets its own Response.
// Never shared across API keys / tokens (only a hash of them is kept) or tenants. Context
// `coalesce: false` opts a call out. Streaming calls are never coalesced (see docs/resilience.md).
// The key is the body as sent, not a canonical form of its JSON: the SDKs serialise identical
// requests identically, and parsing + re-serialising every body cost more than it ever shared.
import { credentialFingerprint, type Call } from '../call.js';
import { unrefTimer, type TimerHandle } from '../clock.js';
import type { Next, Step, StepContext } from '../pipeline.js';
import { passThroughStep } from '../pipeline.js';
import { bufferResponse, takeResponse, toResponse, type BufferedResponse } from './buffered-response.js';
import { createEmbedBatchStep } from './embed-batcher.js';
import { endedByOthers, untilOwnEnd } from './own-end.js';
import { policyRuntimeFor } from './policy-runtime.js';

const COALESCABLE_METHODS = new Set(['generateContent', 'countTokens', 'embedContent', 'batchEmbedContents']);

interface Flight {
  leaderCallId: number;
  result: Promise<BufferedResponse>;
  /** When a finished success stops being shared (Infinity while in flight). */
  expiresAt: number;
}

export interface CoalesceStats {
  /** Upstream calls that had (or could have had) followers. */
  leaders: number;
  /** Calls served by another call's upstream response. */
  shared: number;
}

/**
 * The coalesce step, with embedding batching (embed-batcher.ts) just inside it when
 * `options.batching` is on: identical calls share first, different embeddings then batch.
 */
export function createCoalesceStep(context: StepContext): Step {
  const coalesce = createCoalesceOnlyStep(context);
  const batch = createEmbedBatchStep(context);
  if (batch === undefined) return coalesce;
  if (coalesce === passThroughStep) return batch;
  return (call, next) => coalesce(call, (inner) => batch(inner, next));
}

function createCoalesceOnlyStep(context: StepContext): Step {
  const { config, clock, emitter } = policyRuntimeFor(context);
  if (!config.coalesce.enabled) return passThroughStep;
  const { windowMs } = config.coalesce;
  const flights = new Map<string, Flight>();
  const stats: CoalesceStats = { leaders: 0, shared: 0 };
  context.stats.register('coalesce', () => ({ ...stats, inFlight: flights.size }));

  // Finished successes are kept for windowMs; one sweeping timer (not one per call) drops them.
  let sweepTimer: TimerHandle | undefined;
  const sweep = (): void => {
    sweepTimer = undefined;
    const now = clock.now();
    for (const [key, flight] of flights) if (flight.expiresAt <= now) flights.delete(key);
    if (flights.size > 0) armSweep();
  };
  const armSweep = (): void => {
    sweepTimer ??= unrefTimer(clock.setTimeout(sweep, windowMs));
  };

  const lead = async (key: string, call: Call, next: Next): Promise<Response> => {
    // The transport reads the body whole before answering: followers need the bytes anyway.
    call.bufferBody = true;
    const result = next(call).then(bufferResponse);
    const flight: Flight = { leaderCallId: call.callId, result, expiresAt: Infinity };
    flights.set(key, flight);
    stats.leaders++;
    try {
      const buffered = await result;
      // Keep a success for the window so followers arriving just after still share it.
      if (buffered.status < 300 && windowMs > 0) {
        flight.expiresAt = clock.now() + windowMs;
        armSweep();
      } else if (flights.get(key) === flight) flights.delete(key);
      return takeResponse(buffered);
    } catch (error) {
      if (flights.get(key) === flight) flights.delete(key);
      throw error;
    }
  };

  return async (call, next) => {
    const key = coalesceKey(call);
    if (key === undefined) return next(call);
    const flight = flights.get(key);
    if (flight === undefined || flight.expiresAt <= clock.now()) return lead(key, call, next);

    call.coalesced = true;
    stats.shared++;
    if (emitter.has('coalesced')) emitter.emit('coalesced', { callId: call.callId, leaderCallId: flight.leaderCallId, model: call.target.model });
    try {
      return toResponse(await untilOwnEnd(flight.result, call, call.deadline, clock));
    } catch (error) {
      // The leader's caller gave up (abort, its own deadline): send on our own.
      if (endedByOthers(error, call, call.deadline, clock)) {
        call.coalesced = false;
        return next(call);
      }
      throw error;
    }
  };
}

/** The sharing key, or undefined when the call must not be coalesced. */
function coalesceKey(call: Call): string | undefined {
  if (call.method !== 'POST' || call.target.streaming || !COALESCABLE_METHODS.has(call.target.method)) return undefined;
  if (call.context?.coalesce === false || !call.replayable) return undefined;
  const body = call.body;
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return undefined;
  // Bytes become a latin1 string: one char per byte, so equal keys mean equal bytes.
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
  return `${credentialFingerprint(call)}\0${call.context?.tenant ?? ''}\0${call.origin}${call.path}\0${typeof body === 'string' ? 's' : 'b'}${text}`;
}
