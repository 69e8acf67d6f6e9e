// Shared setup for the region tests: one fake Gemini server per region (TLS, HTTP/2), a pool that
// maps regions to them through resolveRegion, a manual clock, and Vertex AI URLs.
import { createGeminiPool, isGempoolError, type GeminiPool, type GeminiPoolOptions, type GempoolEventName, type GempoolEvents } from '@gempool/core';
import { createManualClock, startFakeGemini, type FakeGemini, type FakeGeminiOptions, type ManualClock } from '@gempool/testing';

export const REGIONS = ['us-central1', 'europe-west4', 'asia-northeast1'] as const;

export interface RegionHarness {
  fakes: Map<string, FakeGemini>;
  pool: GeminiPool;
  clock: ManualClock;
  events<K extends GempoolEventName>(name: K): GempoolEvents[K][];
  /** Requests each region's server has answered. */
  served(region: string): number;
  /** Stops a region's server (connections destroyed, hung requests included). */
  kill(region: string): Promise<void>;
  /** Starts a region's server again on the same port. */
  revive(region: string): Promise<void>;
  close(): Promise<void>;
}

export async function startRegions(options: GeminiPoolOptions = {}, fakeOptions: FakeGeminiOptions = {}): Promise<RegionHarness> {
  const fakes = new Map<string, FakeGemini>();
  const served = new Map<string, number>();
  for (const region of REGIONS) fakes.set(region, await startFakeGemini(fakeOptions));
  const origins = new Map([...fakes].map(([region, fake]) => [region, fake.origin]));
  const clock = createManualClock(1_000_000);
  const pool = createGeminiPool({
    regions: [...REGIONS],
    resolveRegion: (region) => origins.get(region)!,
    tls: { ca: fakes.get(REGIONS[0])!.ca },
    minConnections: 0,
    maxConnections: 8,
    coalesce: false,
    autoscale: false,
    leakTimeoutMs: 0,
    clock,
    ...options,
  });
  const seen = new Map<string, unknown[]>();
  return {
    fakes,
    pool,
    clock,
    events(name) {
      let list = seen.get(name);
      if (list === undefined) {
        const target: unknown[] = [];
        seen.set(name, (list = target));
        pool.on(name, (event) => target.push(event));
      }
      return list as never;
    },
    served: (region) => (served.get(region) ?? 0) + fakes.get(region)!.stats().requests.total,
    async kill(region) {
      const fake = fakes.get(region)!;
      served.set(region, (served.get(region) ?? 0) + fake.stats().requests.total);
      await fake.close();
    },
    async revive(region) {
      fakes.set(region, await startFakeGemini({ ...fakeOptions, port: fakes.get(region)!.port }));
    },
    async close() {
      await pool.close({ timeoutMs: 1_000 });
      await Promise.all([...fakes.values()].map((fake) => fake.close()));
    },
  };
}

/** A Vertex AI URL as the SDK builds it for `region` (the pool rewrites host and location). */
export function vertexUrl(region: string, model = 'gemini-2.5-flash', method = 'generateContent'): string {
  return `https://${region}-aiplatform.googleapis.com/v1beta1/projects/demo/locations/${region}/publishers/google/models/${model}:${method}`;
}

export function vertexInit(text: string): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test-token' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] }),
  };
}

export type Outcome = { ok: true; status: number } | { ok: false; code: string };

/** One call read to its end: a response, or a typed error (anything else fails the test). */
export async function callOnce(pool: GeminiPool, url: string, text: string): Promise<Outcome> {
  try {
    const response = await pool.fetch(url, vertexInit(text));
    await response.arrayBuffer();
    return { ok: true, status: response.status };
  } catch (error) {
    if (!isGempoolError(error)) throw new Error(`untyped failure: ${String(error)}`, { cause: error });
    return { ok: false, code: error.code };
  }
}

/** Settles `promise` while moving the manual clock `stepMs` per short real pause (for backoff waits). */
export function drive<T>(clock: ManualClock, promise: Promise<T>, stepMs = 10, maxSteps = 5_000): Promise<T> {
  return clock.drive(promise, { stepMs, maxSteps });
}
