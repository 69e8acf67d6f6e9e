// The two events a tracked body (pooled or already in memory) reports about a caller that stopped
// reading: `leak` when the sweep force-returns it, `returned-late` when the caller comes back.
// Plain functions over primitives so a body pays nothing for them until it leaks.
import type { Call } from '../call.js';
import { stackText } from '../resource-pool/leak-tracker.js';
import type { TransportContext } from './transport-context.js';

/** Reported before the body is ended (which ends the call): telemetry puts it on the call's still-open span. */
export function emitLeak(ctx: TransportContext, leaseId: number, call: Call, origin: string, heldMs: number): void {
  if (!ctx.emitter.has('leak')) return;
  ctx.emitter.emit('leak', {
    leaseId,
    callId: call.callId,
    origin,
    model: call.target.model,
    method: call.target.method,
    heldMs,
    stack: stackText(call.stack),
    forceReturned: true,
  });
}

/** A read or cancel on a body that was force-returned: reported once per body by its caller. */
export function emitReturnedLate(ctx: TransportContext, leaseId: number, origin: string, model: string, heldMs: number): void {
  if (!ctx.emitter.has('returned-late')) return;
  ctx.emitter.emit('returned-late', { leaseId, origin, model, heldMs });
}
