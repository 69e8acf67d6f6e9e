// `npm run soak [-- --minutes=10 --seed=1 --concurrency=40]`: a chaos soak. Mixed load (unary,
// streams, embeddings, countTokens; several models and lanes; duplicate prompts) through the real
// @google/genai SDK over createGeminiPool, against the fake server (TLS, h2, in a child process)
// whose fault script is replaced at random every few seconds. Every call has a deadline and is
// tracked to its end. Exits 1 when a call was lost (untyped error or never settled), or when fds
// or heap grew past the bounds below.
import { GoogleGenAI } from '@google/genai';
import { createGeminiPool, runWithContext } from '@gempool/core';
import { forkFakeServer } from './lib/fork-fake-server.ts';
import { settledHeap } from './lib/gc.ts';
import { loadAverage, machineInfo } from './lib/machine.ts';
import { round, slope } from './lib/stats.ts';
import { openFds } from './memory.ts';
import { soakCall } from './soak/call-mix.ts';
import { kindsOf, randomFaults } from './soak/fault-plan.ts';
import { asObject, createTally, recordFailure, sum } from './soak/outcome-tally.ts';
import { createRandom } from './soak/random.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const raw = args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`Expected \`--${name}\` to be a number above 0, got ${raw}`);
  return value;
};
const minutes = option('minutes', 10);
const seed = option('seed', 1);
const concurrency = option('concurrency', 40);
const MAX_CONNECTIONS = 20;
const DEADLINE_MS = { min: 1_000, max: 8_000 };
/** A call not settled this long after its deadline counts as lost. */
const GRACE_MS = 5_000;
/** Bounds: fds never above the post-warm-up count + maxConnections + 20; heap (after GC) never more than this above the post-warm-up heap. */
const HEAP_GROWTH_BOUND_MIB = 48;

const random = createRandom(seed);
const machine = machineInfo();
console.log(`soak: ${minutes} min, seed ${seed}, ${concurrency} concurrent, Node ${machine.node}, ${machine.cores} cores, load ${machine.loadAverageAtStart.join(' / ')}`);

const fdsBeforePool = openFds();
const server = await forkFakeServer({ tls: true, seed, streamChunks: 4 });
const pool = createGeminiPool({ origins: [server.origin], tls: { ca: server.ca! }, minConnections: 5, maxConnections: MAX_CONNECTIONS, leakTimeoutMs: 5_000, batching: { enabled: true } });
let leaks = 0;
pool.on('leak', () => leaks++);
await pool.warmup();
const ai = new GoogleGenAI({ apiKey: 'soak-key', httpOptions: { ...pool.httpOptions, baseUrl: server.origin } });

const tally = createTally();
const kinds = new Map<string, number>();
const pending = new Map<number, { settleBy: number; kind: string; faults: string }>();
let currentFaults = 'none';
let callNumber = 0;
const endAt = Date.now() + minutes * 60_000;

const worker = async () => {
  while (Date.now() < endAt) {
    const id = callNumber++;
    const deadlineMs = random.int(DEADLINE_MS.min, DEADLINE_MS.max);
    const call = soakCall(ai, random);
    pending.set(id, { settleBy: Date.now() + deadlineMs + GRACE_MS, kind: call.kind, faults: currentFaults });
    tally.started++;
    try {
      await runWithContext({ deadlineMs, priority: random.int(0, 100) }, () => call.run());
      const kind = call.kind.split(' ')[0]!;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      tally.succeeded++;
    } catch (error) {
      recordFailure(tally, error);
    }
    pending.delete(id);
  }
};

const overdueCalls = () => [...pending.values()].filter((entry) => entry.settleBy < Date.now());
const overdue = () => overdueCalls().length;
const samples: Array<{ minute: number; heapMiB: number; fds: number }> = [];
const sample = () => {
  const minute = (minutes * 60_000 - (endAt - Date.now())) / 60_000;
  const heapMiB = settledHeap() / 2 ** 20;
  const fds = openFds();
  samples.push({ minute: round(minute, 2), heapMiB: round(heapMiB), fds });
  const failures = sum(tally.typed) + sum(tally.httpStatus);
  console.log(
    `[${minute.toFixed(1).padStart(5)} min] started ${tally.started} ok ${tally.succeeded} typed-failures ${failures} lost ${sum(tally.lost)} overdue ${overdue()} in-flight ${pending.size} heap ${heapMiB.toFixed(1)} MiB fds ${fds} leaks ${leaks} load ${loadAverage()[0]}`,
  );
};

