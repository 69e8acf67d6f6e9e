// Pipeline step: puts the call in its lane (from the context, else by model pattern, else the
// default lane) with its priority (context priority overrides the lane's), so the slot scheduler
// (lane-scheduler.ts) can order it; reports the queue wait as a `queue-wait` event.
import { isGempoolError } from '../errors.js';
import type { QueueWaitEvent } from '../events.js';
import type { Step, StepContext } from '../pipeline.js';
import { LaneScheduler } from './lane-scheduler.js';
import { policyRuntimeFor } from './policy-runtime.js';

const FAILED_WAITS = new Set(['QUEUE_FULL', 'QUEUE_TIMEOUT', 'ABORTED', 'DEADLINE_EXCEEDED']);

export { createLaneResolver } from './lane-resolver.js';

export function createLaneStep(context: StepContext): Step {
  const { config, occupancy, emitter, ledger, laneOf } = policyRuntimeFor(context);
  // Every slot queue (origin × pool group) orders its waiters by lane; the bounds (the pool's
  // maxQueue over all of them, each lane's own) are pool-wide, in the ledger.
  context.useSlotScheduler(() => new LaneScheduler(config.lanes, config.defaultLane, occupancy, ledger));

  return async (call, next) => {
    const lane = laneOf(call);
    call.lane = lane.name;
    call.priority = call.context?.priority ?? lane.priority;
    occupancy.callStarted(call.callId, lane.name);
    let withBody = false;
    try {
      const response = await next(call);
      withBody = response.body !== null;
      if (emitter.has('queue-wait')) emitter.emit('queue-wait', { callId: call.callId, lane: lane.name, waitMs: call.lease?.waitMs ?? 0, result: 'admitted' });
      return response;
    } catch (error) {
      // A failed wait only when the call failed without a slot (not an attempt that timed out or was aborted in flight).
      if (emitter.has('queue-wait') && call.lease === undefined && isGempoolError(error) && FAILED_WAITS.has(error.code)) {
        const waitMs = typeof error.details?.waitedMs === 'number' ? error.details.waitedMs : 0;
        emitter.emit('queue-wait', { callId: call.callId, lane: lane.name, waitMs, result: error.code as QueueWaitEvent['result'] });
      }
      throw error;
    } finally {
      occupancy.callEnded(call.callId, withBody);
    }
  };
}
