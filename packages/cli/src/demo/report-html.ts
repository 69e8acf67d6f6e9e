// gempool-report.html: one self-contained page (inline CSS and SVG, no script, no network) with the
// comparison table, latency distributions side by side, open connections over time and gempool's
// lanes over time.
import type { PhaseName } from './demo-options.js';
import type { DemoResult, PhaseTrace } from './run-demo.js';
import { errorList, summaryRows } from './summary-table.js';
import { escapeHtml, histogramPanels, lineChart, type Series } from './svg-charts.js';

const PHASE_COLORS: Record<PhaseName, string> = { 'per-call': '#d62728', 'default-fetch': '#ff7f0e', gempool: '#2ca02c' };
const LANE_COLORS: Record<string, string> = { critical: '#9467bd', standard: '#1f77b4', bulk: '#8c564b' };

export function renderReportHtml(result: DemoResult, traces: readonly PhaseTrace[]): string {
  const sections = [header(result), table(result), latencySection(traces), connectionsSection(traces), laneSection(traces), notes(result)];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gempool demo report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; margin: 24px auto; max-width: 1000px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
.meta { color: #5b6475; margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid #e3e6ec; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid #c9ced8; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
svg { max-width: 100%; height: auto; font-size: 11px; fill: #3a4150; }
svg .title { font-size: 13px; font-weight: 600; fill: #1d2330; } svg .axis { fill: #5b6475; } svg .grid { stroke: #eceef2; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #eef1f6; }
.real { background: #fde8e8; color: #8a1c1c; }
ul { padding-left: 20px; } li { margin: 3px 0; }
</style></head><body>
${sections.join('\n')}
</body></html>
`;
}

function header(result: DemoResult): string {
  const mode = result.mode === 'real-api' ? '<span class="badge real">REAL Gemini API</span>' : '<span class="badge">embedded fake server</span>';
  const models = Object.entries(result.workload.byModel).map(([model, n]) => `${n}× ${model}`).join(', ');
  return `<h1>gempool demo report ${mode}</h1>
<p class="meta">${result.calls} calls per phase in ${result.workload.bursts} bursts (at most ${result.concurrency} in flight), against ${escapeHtml(result.target)}.
Workload (seed ${result.seed}): ${escapeHtml(models)}; ${result.workload.duplicates} repeated prompts, ${result.workload.streaming} streaming calls. Every phase uses the real <code>@google/genai</code> SDK with its retries off; only the fetch underneath differs.</p>`;
}

function table(result: DemoResult): string {
  const heads = result.phases.map((phase) => `<th><span class="swatch" style="background:${PHASE_COLORS[phase.name]}"></span>${escapeHtml(phase.label)}</th>`).join('');
  const rows = summaryRows(result.phases).map((row) => `<tr><td>${escapeHtml(row.measure)}</td>${row.values.map((value) => `<td>${escapeHtml(value)}</td>`).join('')}</tr>`);
  const errors = `<tr><td>errors by code</td>${result.phases.map((phase) => `<td>${escapeHtml(errorList(phase))}</td>`).join('')}</tr>`;
  return `<h2>Summary</h2><table><thead><tr><th></th>${heads}</tr></thead><tbody>${rows.join('')}${errors}</tbody></table>`;
}

function latencySection(traces: readonly PhaseTrace[]): string {
  const histograms = histogramPanels({
    title: 'Latency of successful calls (log scale)',
    xLabel: 'latency (ms)',
    series: traces.map((trace) => ({ name: trace.label, color: PHASE_COLORS[trace.name], values: trace.latenciesMs })),
  });
  const cdf = lineChart({
    title: 'Latency CDF: share of calls done within x ms',
    xLabel: 'latency (ms, log scale)',
    yLabel: 'calls done (%)',
    xLog: true,
    width: 960,
    series: traces.map((trace) => {
      const sorted = [...trace.latenciesMs].sort((a, b) => a - b);
      return { name: trace.label, color: PHASE_COLORS[trace.name], points: sorted.map((value, index): [number, number] => [value, ((index + 1) / sorted.length) * 100]) };
    }),
  });
  return `<h2>Latency</h2>${histograms}${cdf}`;
}

function connectionsSection(traces: readonly PhaseTrace[]): string {
  const series: Series[] = traces
    .filter((trace) => trace.samples.some((sample) => sample.connectionsOpen !== undefined))
    .map((trace) => ({
      name: trace.label,
      color: PHASE_COLORS[trace.name],
      points: trace.samples.flatMap((sample): Array<[number, number]> => (sample.connectionsOpen === undefined ? [] : [[sample.t / 1000, sample.connectionsOpen]])),
    }));
  if (series.length === 0) return '<h2>Connections</h2><p>Open connections could not be observed in this run.</p>';
  const inFlight: Series[] = traces.map((trace) => ({ name: trace.label, color: PHASE_COLORS[trace.name], points: trace.samples.map((sample): [number, number] => [sample.t / 1000, sample.inFlight]) }));
  return `<h2>Connections over time</h2>${lineChart({ title: 'Open connections (sampled every 100 ms)', xLabel: 'seconds since the phase started', yLabel: 'open connections', series, step: true, width: 960 })}
${lineChart({ title: 'Calls in flight', xLabel: 'seconds since the phase started', yLabel: 'calls in flight', series: inFlight, step: true, width: 960, height: 220 })}`;
}

function laneSection(traces: readonly PhaseTrace[]): string {
  const trace = traces.find((candidate) => candidate.name === 'gempool');
  if (trace === undefined) return '';
  const lanes = [...new Set(trace.samples.flatMap((sample) => Object.keys(sample.lanes ?? {})))];
  const points = (lane: string, field: 'queued' | 'inFlight') => trace.samples.map((sample): [number, number] => [sample.t / 1000, sample.lanes?.[lane]?.[field] ?? 0]);
  const series: Series[] = lanes.flatMap((lane) => {
    const color = LANE_COLORS[lane] ?? '#555';
    return [
      { name: `${lane} in flight`, color, points: points(lane, 'inFlight') },
      { name: `${lane} queued`, color, points: points(lane, 'queued'), dashed: true },
    ];
  });
  const peakQueued = Math.max(0, ...trace.samples.flatMap((sample) => Object.values(sample.lanes ?? {}).map((lane) => lane.queued)));
  const note = peakQueued === 0 ? '<p>No call had to queue for a connection slot: the warmed HTTP/2 pool had room for the whole burst. Lower <code>maxConnections</code> or raise <code>--concurrency</code> to see lanes order the queue.</p>' : '';
  return `<h2>gempool lanes over time</h2>${lineChart({ title: 'Calls by lane: in flight (solid) and waiting for a slot (dashed)', xLabel: 'seconds since the phase started', yLabel: 'calls', series, step: true, width: 960 })}${note}`;
}

function notes(result: DemoResult): string {
  const items = [
    'Latency is measured around each SDK call (streams: until the last chunk) and percentiles are over calls that succeeded; failed calls are listed under errors.',
    "Connections and TLS handshakes are counted by the server; gempool's include the ones warmup() opened before the phase.",
    'Baselines neither retry nor coalesce (–). gempool retries 429s after the RetryInfo delay and 503s with backoff, and repeated prompts share one upstream call, which is why it bills fewer tokens.',
    'Cost uses @gempool/otel’s list-price table on the tokens of upstream calls that succeeded.',
    `Invariants: all calls accounted for: ${result.invariants.allCallsAccounted ? 'yes' : 'NO'}; gempool opened fewer connections than a connection per call: ${result.invariants.gempoolFewerConnections === null ? 'not measured' : result.invariants.gempoolFewerConnections ? 'yes' : 'NO'}.`,
  ];
  return `<h2>How to read this</h2><ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
}