let faultsSet = 0;
const faultKinds = new Map<string, number>();
const chaos = setInterval(() => {
  const faults = randomFaults(random);
  for (const kind of kindsOf(faults)) faultKinds.set(kind, (faultKinds.get(kind) ?? 0) + 1);
  faultsSet++;
  currentFaults = JSON.stringify(faults);
  server.setFaults(faults).catch(() => {});
}, 3_000);
const sampleEveryMs = Math.max(5_000, Math.min(30_000, (minutes * 60_000) / 20));
const sampler = setInterval(sample, sampleEveryMs);

const workers = Promise.all(Array.from({ length: concurrency }, worker));
// The first sample after a short warm-up under load is the baseline the bounds are measured from.
await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, (minutes * 60_000) / 6)));
sample();
const baseline = samples[samples.length - 1]!;
const fdBound = baseline.fds + MAX_CONNECTIONS + 20;
// Workers stop starting calls at endAt; wait for the last ones, but never past the latest settle-by time.
const settleLimit = endAt + DEADLINE_MS.max + GRACE_MS;
await Promise.race([workers, new Promise((resolve) => setTimeout(resolve, Math.max(0, settleLimit - Date.now())).unref())]);
clearInterval(chaos);
clearInterval(sampler);
await server.setFaults([]);
sample();
const neverSettled = pending.size;
// What the calls that never settled were doing, and the fault script in force when they started.
const stuck = [...pending.values()].slice(0, 10).map((entry) => ({ kind: entry.kind, faults: entry.faults }));
const stats = pool.stats();
await pool.close({ timeoutMs: 5_000 });
await server.close();
const fdsAfterClose = openFds();

const afterWarmup = samples.filter((s) => s.minute >= baseline.minute);
const maxFds = Math.max(...afterWarmup.map((s) => s.fds));
const finalHeap = samples[samples.length - 1]!.heapMiB;
const lost = sum(tally.lost) + neverSettled;
const heapGrowth = round(finalHeap - baseline.heapMiB);
const summary = {
  minutes,
  seed,
  concurrency,
  calls: { started: tally.started, succeeded: tally.succeeded, byKind: Object.fromEntries(kinds) },
  typedFailures: asObject(tally.typed),
  httpErrorResponses: asObject(tally.httpStatus),
  lost: { total: lost, untyped: asObject(tally.lost), neverSettled, examples: tally.lostExamples, stuck },
  leaks,
  faultScripts: faultsSet,
  faultsByKind: Object.fromEntries(faultKinds),
  heap: { baselineMiB: baseline.heapMiB, finalMiB: finalHeap, growthMiB: heapGrowth, boundMiB: HEAP_GROWTH_BOUND_MIB, slopeMiBPerMinute: round(slope(afterWarmup.map((s) => ({ x: s.minute, y: s.heapMiB })))) },
  fds: { beforePool: fdsBeforePool, baseline: baseline.fds, max: maxFds, bound: fdBound, afterClose: fdsAfterClose },
  poolStats: stats,
  loadAverage: { start: machine.loadAverageAtStart, end: loadAverage() },
};
console.log('\nsummary:\n' + JSON.stringify(summary, null, 2));
const problems = [
  ...(lost > 0 ? [`${lost} call(s) lost`] : []),
  ...(maxFds > fdBound ? [`fds reached ${maxFds} (bound ${fdBound})`] : []),
  ...(heapGrowth > HEAP_GROWTH_BOUND_MIB ? [`heap grew ${heapGrowth} MiB (bound ${HEAP_GROWTH_BOUND_MIB})`] : []),
];
console.log(problems.length === 0 ? '\nsoak: PASS' : `\nsoak: FAIL — ${problems.join('; ')}`);
process.exitCode = problems.length === 0 ? 0 : 1;
