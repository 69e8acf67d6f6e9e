// One real @google/genai client per phase; only the fetch underneath differs. The SDK's own retries
// are off in every phase (its default without `retryOptions`; createGoogleGenAI sets one attempt),
// so baselines are not helped or hurt by SDK retries and gempool's retries are its own.
import { createGeminiPool, type GeminiPool, type GeminiPoolOptions } from '@gempool/core';
import { createGoogleGenAI } from '@gempool/genai';
import { connectionPerCallFetch, defaultFetch, type BaselineFetch } from '@gempool/testing';
import { GoogleGenAI } from '@google/genai';
import type { PhaseName } from './demo-options.js';

export const PHASE_LABELS: Record<PhaseName, string> = {
  'per-call': 'new connection per call',
  'default-fetch': "Node's default fetch",
  gempool: 'gempool',
};

/** Counters only gempool has (baselines neither retry, coalesce nor break). */
export interface PoolCounters {
  retries: number;
  coalesced: number;
  breakerTrips: number;
  /** Tokens of upstream calls only: a coalesced caller is served from another call's answer. */
  billed: { model: string; inputTokens: number; outputTokens: number; cachedTokens: number; totalTokens: number }[];
}

export interface PhaseClient {
  readonly ai: GoogleGenAI;
  readonly pool: GeminiPool | undefined;
  readonly counters: PoolCounters | undefined;
  /** Time warmup() took before the phase started (gempool only). */
  readonly warmupMs: number | undefined;
  /** Connections the client knows it opened (when the server cannot tell us). */
  connectionsOpened(): number | undefined;
  close(): Promise<void>;
}

export interface PhaseClientOptions {
  origin: string;
  apiKey: string;
  ca: string | undefined;
}

// A per-attempt bound so nothing in the demo can wait forever, far above any scripted delay.
const SDK_TIMEOUT_MS = 60_000;

export async function openPhaseClient(name: PhaseName, options: PhaseClientOptions): Promise<PhaseClient> {
  if (name === 'gempool') return openGempoolClient(options);
  const baseline: BaselineFetch = name === 'per-call' ? connectionPerCallFetch({ ca: options.ca }) : defaultFetch({ ca: options.ca });
  const ai = new GoogleGenAI({ apiKey: options.apiKey, httpOptions: { baseUrl: options.origin, timeout: SDK_TIMEOUT_MS, fetch: baseline.fetch } });
  return {
    ai,
    pool: undefined,
    counters: undefined,
    warmupMs: undefined,
    connectionsOpened: () => baseline.connectionsOpened,
    close: () => baseline.close(),
  };
}

/** The pool as a user would set it up: defaults, the target origin warmed, the CA trusted. */
export function demoPoolOptions(options: PhaseClientOptions): GeminiPoolOptions {
  return { origins: [options.origin], ...(options.ca === undefined ? {} : { tls: { ca: options.ca } }) };
}

async function openGempoolClient(options: PhaseClientOptions): Promise<PhaseClient> {
  const pool = createGeminiPool(demoPoolOptions(options));
  const counters: PoolCounters = { retries: 0, coalesced: 0, breakerTrips: 0, billed: [] };
  pool.trackUsage();
  pool.on('retry-scheduled', () => counters.retries++);
  pool.on('coalesced', () => counters.coalesced++);
  pool.on('breaker-state', (event) => {
    if (event.to === 'open') counters.breakerTrips++;
  });
  pool.on('call-end', (event) => {
    if (event.outcome === 'success' && !event.coalesced && event.usage !== undefined) counters.billed.push({ model: event.servedModel, ...event.usage });
  });
  const started = performance.now();
  try {
    await pool.warmup();
  } catch (error) {
    await pool.close({ timeoutMs: 0 });
    throw error;
  }
  const warmupMs = performance.now() - started;
  const ai = createGoogleGenAI({ apiKey: options.apiKey, httpOptions: { baseUrl: options.origin, timeout: SDK_TIMEOUT_MS }, pool });
  return {
    ai,
    pool,
    counters,
    warmupMs,
    connectionsOpened: () => pool.stats().connections.created,
    close: () => pool.close({ timeoutMs: 5_000 }),
  };
}
