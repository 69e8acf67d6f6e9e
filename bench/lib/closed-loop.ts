// Closed-loop load: `concurrency` workers each issue the next call as soon as the previous one
// finished, for a fixed time. Latency is per call, from issue to fully-read body.
export type BenchCall = (sequence: number) => Promise<void>;

export interface LoadResult {
  calls: number;
  errors: number;
  seconds: number;
  rps: number;
  /** Per-call latency in ms, in completion order. */
  latencies: Float64Array;
  firstError: string | undefined;
}

export async function runClosedLoop(call: BenchCall, options: { concurrency: number; durationMs: number }): Promise<LoadResult> {
  const { concurrency, durationMs } = options;
  let latencies = new Float64Array(65_536);
  let calls = 0;
  let errors = 0;
  let sequence = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const stopAt = started + durationMs;
  const worker = async () => {
    while (performance.now() < stopAt) {
      const callStarted = performance.now();
      try {
        await call(sequence++);
      } catch (error) {
        errors++;
        firstError ??= String((error as Error)?.message ?? error);
        continue;
      }
      if (calls === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[calls++] = performance.now() - callStarted;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { calls, errors, seconds, rps: calls / seconds, latencies: latencies.subarray(0, calls), firstError };
}

/** Runs `count` calls with at most `concurrency` at once (for warm-up and fixed-size runs). */
export async function runCount(call: BenchCall, options: { concurrency: number; count: number }): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < options.count) await call(next++);
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, worker));
}
