// The numbers of one phase, as printed in the table and the JSON result. Latency percentiles are
// over successful calls (a failed call is counted under `errors` instead); `null` marks a number
// the phase cannot have (baselines do not retry or coalesce) or that nobody could observe.
import { createCostCalculator, type CostCalculator } from '@gempool/otel';
import type { PhaseName } from './demo-options.js';
import type { ServerCounters } from './demo-target.js';
import type { PoolCounters } from './phase-client.js';
import type { CallRecord, PhaseRun } from './run-phase.js';

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface PhaseSummary {
  name: PhaseName;
  label: string;
  calls: number;
  succeeded: number;
  failed: number;
  /** Failed calls by code (`HTTP_429`, `RETRY_EXHAUSTED`, `ECONNRESET`…). */
  errors: Record<string, number>;
  durationMs: number;
  /** Calls per second over the phase. */
  throughput: number;
  latencyMs: LatencySummary | null;
  /** p95 latency per lane (the lane gempool's defaults give each model). */
  laneP95Ms: Record<string, number>;
  connectionsOpened: number | null;
  tlsHandshakes: number | null;
  maxConnectionsOpen: number | null;
  /** Requests that reached the server (retries add, coalescing removes). */
  serverRequests: number | null;
  retries: number | null;
  coalesced: number | null;
  breakerTrips: number | null;
  warmupMs: number | null;
  /** Tokens of the upstream calls that succeeded (what would be billed). */
  tokens: { input: number; output: number; total: number };
  costUsd: number;
}

export interface SummarizeInput {
  name: PhaseName;
  label: string;
  run: PhaseRun;
  server: ServerCounters | undefined;
  clientConnectionsOpened: number | undefined;
  pool: PoolCounters | undefined;
  warmupMs: number | undefined;
}

const prices: CostCalculator = createCostCalculator();

export function summarizePhase(input: SummarizeInput): PhaseSummary {
  const { run, server, pool } = input;
  const ok = run.records.filter((record) => record.code === 'ok');
  const errors: Record<string, number> = {};
  for (const record of run.records) if (record.code !== 'ok') errors[record.code] = (errors[record.code] ?? 0) + 1;
  const laneP95Ms: Record<string, number> = {};
  for (const lane of new Set(ok.map((record) => record.lane))) laneP95Ms[lane] = round(percentile(latencies(ok.filter((record) => record.lane === lane)), 0.95));
  const sorted = latencies(ok);
  const billed = pool !== undefined ? pool.billed : ok.flatMap((record) => (record.usage === undefined ? [] : [{ model: record.model, ...record.usage }]));
  const tokens = { input: 0, output: 0, total: 0 };
  let costUsd = 0;
  for (const usage of billed) {
    tokens.input += usage.inputTokens;
    tokens.output += usage.outputTokens;
    tokens.total += usage.totalTokens;
    costUsd += prices.costOf(usage.model, usage) ?? 0;
  }
  const sampledOpen = run.samples.map((sample) => sample.connectionsOpen).filter((open): open is number => open !== undefined);
  return {
    name: input.name,
    label: input.label,
    calls: run.records.length,
    succeeded: ok.length,
    failed: run.records.length - ok.length,
    errors,
    durationMs: round(run.durationMs),
    throughput: round(run.records.length / (run.durationMs / 1000)),
    latencyMs: sorted.length === 0 ? null : { p50: round(percentile(sorted, 0.5)), p95: round(percentile(sorted, 0.95)), p99: round(percentile(sorted, 0.99)), max: round(sorted[sorted.length - 1]!) },
    laneP95Ms,
    connectionsOpened: server?.connectionsOpened ?? input.clientConnectionsOpened ?? null,
    tlsHandshakes: server?.tlsHandshakes ?? null,
    maxConnectionsOpen: sampledOpen.length === 0 ? null : Math.max(...sampledOpen),
    serverRequests: server?.requests ?? null,
    retries: pool?.retries ?? null,
    coalesced: pool?.coalesced ?? null,
    breakerTrips: pool?.breakerTrips ?? null,
    warmupMs: input.warmupMs === undefined ? null : round(input.warmupMs),
    tokens,
    costUsd: Math.round(costUsd * 1e8) / 1e8,
  };
}

function latencies(records: readonly CallRecord[]): number[] {
  return records.map((record) => record.latencyMs).sort((a, b) => a - b);
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
