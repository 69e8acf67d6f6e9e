// Server-side latency: a fixed part plus a uniformly random spread, per model pattern.
// The random part comes from a seeded generator so a benchmark run can be repeated exactly.
import { ConfigError, matchesModel } from '@gempool/core';
import { seededRandom } from '../seeded-random.js';

export interface LatencySpec {
  fixedMs: number;
  spreadMs?: number;
}

/** One spec for every model, or specs keyed by model glob (`gemini-2.5-*`, `*`); first match wins. */
export type LatencyOption = LatencySpec | Record<string, LatencySpec>;

export class LatencyModel {
  readonly #rules: { pattern: string; spec: LatencySpec }[];
  readonly #random: () => number;

  constructor(option: LatencyOption | undefined, seed: number) {
    this.#random = seededRandom(seed);
    this.#rules = [];
    if (option === undefined) return;
    if (typeof option !== 'object' || option === null) throw new ConfigError('latency', 'an object', option);
    if (isSpec(option)) {
      this.#rules.push({ pattern: '*', spec: validateSpec(option, 'latency') });
      return;
    }
    for (const [pattern, spec] of Object.entries(option)) this.#rules.push({ pattern, spec: validateSpec(spec, `latency.${pattern}`) });
  }

  /** Milliseconds to wait before answering a request for `model`. */
  delayFor(model: string): number {
    const rule = this.#rules.find((candidate) => matchesModel(model, candidate.pattern));
    if (rule === undefined) return 0;
    return rule.spec.fixedMs + (rule.spec.spreadMs ?? 0) * this.#random();
  }
}

function isSpec(option: LatencyOption): option is LatencySpec {
  return typeof (option as LatencySpec).fixedMs === 'number';
}

function validateSpec(spec: unknown, field: string): LatencySpec {
  if (typeof spec !== 'object' || spec === null) throw new ConfigError(field, 'an object `{ fixedMs, spreadMs? }`', spec);
  const { fixedMs, spreadMs } = spec as LatencySpec;
  if (typeof fixedMs !== 'number' || !Number.isFinite(fixedMs) || fixedMs < 0) throw new ConfigError(`${field}.fixedMs`, 'a finite number from 0 and up', fixedMs);
  if (spreadMs !== undefined && (typeof spreadMs !== 'number' || !Number.isFinite(spreadMs) || spreadMs < 0)) {
    throw new ConfigError(`${field}.spreadMs`, 'a finite number from 0 and up', spreadMs);
  }
  return { fixedMs, spreadMs: spreadMs ?? 0 };
}
