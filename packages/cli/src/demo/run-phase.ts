// Runs the workload through one phase's SDK client: each burst is fired at once (at most
// `concurrency` calls in flight), the next burst starts after a short think time. Every call ends
// in a record — `ok` or a typed error code — and the phase is sampled every 100 ms for the charts.
import { gempoolErrorCode, toTokenUsage, type TokenUsage } from '@gempool/core';
import type { GoogleGenAI } from '@google/genai';
import type { DemoCall } from './workload.js';

export interface CallRecord {
  index: number;
  model: string;
  lane: string;
  streaming: boolean;
  /** ms since the phase started. */
  startMs: number;
  latencyMs: number;
  /** `ok`, a gempool error code, `HTTP_<status>`, or the network error's code. */
  code: string;
  usage: TokenUsage | undefined;
}

export interface PhaseSample {
  /** ms since the phase started. */
  t: number;
  done: number;
  inFlight: number;
  connectionsOpen: number | undefined;
  /** Per-lane queued / in-flight calls inside gempool (gempool phase only). */
  lanes: Record<string, { queued: number; inFlight: number }> | undefined;
}

export interface PhaseRun {
  durationMs: number;
  records: CallRecord[];
  samples: PhaseSample[];
}

export interface RunPhaseOptions {
  ai: GoogleGenAI;
  bursts: DemoCall[][];
  concurrency: number;
  /** Pause between bursts: the agents thinking. */
  burstGapMs: number;
  /** Extra facts for each sample (connections, lanes). */
  probe(): Pick<PhaseSample, 'connectionsOpen' | 'lanes'>;
  onSample(sample: PhaseSample): void;
  sampleIntervalMs?: number;
}

const GENERATION_CONFIG = { maxOutputTokens: 32 };

export async function runPhase(options: RunPhaseOptions): Promise<PhaseRun> {
  const { ai, bursts, concurrency, burstGapMs, probe, onSample, sampleIntervalMs = 100 } = options;
  const started = performance.now();
  const records: CallRecord[] = [];
  const samples: PhaseSample[] = [];
  const limiter = new ConcurrencyLimiter(concurrency);
  const takeSample = () => {
    const sample: PhaseSample = { t: performance.now() - started, done: records.length, inFlight: limiter.active, ...probe() };
    samples.push(sample);
    onSample(sample);
  };
  const sampler = setInterval(takeSample, sampleIntervalMs);
  takeSample();
  try {
    for (const [position, burst] of bursts.entries()) {
      if (position > 0) await new Promise((resolve) => setTimeout(resolve, burstGapMs));
      await Promise.all(burst.map((call) => limiter.run(() => runCall(ai, call, started).then((record) => void records.push(record)))));
    }
  } finally {
    clearInterval(sampler);
  }
  takeSample();
  return { durationMs: performance.now() - started, records, samples };
}

async function runCall(ai: GoogleGenAI, call: DemoCall, phaseStart: number): Promise<CallRecord> {
  const start = performance.now();
  let usage: TokenUsage | undefined;
  let code = 'ok';
  try {
    if (call.streaming) {
      for await (const chunk of await ai.models.generateContentStream({ model: call.model, contents: call.prompt, config: GENERATION_CONFIG })) {
        if (chunk.usageMetadata !== undefined) usage = toTokenUsage(chunk.usageMetadata);
      }
    } else {
      const response = await ai.models.generateContent({ model: call.model, contents: call.prompt, config: GENERATION_CONFIG });
      usage = response.usageMetadata === undefined ? undefined : toTokenUsage(response.usageMetadata);
    }
  } catch (error) {
    code = errorCode(error);
    usage = undefined;
  }
  return { index: call.index, model: call.model, lane: call.lane, streaming: call.streaming, startMs: start - phaseStart, latencyMs: performance.now() - start, code, usage };
}

/** A stable, low-cardinality name for how a call failed. Never the message (it may echo input). */
export function errorCode(error: unknown): string {
  const gempool = gempoolErrorCode(error);
  if (gempool !== undefined) return gempool;
  const fields = error as { status?: unknown; code?: unknown; cause?: { code?: unknown }; name?: unknown } | undefined;
  if (typeof fields?.status === 'number') return `HTTP_${fields.status}`;
  if (typeof fields?.cause?.code === 'string') return fields.cause.code;
  if (typeof fields?.code === 'string') return fields.code;
  return typeof fields?.name === 'string' ? fields.name : 'UNKNOWN';
}

/** At most `limit` tasks at once; the rest wait their turn in order. */
class ConcurrencyLimiter {
  active = 0;
  readonly #limit: number;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.#waiting.shift()?.();
    }
  }
}
