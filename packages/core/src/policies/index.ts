// Policy steps plugged into the pipeline (see ../pipeline.ts). Placeholders created by the
// transport so the pipeline is wired end to end; the resilience work replaces each with the
// real policy behind the same factory name and signature.
import { passThroughStep, type Step, type StepContext } from '../pipeline.js';

export function createCoalesceStep(_context: StepContext): Step {
  return passThroughStep;
}

export function createBreakerStep(_context: StepContext): Step {
  return passThroughStep;
}

export function createLaneStep(_context: StepContext): Step {
  return passThroughStep;
}

export function createRetryStep(_context: StepContext): Step {
  return passThroughStep;
}
