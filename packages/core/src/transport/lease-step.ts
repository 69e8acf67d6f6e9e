// Lease: take one connection slot for the attempt, waiting in the bounded slot queue when all
// are busy. The response body gives the slot back (see pooled-response.ts).
import { GempoolError } from '../errors.js';
import type { TypedEmitter } from '../events.js';
import type { Step } from '../pipeline.js';
import type { Lease } from './lease.js';

export function createLeaseStep(emitter: TypedEmitter): Step {
  return async (call, next) => {
    const route = call.route;
    if (route === undefined) throw new GempoolError('REQUEST_INVALID', 'No route chosen for the call (the route step must run before lease)');
    // Cleared first: an error while waiting here leaves no lease on the call (the lane step reads that).
    call.lease = undefined;
    // The call is the acquire request: lane, priority, deadline and its start (so a deadline error
    // names the caller's whole budget).
    const pending = route.slots.acquire(call);
    const lease: Lease = pending instanceof Promise ? await pending : pending;
    call.lease = lease;
    if (emitter.has('lease-acquired')) {
      emitter.emit('lease-acquired', { callId: call.callId, origin: route.origin, pool: route.name, waitMs: lease.waitMs });
    }
    try {
      return await next(call);
    } catch (error) {
      // The send never took the lease over (it failed before a body existed): give it back.
      lease.release();
      throw error;
    }
  };
}
