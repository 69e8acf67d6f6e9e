// The end-of-run comparison: one row per measure, one column per phase, shared by the terminal
// table and the HTML report. `–` marks what a phase cannot have (baselines neither retry nor
// coalesce) or what could not be observed.
import type { PhaseSummary } from './phase-summary.js';

export interface SummaryRow {
  measure: string;
  values: string[];
}

const DASH = '–';

export function summaryRows(phases: readonly PhaseSummary[]): SummaryRow[] {
  const row = (measure: string, value: (phase: PhaseSummary) => string): SummaryRow => ({ measure, values: phases.map(value) });
  const lanes = [...new Set(phases.flatMap((phase) => Object.keys(phase.laneP95Ms)))];
  return [
    row('calls ok / failed', (phase) => `${phase.succeeded} / ${phase.failed}`),
    row('latency p50 (ms)', (phase) => ms(phase.latencyMs?.p50)),
    row('latency p95 (ms)', (phase) => ms(phase.latencyMs?.p95)),
    row('latency p99 (ms)', (phase) => ms(phase.latencyMs?.p99)),
    ...lanes.map((lane) => row(`  p95 ${lane} lane (ms)`, (phase) => ms(phase.laneP95Ms[lane]))),
    row('throughput (calls/s)', (phase) => phase.throughput.toFixed(1)),
    row('connections opened', (phase) => count(phase.connectionsOpened)),
    row('TLS handshakes', (phase) => count(phase.tlsHandshakes)),
    row('peak open connections', (phase) => count(phase.maxConnectionsOpen)),
    row('requests at the server', (phase) => count(phase.serverRequests)),
    row('retries', (phase) => count(phase.retries)),
    row('coalesced calls', (phase) => count(phase.coalesced)),
    row('breaker trips', (phase) => count(phase.breakerTrips)),
    row('tokens billed', (phase) => phase.tokens.total.toLocaleString('en-US')),
    row('cost (USD)', (phase) => `$${phase.costUsd.toFixed(5)}`),
  ];
}

/** `12× HTTP_429, 3× HTTP_503`, or `none`. */
export function errorList(phase: PhaseSummary): string {
  const entries = Object.entries(phase.errors).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([code, n]) => `${n}× ${code}`).join(', ');
}

export function renderTable(phases: readonly PhaseSummary[]): string {
  const rows = summaryRows(phases);
  const header = ['', ...phases.map((phase) => phase.label)];
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (column === 0 ? row.measure : row.values[column - 1]!).length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!))).join('  ');
  const lines = [line(header), widths.map((width) => '─'.repeat(width)).join('  '), ...rows.map((row) => line([row.measure, ...row.values]))];
  lines.push('', 'errors by code:', ...phases.map((phase) => `  ${phase.label}: ${errorList(phase)}`));
  const warm = phases.find((phase) => phase.warmupMs !== null);
  if (warm !== undefined) lines.push(`(gempool warmed its pool in ${warm.warmupMs} ms before the phase; its connections are counted above)`);
  return lines.map((text) => `  ${text}`).join('\n');
}

function ms(value: number | undefined): string {
  return value === undefined ? DASH : value.toFixed(0);
}

function count(value: number | null): string {
  return value === null ? DASH : String(value);
}
