// Which lane a call belongs to. One resolver per pool (in the policy runtime), used by the lane
// step and by pool.fetch before `call-start`, so events and spans name the lane the call runs in.
import type { Call } from '../call.js';
import { matchesModel } from '../gemini-url.js';
import type { ResolvedLane } from './validate-policy-options.js';

export type LaneResolver = (call: Pick<Call, 'context' | 'target'>) => ResolvedLane;

/** Picks a call's lane: a lane named in the context, else the first lane whose models match. */
export function createLaneResolver(lanes: readonly ResolvedLane[], defaultLane: string): LaneResolver {
  const byName = new Map(lanes.map((lane) => [lane.name, lane]));
  const fallback = byName.get(defaultLane) ?? lanes[lanes.length - 1]!;
  const byModel = new Map<string, ResolvedLane>();
  return (call) => {
    const named = call.context?.lane;
    if (named !== undefined) return byName.get(named) ?? fallback;
    const model = call.target.model;
    let lane = byModel.get(model);
    if (lane === undefined) {
      lane = lanes.find((candidate) => candidate.models.some((pattern) => matchesModel(model, pattern))) ?? fallback;
      if (byModel.size < 1_000) byModel.set(model, lane);
    }
    return lane;
  };
}
