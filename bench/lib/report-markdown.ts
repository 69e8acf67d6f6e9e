// Renders a bench run's results as the markdown that goes next to the JSON (and into docs).
import type { ColdBurstResult } from '../cold-burst.ts';
import type { CoalescingResult } from '../coalescing.ts';
import type { MemoryResult } from '../memory.ts';
import type { OverheadResult } from '../overhead.ts';
import type { MachineInfo } from './machine.ts';

export interface BenchResults {
  mode: 'quick' | 'full';
  command: string;
  date: string;
  machine: MachineInfo;
  overhead?: OverheadResult;
  overheadH2?: OverheadResult;
  coldBurst?: ColdBurstResult;
  coalescing?: CoalescingResult;
  memory?: MemoryResult;
}

const pct = (value: number) => `${(value * 100).toFixed(0)} %`;

function overheadTable(result: OverheadResult): string[] {
  const lines = [
    `${result.transport}; ${result.options.concurrency} concurrent, ${result.options.connections} connections, ${result.options.rounds} rounds × ${result.options.durationMs / 1000} s per client, order alternating. Load average ${result.loadAverage.start[0]} → ${result.loadAverage.end[0]}.`,
    '',
    '| client | req/s (median) | req/s per round | p50 ms | p99 ms | added p50 / p99 vs raw (ms) | errors |',
    '|---|---:|---|---:|---:|---:|---:|',
  ];
  for (const [name, c] of Object.entries(result.clients)) {
    lines.push(`| ${name} | ${c.medianRps} | ${c.rpsPerRound.join(', ')} | ${c.p50Ms} | ${c.p99Ms} | ${c.addedP50Ms} / ${c.addedP99Ms} | ${c.errors} |`);
  }
  lines.push('', '| ratio (median of within-round ratios) | value |', '|---|---:|');
  for (const [name, value] of Object.entries(result.ratios)) lines.push(`| ${name} | ${value}× |`);
  return lines;
}

export function renderMarkdown(results: BenchResults): string {
  const m = results.machine;
  const lines = [
    `# gempool bench — ${results.date} (${results.mode})`,
    '',
    `Command: \`${results.command}\``,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB (${m.freeMemoryGiB} free), ${m.os}; Node ${m.node}, undici ${m.undici}, @google/genai ${m.googleGenai}. Load average at start: ${m.loadAverageAtStart.join(' / ')} (other work shared the machine).`,
    'The fake Gemini server (and the latency proxy) run in a child process; the client under test has the parent process to itself.',
  ];
  if (results.overhead) lines.push('', '## Overhead on loopback', '', ...overheadTable(results.overhead));
  if (results.overheadH2) lines.push('', '### Same, over TLS (h2 where the client offers ALPN h2)', '', ...overheadTable(results.overheadH2));
  if (results.coldBurst) {
    const b = results.coldBurst;
    lines.push('', '## Burst of 200 over a simulated WAN', '', `${b.options.burst} concurrent calls, ${b.options.rttMs} ms RTT latency proxy, TLS, ${b.options.rounds} rounds. Floor (one call at a time on a warm connection = 1 RTT + server time): **${b.floorMs} ms**. Load average ${b.loadAverage.start[0]} → ${b.loadAverage.end[0]}.`, '');
    lines.push('| client | calls | p50 ms | p95 ms | p99 ms | p95 / floor |', '|---|---:|---:|---:|---:|---:|');
    for (const [name, c] of Object.entries(b.clients)) lines.push(`| ${name} | ${c.count} | ${c.p50} | ${c.p95} | ${c.p99} | ${c.p95OverFloor}× |`);
  }
  if (results.coalescing) {
    const c = results.coalescing;
    lines.push('', '## Coalescing and batching', '', `Through @google/genai: ${c.options.bursts} bursts of ${c.options.burstSize} generateContent + ${c.options.burstSize} embedContent calls, ${c.options.duplicates} of each burst's ${c.options.burstSize} repeating an earlier text of the same burst (${pct(c.options.duplicates / c.options.burstSize)} duplicates); server latency ${c.options.serverLatencyMs} ms. Load average ${c.loadAverage.start[0]} → ${c.loadAverage.end[0]}.`, '');
    lines.push('| | off | on | saved |', '|---|---:|---:|---:|');
    lines.push(`| upstream generateContent calls | ${c.off.upstreamGenerate} | ${c.on.upstreamGenerate} | ${pct(c.upstreamGenerateSaved)} |`);
    lines.push(`| upstream embedding calls | ${c.off.upstreamEmbed} | ${c.on.upstreamEmbed} | ${pct(c.upstreamEmbedSaved)} |`);
    lines.push(`| tokens billed upstream (generate) | ${c.off.tokensUpstream} | ${c.on.tokensUpstream} | ${pct(c.tokensSaved)} |`);
    lines.push(`| tokens the callers saw | ${c.off.tokensSeenByCallers} | ${c.on.tokensSeenByCallers} | |`);
    lines.push(`| wall time, ms | ${c.off.wallMs} | ${c.on.wallMs} | |`);
  }
  if (results.memory) {
    const r = results.memory;
    lines.push('', '## Memory and file descriptors', '', `${r.calls} gempool calls (h2/TLS, 100 concurrent) in ${r.seconds} s. Heap after full GC, slope after the first quarter: **${r.heapSlopeBytesPer1000Calls} bytes per 1000 calls**; fds ${r.fds.start} → ${r.fds.end} (max ${r.fds.max}). Load average ${r.loadAverage.start[0]} → ${r.loadAverage.end[0]}.`, '');
    lines.push('| calls | heap MiB | fds |', '|---:|---:|---:|');
    for (const s of r.samples) lines.push(`| ${s.calls} | ${s.heapMiB} | ${s.fds} |`);
    lines.push('', '| held in flight (server hangs) | calls held | heap bytes per call | ended in an error after abort |', '|---|---:|---:|---:|');
    for (const [name, f] of Object.entries(r.inFlight)) lines.push(`| ${name} | ${f.held} | ${f.bytesPerCall} | ${f.settledTyped} |`);
  }
  return lines.join('\n') + '\n';
}
