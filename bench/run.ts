// `npm run bench` (full) / `npm run bench -- --quick`: runs the benchmark sections side by side in
// one process (fake server in a child) and writes bench/results/<date>-<mode>.json and .md.
// Options: --quick, --only=overhead,h2,burst,coalescing,memory, --calls=N (memory run length),
// --baseline=<path to another build's packages/core/dist/index.js> (adds a `gempool-baseline`
// client to the overhead sections: before/after side by side in one run), --rounds=N,
// --clients=<kinds> (only these clients in the overhead sections).
// Never part of `npm test`: nothing here asserts a time.
import { mkdirSync, writeFileSync } from 'node:fs';
import { runColdBurst } from './cold-burst.ts';
import { runCoalescing } from './coalescing.ts';
import { machineInfo } from './lib/machine.ts';
import { renderMarkdown, type BenchResults } from './lib/report-markdown.ts';
import { runMemory } from './memory.ts';
import { runOverhead } from './overhead.ts';
import type { ClientKind } from './lib/bench-clients.ts';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
const quick = args.includes('--quick');
const only = new Set((flag('only') ?? 'overhead,h2,burst,coalescing,memory').split(','));
const calls = Number(flag('calls') ?? (quick ? 50_000 : 1_000_000));
if (!Number.isInteger(calls) || calls < 1) throw new Error(`Expected \`--calls\` to be an integer from 1 and up, got ${flag('calls')}`);
const log = (line: string) => console.log(line);

const results: BenchResults = {
  mode: quick ? 'quick' : 'full',
  command: `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`,
  date: new Date().toISOString(),
  machine: machineInfo(),
};
log(`gempool bench (${results.mode}) on ${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}, load ${results.machine.loadAverageAtStart.join(' / ')}`);

const baseline = flag('baseline');
const withBaseline = (kinds: ClientKind[]): ClientKind[] => (baseline === undefined ? kinds : ['gempool-baseline', ...kinds]);
// --clients=gempool,undici-raw narrows the overhead sections (e.g. to profile one client).
const clients = flag('clients')?.split(',') as ClientKind[] | undefined;
const pick = (kinds: ClientKind[]): ClientKind[] => (clients === undefined ? kinds : kinds.filter((kind) => clients.includes(kind)));
const allKinds = pick(withBaseline(['gempool', 'gempool+otel', 'node-fetch', 'undici-fetch', 'undici-raw']));
const timing = quick ? { rounds: 2, durationMs: 2_000, warmupCalls: 1_000 } : { rounds: 3, durationMs: 10_000, warmupCalls: 5_000 };
const rounds = flag('rounds');
if (rounds !== undefined) {
  if (!/^[1-9]\d*$/.test(rounds)) throw new Error(`Expected \`--rounds\` to be an integer from 1 and up, got ${rounds}`);
  timing.rounds = Number(rounds);
}
if (only.has('overhead')) {
  log('\noverhead, loopback HTTP/1.1:');
  results.overhead = await runOverhead({ tls: false, kinds: allKinds, concurrency: 100, connections: 50, baseline, ...timing }, log);
}
if (only.has('h2')) {
  log('\noverhead, loopback TLS (h2 where offered):');
  results.overheadH2 = await runOverhead({ tls: true, kinds: pick(withBaseline(['gempool', 'undici-fetch', 'undici-raw'])), concurrency: 100, connections: 50, baseline, ...timing }, log);
}
if (only.has('burst')) {
  log('\nburst of 200 over 40 ms RTT:');
  results.coldBurst = await runColdBurst({ rttMs: 40, burst: 200, rounds: quick ? 2 : 5 }, log);
}
if (only.has('coalescing')) {
  log('\ncoalescing and batching:');
  results.coalescing = await runCoalescing({ bursts: quick ? 5 : 20, burstSize: 50, duplicates: 20, serverLatencyMs: 50, seed: 7 }, log);
}
if (only.has('memory')) {
  log(`\nmemory and fds across ${calls} calls:`);
  results.memory = await runMemory({ calls, samples: 20, inFlight: 1_000 }, log);
}

const directory = new URL('./results/', import.meta.url);
mkdirSync(directory, { recursive: true });
const base = `${results.date.slice(0, 10)}-${results.mode}`;
writeFileSync(new URL(`${base}.json`, directory), JSON.stringify(results, null, 2) + '\n');
const markdown = renderMarkdown(results);
writeFileSync(new URL(`${base}.md`, directory), markdown);
log(`\n${markdown}\nwritten: bench/results/${base}.json, bench/results/${base}.md`);
