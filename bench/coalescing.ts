// Coalescing and batching: one seeded agent-like workload (bursts of concurrent calls in which
// some prompts and embedding texts repeat) through the real @google/genai SDK over gempool, once
// with coalescing + embedding batching on and once with both off, side by side. Upstream calls are
// counted by the fake server (child process); tokens from usageMetadata.
import { GoogleGenAI } from '@google/genai';
import { createGeminiPool } from '@gempool/core';
import { seededRandom } from '@gempool/testing';
import { forkFakeServer } from './lib/fork-fake-server.ts';
import { loadAverage } from './lib/machine.ts';
import { round } from './lib/stats.ts';

export interface CoalescingOptions {
  bursts: number;
  /** Calls per burst, of which `duplicates` repeat an earlier prompt of the same burst. */
  burstSize: number;
  duplicates: number;
  serverLatencyMs: number;
  seed: number;
}

interface Side {
  generateCalls: number;
  embedCalls: number;
  upstreamGenerate: number;
  upstreamEmbed: number;
  tokensSeenByCallers: number;
  tokensUpstream: number;
  wallMs: number;
}

export interface CoalescingResult {
  options: CoalescingOptions;
  on: Side;
  off: Side;
  upstreamGenerateSaved: number;
  upstreamEmbedSaved: number;
  tokensSaved: number;
  loadAverage: { start: number[]; end: number[] };
}

/** Per burst: `burstSize - duplicates` fresh texts, then `duplicates` repeats of them, shuffled. */
function workload(options: CoalescingOptions, kind: string): string[][] {
  // Seeded, so both sides see the very same workload.
  const next = seededRandom(options.seed + kind.length);
  return Array.from({ length: options.bursts }, (_, b) => {
    const fresh = Array.from({ length: options.burstSize - options.duplicates }, (_, i) => `${kind} ${b}-${i}: summarise the ticket about order ${Math.floor(next() * 1e6)} and suggest a reply`);
    const repeats = Array.from({ length: options.duplicates }, () => fresh[Math.floor(next() * fresh.length)]!);
    const all = [...fresh, ...repeats];
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all;
  });
}

async function runSide(enabled: boolean, options: CoalescingOptions): Promise<Side> {
  const server = await forkFakeServer({ tls: true, seed: options.seed, latency: { fixedMs: options.serverLatencyMs } });
  const pool = createGeminiPool({ origins: [server.origin], tls: { ca: server.ca! }, coalesce: enabled ? {} : false, batching: enabled ? { enabled: true } : false });
  let tokensUpstream = 0;
  pool.trackUsage();
  pool.on('call-end', (event) => {
    tokensUpstream += event.usage?.totalTokens ?? 0;
  });
  await pool.warmup();
  const ai = new GoogleGenAI({ apiKey: 'bench-key', httpOptions: { ...pool.httpOptions, baseUrl: server.origin } });
  let tokensSeenByCallers = 0;
  const prompts = workload(options, 'prompt');
  const texts = workload(options, 'text');
  const started = performance.now();
  for (let b = 0; b < options.bursts; b++) {
    await Promise.all([
      ...prompts[b]!.map(async (prompt) => {
        const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: prompt });
        tokensSeenByCallers += response.usageMetadata?.totalTokenCount ?? 0;
      }),
      ...texts[b]!.map((text) => ai.models.embedContent({ model: 'gemini-embedding-001', contents: text })),
    ]);
  }
  const wallMs = performance.now() - started;
  const stats = await server.stats();
  await pool.close();
  await server.close();
  const byMethod = stats.requests.byMethod as Record<string, number>;
  return {
    generateCalls: options.bursts * options.burstSize,
    embedCalls: options.bursts * options.burstSize,
    upstreamGenerate: byMethod.generateContent ?? 0,
    upstreamEmbed: (byMethod.batchEmbedContents ?? 0) + (byMethod.embedContent ?? 0),
    tokensSeenByCallers,
    tokensUpstream,
    wallMs: Math.round(wallMs),
  };
}

export async function runCoalescing(options: CoalescingOptions, log: (line: string) => void): Promise<CoalescingResult> {
  const loadStart = loadAverage();
  const off = await runSide(false, options);
  log(`  off: ${JSON.stringify(off)}`);
  const on = await runSide(true, options);
  log(`  on:  ${JSON.stringify(on)}`);
  const saved = (a: number, b: number) => (a === 0 ? 0 : round(1 - b / a, 3));
  return {
    options,
    on,
    off,
    upstreamGenerateSaved: saved(off.upstreamGenerate, on.upstreamGenerate),
    upstreamEmbedSaved: saved(off.upstreamEmbed, on.upstreamEmbed),
    tokensSaved: saved(off.tokensUpstream, on.tokensUpstream),
    loadAverage: { start: loadStart, end: loadAverage() },
  };
}
