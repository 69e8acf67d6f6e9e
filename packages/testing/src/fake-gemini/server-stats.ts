// Counters the fake server keeps so tests and benchmarks can see what the client really did:
// how many connections and TLS handshakes, which HTTP versions, how much concurrency.

export interface FakeGeminiStats {
  connections: { accepted: number; open: number; tlsHandshakes: number };
  requests: {
    total: number;
    byModel: Record<string, number>;
    byMethod: Record<string, number>;
    /** Keyed `model:method`. */
    byModelMethod: Record<string, number>;
  };
  /** Requests being answered right now. */
  inFlight: number;
  maxConcurrentRequests: number;
  /** Requests per HTTP version: `'1.1'`, `'2'`. */
  httpVersions: Record<string, number>;
  /** Faults fired, by kind. */
  faultsInjected: Record<string, number>;
}

export class StatsRecorder {
  accepted = 0;
  open = 0;
  tlsHandshakes = 0;
  total = 0;
  inFlight = 0;
  maxConcurrent = 0;
  byModel = new Map<string, number>();
  byMethod = new Map<string, number>();
  byModelMethod = new Map<string, number>();
  httpVersions = new Map<string, number>();
  faults = new Map<string, number>();

  requestStarted(model: string, method: string, httpVersion: string): void {
    this.total++;
    this.inFlight++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.inFlight);
    bump(this.byModel, model);
    bump(this.byMethod, method);
    bump(this.byModelMethod, `${model}:${method}`);
    bump(this.httpVersions, httpVersion);
  }

  requestEnded(): void {
    this.inFlight--;
  }

  faultFired(kind: string): void {
    bump(this.faults, kind);
  }

  /** Clears counters; open connections and in-flight requests stay (they are still there). */
  reset(): void {
    this.accepted = 0;
    this.tlsHandshakes = 0;
    this.total = 0;
    this.maxConcurrent = this.inFlight;
    for (const map of [this.byModel, this.byMethod, this.byModelMethod, this.httpVersions, this.faults]) map.clear();
  }

  snapshot(): FakeGeminiStats {
    return {
      connections: { accepted: this.accepted, open: this.open, tlsHandshakes: this.tlsHandshakes },
      requests: {
        total: this.total,
        byModel: Object.fromEntries(this.byModel),
        byMethod: Object.fromEntries(this.byMethod),
        byModelMethod: Object.fromEntries(this.byModelMethod),
      },
      inFlight: this.inFlight,
      maxConcurrentRequests: this.maxConcurrent,
      httpVersions: Object.fromEntries(this.httpVersions),
      faultsInjected: Object.fromEntries(this.faults),
    };
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
