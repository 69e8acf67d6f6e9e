// The demo from start to end: pick the target, build the workload once, run it through each phase
// (fresh endpoint, fresh client, live progress), then summarise, check the invariants and hand
// back everything the table, the JSON result and the HTML report need.
import type { DemoOptions, PhaseName } from './demo-options.js';
import { realTarget, startEmbeddedTarget, workerAvailable, type DemoTarget } from './demo-target.js';
import { openPhaseClient, PHASE_LABELS } from './phase-client.js';
import { summarizePhase, type PhaseSummary } from './phase-summary.js';
import { createProgressLine } from './progress-line.js';
import { runPhase, type PhaseSample } from './run-phase.js';
import { buildWorkload, FLEET_MIX, REAL_MIX, type DemoCall } from './workload.js';

export interface DemoResult {
  mode: 'embedded' | 'real-api';
  target: string;
  /** Simulated RTT (embedded server only). */
  rttMs: number | null;
  calls: number;
  concurrency: number;
  seed: number;
  workload: { bursts: number; duplicates: number; streaming: number; byModel: Record<string, number> };
  phases: PhaseSummary[];
  invariants: {
    /** In every phase, successes + failures = calls, and every record has a code. */
    allCallsAccounted: boolean;
    /** gempool opened fewer connections than connection-per-call (null when not both ran). */
    gempoolFewerConnections: boolean | null;
  };
  reportPath: string | null;
}

/** Per phase, what the charts draw. */
export interface PhaseTrace {
  name: PhaseName;
  label: string;
  latenciesMs: number[];
  samples: PhaseSample[];
}

export interface DemoProgressIo {
  /** Where progress goes; undefined for none. */
  write: ((text: string) => void) | undefined;
  tty: boolean;
}

// Agents think between steps; long enough for keep-alive pools to show reuse, short enough to stay quick.
const BURST_GAP_MS = 150;

export async function runDemo(options: DemoOptions, env: Readonly<Record<string, string | undefined>>, progress: DemoProgressIo): Promise<{ result: DemoResult; traces: PhaseTrace[] }> {
  const target: DemoTarget = options.real ? realTarget(env.GEMINI_API_KEY!.trim()) : await startEmbeddedTarget({ rttMs: options.rttMs, calls: options.calls, worker: workerAvailable() });
  const bursts = buildWorkload({ calls: options.calls, seed: options.seed, mix: options.real ? REAL_MIX : FLEET_MIX, ...(options.real ? { burstMin: options.calls, burstMax: options.calls } : {}) });
  progress.write?.(`gempool demo: ${options.calls} calls per phase (${bursts.length} bursts, at most ${options.concurrency} in flight) against ${target.description}\n`);
  const summaries: PhaseSummary[] = [];
  const traces: PhaseTrace[] = [];
  try {
    for (const name of options.phases) {
      const { summary, trace } = await runOnePhase(name, target, bursts, options, progress);
      summaries.push(summary);
      traces.push(trace);
    }
  } finally {
    await target.close();
  }
  const calls = bursts.flat();
  const result: DemoResult = {
    mode: options.real ? 'real-api' : 'embedded',
    target: target.description,
    rttMs: options.real ? null : options.rttMs,
    calls: options.calls,
    concurrency: options.concurrency,
    seed: options.seed,
    workload: describeWorkload(calls, bursts.length),
    phases: summaries,
    invariants: checkInvariants(summaries, options.calls),
    reportPath: null,
  };
  return { result, traces };
}

async function runOnePhase(name: PhaseName, target: DemoTarget, bursts: DemoCall[][], options: DemoOptions, progress: DemoProgressIo): Promise<{ summary: PhaseSummary; trace: PhaseTrace }> {
  const label = PHASE_LABELS[name];
  const endpoint = await target.openPhase();
  try {
    const client = await openPhaseClient(name, { origin: endpoint.origin, apiKey: target.apiKey, ca: target.ca });
    const line = createProgressLine(label, options.calls, progress.write, progress.tty);
    let run;
    try {
      run = await runPhase({
        ai: client.ai,
        bursts,
        concurrency: options.concurrency,
        burstGapMs: BURST_GAP_MS,
        probe: () => {
          const poolStats = client.pool?.stats();
          return {
            connectionsOpen: endpoint.serverCounters()?.connectionsOpen ?? poolStats?.connections.open,
            lanes: poolStats === undefined ? undefined : laneDepths(poolStats.lanes),
          };
        },
        onSample: (sample) => line.update(sample),
      });
    } finally {
      await client.close();
    }
    const summary = summarizePhase({
      name,
      label,
      run,
      server: await endpoint.finalCounters(),
      clientConnectionsOpened: client.connectionsOpened(),
      pool: client.counters,
      warmupMs: client.warmupMs,
    });
    line.finish(run.samples[run.samples.length - 1]!, `p95 ${summary.latencyMs?.p95.toFixed(0) ?? '–'} ms, ${summary.failed} failed`);
    const latenciesMs = run.records.filter((record) => record.code === 'ok').map((record) => record.latencyMs);
    return { summary, trace: { name, label, latenciesMs, samples: run.samples } };
  } finally {
    await endpoint.close();
  }
}

function laneDepths(lanes: unknown): Record<string, { queued: number; inFlight: number }> | undefined {
  if (typeof lanes !== 'object' || lanes === null) return undefined;
  const depths: Record<string, { queued: number; inFlight: number }> = {};
  for (const [lane, stats] of Object.entries(lanes as Record<string, { queued?: number; inFlight?: number }>)) {
    depths[lane] = { queued: stats.queued ?? 0, inFlight: stats.inFlight ?? 0 };
  }
  return depths;
}

function describeWorkload(calls: readonly DemoCall[], bursts: number): DemoResult['workload'] {
  const byModel: Record<string, number> = {};
  for (const call of calls) byModel[call.model] = (byModel[call.model] ?? 0) + 1;
  return {
    bursts,
    duplicates: calls.filter((call) => call.duplicateOf !== undefined).length,
    streaming: calls.filter((call) => call.streaming).length,
    byModel,
  };
}

export function checkInvariants(phases: readonly PhaseSummary[], calls: number): DemoResult['invariants'] {
  const allCallsAccounted = phases.every((phase) => {
    const failures = Object.values(phase.errors).reduce((sum, n) => sum + n, 0);
    return phase.calls === calls && phase.succeeded + phase.failed === calls && failures === phase.failed;
  });
  const perCall = phases.find((phase) => phase.name === 'per-call')?.connectionsOpened;
  const gempool = phases.find((phase) => phase.name === 'gempool')?.connectionsOpened;
  return {
    allCallsAccounted,
    gempoolFewerConnections: perCall === undefined || gempool === undefined || perCall === null || gempool === null ? null : gempool < perCall,
  };
}
