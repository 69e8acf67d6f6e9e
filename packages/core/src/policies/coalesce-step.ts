// Pipeline step: identical non-streaming calls (same credential, tenant, URL and canonical body,
// see coalesce-key.ts) that arrive while the first is in flight, or within `windowMs` after it
// finished successfully, share its upstream call. The leader's body is read once; every caller
// gets its own Response. Never shared across API keys / tokens (only a hash of them is kept) or
// tenants. Context `coalesce: false` opts a call out. Streaming calls are never coalesced (see
// the README's Resilience policies section).
import type { Call } from '../call.js';
import { unrefTimer, type TimerHandle } from '../clock.js';
import type { Next, Step, StepContext } from '../pipeline.js';
import { passThroughStep } from '../pipeline.js';
import { canonicalBody, coalesceKey, type CoalesceKey } from './coalesce-key.js';
import { bufferResponse, takeResponse, toResponse, type BufferedResponse } from './buffered-response.js';
import { createEmbedBatchStep } from './embed-batcher.js';
import { endedByOthers, untilOwnEnd } from './own-end.js';
import { policyRuntimeFor } from './policy-runtime.js';

interface Flight {
  key: CoalesceKey;
  leaderCallId: number;
  result: Promise<BufferedResponse>;
  /** When a finished success stops being shared (Infinity while in flight). */
  expiresAt: number;
}

interface ShapeGroup {
  /** Flights of this shape whose canonical body has not been computed yet. */
  unindexed: Set<Flight>;
  byCanonical: Map<string, Flight>;
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
  // Flights by shape (credential, tenant, URL, body length): the only ones a body of another byte
  // order can be canonically equal to. Within a shape, flights are indexed by canonical body, each
  // canonicalised at most once and only when a call of the same shape misses on its bytes.
  const shapes = new Map<string, ShapeGroup>();
  const add = (flight: Flight): void => {
    flights.set(flight.key.raw, flight);
    let group = shapes.get(flight.key.shape);
    if (group === undefined) shapes.set(flight.key.shape, (group = { unindexed: new Set(), byCanonical: new Map() }));
    group.unindexed.add(flight);
  };
  const remove = (flight: Flight): void => {
    if (flights.get(flight.key.raw) === flight) flights.delete(flight.key.raw);
    const group = shapes.get(flight.key.shape);
    if (group === undefined) return;
    group.unindexed.delete(flight);
    const canonical = flight.key.canonical;
    if (typeof canonical === 'string' && group.byCanonical.get(canonical) === flight) group.byCanonical.delete(canonical);
    if (group.unindexed.size === 0 && group.byCanonical.size === 0) shapes.delete(flight.key.shape);
  };
  /** A live flight this call may share: the same bytes, else (rarely looked for) the same canonical JSON. */
  const find = (key: CoalesceKey, now: number): Flight | undefined => {
    const exact = flights.get(key.raw);
    if (exact !== undefined && exact.expiresAt > now) return exact;
    const group = shapes.get(key.shape);
    if (group === undefined) return undefined;
    key.canonical ??= canonicalBody(key.body);
    if (key.canonical === null) return undefined;
    for (const flight of group.unindexed) {
      flight.key.canonical ??= canonicalBody(flight.key.body);
      if (flight.key.canonical !== null) group.byCanonical.set(flight.key.canonical, flight);
    }
    group.unindexed.clear();
    const match = group.byCanonical.get(key.canonical);
    return match !== undefined && match.expiresAt > now ? match : undefined;
  };
  const stats: CoalesceStats = { leaders: 0, shared: 0 };
  context.stats.register('coalesce', () => ({ ...stats, inFlight: flights.size }));

  // Finished successes are kept for windowMs; one sweeping timer (not one per call) drops them.
  let sweepTimer: TimerHandle | undefined;
  const sweep = (): void => {
    sweepTimer = undefined;
    const now = clock.now();
    for (const flight of flights.values()) if (flight.expiresAt <= now) remove(flight);
    if (flights.size > 0) armSweep();
  };
  const armSweep = (): void => {
    sweepTimer ??= unrefTimer(clock.setTimeout(sweep, windowMs));
  };

  const lead = async (key: CoalesceKey, call: Call, next: Next): Promise<Response> => {
    // The transport reads the body whole before answering: followers need the bytes anyway.
    call.bufferBody = true;
    const result = next(call).then(bufferResponse);
    const flight: Flight = { key, leaderCallId: call.callId, result, expiresAt: Infinity };
    const replaced = flights.get(key.raw);
    if (replaced !== undefined) remove(replaced);
    add(flight);
    stats.leaders++;
    try {
      const buffered = await result;
      // Keep a success for the window so followers arriving just after still share it.
      if (buffered.status < 300 && windowMs > 0) {
        flight.expiresAt = clock.now() + windowMs;
        armSweep();
      } else remove(flight);
      return takeResponse(buffered);
    } catch (error) {
      remove(flight);
      throw error;
    }
  };

  return async (call, next) => {
    const key = coalesceKey(call);
    if (key === undefined) return next(call);
    const flight = find(key, clock.now());
    if (flight === undefined) return lead(key, call, next);

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
