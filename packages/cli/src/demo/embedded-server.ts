// The embedded fake Gemini server over TLS (HTTP/2 + HTTP/1.1), with a fresh latency proxy per
// phase (so no connection outlives its phase), fresh counters and the same fault script each phase.
import { startFakeGemini, startLatencyProxy, type Fault, type LatencyProxy } from '@gempool/testing';
import type { ServerCounters } from './demo-target.js';

export interface EmbeddedServer {
  readonly ca: string | undefined;
  /** Resets counters and faults, starts this phase's latency proxy; resolves to the origin to call. */
  openPhase(): Promise<string>;
  closePhase(): Promise<void>;
  counters(): ServerCounters;
  close(): Promise<void>;
}

// The embedded server checks a key like Google does; this one is not a secret.
export const EMBEDDED_KEY = 'gempool-demo-key';

export async function createEmbeddedServer(options: { rttMs: number; calls: number }): Promise<EmbeddedServer> {
  const fake = await startFakeGemini({
    // Pro thinks longer than flash; spreads give a realistic distribution, seeded so runs repeat.
    latency: { 'gemini-2.5-pro': { fixedMs: 150, spreadMs: 100 }, '*': { fixedMs: 40, spreadMs: 40 } },
    streamChunks: 4,
    streamIntervalMs: 15,
    requireApiKey: EMBEDDED_KEY,
  });
  let wan: LatencyProxy | undefined;
  const closePhase = async () => {
    await wan?.close();
    wan = undefined;
  };
  return {
    ca: fake.ca,
    async openPhase() {
      await closePhase();
      fake.setFaults(demoFaults(options.calls));
      fake.resetStats();
      wan = await startLatencyProxy({ target: fake.origin, rttMs: options.rttMs });
      return wan.origin!;
    },
    closePhase,
    counters() {
      const stats = fake.stats();
      return {
        connectionsOpen: stats.connections.open,
        connectionsOpened: stats.connections.accepted,
        tlsHandshakes: stats.connections.tlsHandshakes,
        requests: stats.requests.total,
        faultsInjected: stats.faultsInjected,
      };
    },
    async close() {
      await closePhase();
      await fake.close();
    },
  };
}

/**
 * The same scripted trouble in every phase, scaled to the workload: per-minute 429s that say
 * "retry in 0.2 s", a few 503s on the bulk and pro models, and a latency spike of one second on a
 * run of flash calls. Faults count requests per model, so they land at the same point each phase.
 */
export function demoFaults(calls: number): Fault[] {
  const share = (fraction: number) => Math.max(1, Math.round(calls * fraction));
  return [
    { kind: 'status', status: 429, quota: 'per-minute', retryDelay: '0.2s', model: 'gemini-2.5-flash', after: share(0.05), times: share(0.02) },
    { kind: 'status', status: 503, model: 'gemini-2.0-flash-exp', after: share(0.08), times: share(0.015) },
    { kind: 'status', status: 503, model: 'gemini-2.5-pro', after: share(0.1), times: share(0.005) },
    { kind: 'latency', addMs: 1_000, model: 'gemini-2.5-flash', after: share(0.3), times: share(0.04) },
  ];
}
