// The agent-fleet workload: bursts of 100+ calls (each agent step fans out), a seeded mix of models
// (one per lane), ~25 % prompts that repeat an earlier one in the same burst (agents asking the
// same thing, which gempool coalesces) and a few streaming calls. Deterministic for a seed, so
// every phase runs exactly the same calls.
import { seededRandom } from '@gempool/testing';

export interface DemoCall {
  index: number;
  burst: number;
  model: string;
  /** The lane gempool's default lanes put this model in (for per-lane numbers). */
  lane: string;
  prompt: string;
  streaming: boolean;
  /** Index of the earlier call this one repeats word for word. */
  duplicateOf: number | undefined;
}

export interface ModelMixEntry {
  model: string;
  lane: string;
  /** Relative weight in the mix. */
  weight: number;
}

export const FLEET_MIX: readonly ModelMixEntry[] = [
  { model: 'gemini-2.5-pro', lane: 'critical', weight: 0.2 },
  { model: 'gemini-2.5-flash', lane: 'standard', weight: 0.55 },
  { model: 'gemini-2.0-flash-exp', lane: 'bulk', weight: 0.25 },
];

/** The real-API run: one cheap model. */
export const REAL_MIX: readonly ModelMixEntry[] = [{ model: 'gemini-2.5-flash-lite', lane: 'standard', weight: 1 }];

export interface WorkloadOptions {
  calls: number;
  seed: number;
  mix: readonly ModelMixEntry[];
  /** Smallest and largest burst (the last burst takes the remainder). */
  burstMin?: number;
  burstMax?: number;
  duplicateShare?: number;
  streamingShare?: number;
}

const TASKS = ['summarise ticket', 'classify email', 'extract invoice fields from', 'draft a reply to', 'translate note', 'rank search hits for'];

export function buildWorkload(options: WorkloadOptions): DemoCall[][] {
  const { calls, seed, mix, burstMin = 100, burstMax = 200, duplicateShare = 0.25, streamingShare = 0.05 } = options;
  const random = seededRandom(seed);
  const totalWeight = mix.reduce((sum, entry) => sum + entry.weight, 0);
  const pick = (): ModelMixEntry => {
    let roll = random() * totalWeight;
    for (const entry of mix) if ((roll -= entry.weight) < 0) return entry;
    return mix[mix.length - 1]!;
  };

  const bursts: DemoCall[][] = [];
  let index = 0;
  while (index < calls) {
    const size = Math.min(calls - index, burstMin + Math.floor(random() * (burstMax - burstMin + 1)));
    const burst: DemoCall[] = [];
    for (let slot = 0; slot < size; slot++, index++) {
      const earlier = burst.filter((call) => !call.streaming);
      if (earlier.length > 0 && random() < duplicateShare) {
        const original = earlier[Math.floor(random() * earlier.length)]!;
        burst.push({ ...original, index, duplicateOf: original.duplicateOf ?? original.index });
        continue;
      }
      const entry = pick();
      const task = TASKS[Math.floor(random() * TASKS.length)]!;
      burst.push({
        index,
        burst: bursts.length,
        model: entry.model,
        lane: entry.lane,
        prompt: `Agent ${Math.floor(random() * 40)} step ${bursts.length}: ${task} #${Math.floor(random() * 1e6)}. Answer in one line.`,
        // Streams are never duplicates: gempool does not coalesce them.
        streaming: random() < streamingShare,
        duplicateOf: undefined,
      });
    }
    bursts.push(burst);
  }
  return bursts;
}
