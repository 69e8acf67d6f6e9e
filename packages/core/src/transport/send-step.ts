// Send: dispatch the attempt on its leased connection. Resolves with a Response as soon as the
// headers arrive; the body streams through PooledResponse, which releases the lease at its end.
// Never goes through undici's fetch (about 3x slower than dispatching ourselves).
import type { Dispatcher } from 'undici';
import { remainingMs } from '../call.js';
import { DeadlineExceededError, GempoolError } from '../errors.js';
import type { Next } from '../pipeline.js';
import { PooledResponse, type TransportContext } from './pooled-response.js';

export interface SendSettings {
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

export function createSendStep(ctx: TransportContext, settings: SendSettings): Next {
  const { emitter, clock } = ctx;
  return (call) => {
    const lease = call.lease;
    if (lease === undefined) return Promise.reject(new GempoolError('REQUEST_INVALID', 'No lease for the call (the lease step must run before send)'));
    // Never start an attempt past the deadline (the lease step gives the slot back).
    if (remainingMs(call, clock.now()) <= 0) return Promise.reject(new DeadlineExceededError(call.deadline! - call.startTime));
    if (emitter.has('attempt-start')) {
      emitter.emit('attempt-start', { callId: call.callId, attempt: call.attempt, origin: call.origin, region: call.region, model: call.servedModel, time: clock.now() });
    }
    const handler = new PooledResponse(call, lease, ctx);
    const options: Dispatcher.DispatchOptions = {
      path: call.path,
      method: call.method,
      headers: call.headers,
      body: call.body as Dispatcher.DispatchOptions['body'],
      headersTimeout: settings.headersTimeoutMs,
      bodyTimeout: settings.bodyTimeoutMs,
    };
    lease.resource.client.dispatch(options, handler);
    return handler.promise;
  };
}
