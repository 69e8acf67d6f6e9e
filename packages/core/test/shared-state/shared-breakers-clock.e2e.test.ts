// Fleet-wide breakers under an injected clock: two pools on manual clocks share one real
// redis-server. The shared record keeps the half-open time on the pools' clock and the probe
// leader is settled when the breaker opens, so moving the clocks gives the same fleet behaviour
// every run: the leader alone goes half-open and probes, the other pod stays open until the
// leader's probe closes the breaker everywhere, and the periodic re-sync does not re-open anything.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGeminiPool, isGempoolError, type GeminiPool } from '../../src/index.js';
import { createManualClock, startFakeGemini, type FakeGemini, type ManualClock } from '@gempool/testing';
import { redisUnavailableReason, startRedisServer, type RedisServerHandle } from '../../../../test/helpers/redis-server.js';

if (redisUnavailableReason !== undefined) console.warn(`Skipping shared breaker clock tests: ${redisUnavailableReason}`);

const MODEL = 'gemini-2.5-flash';
const HALF_OPEN_AFTER_MS = 30_000;

async function eventually(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Pod {
  pool: GeminiPool;
  clock: ManualClock;
  /** Attempts this pod sent upstream. */
  attempts: number;
}

describe.skipIf(redisUnavailableReason !== undefined)('fleet-wide breakers on an injected clock', () => {
  let redis: RedisServerHandle;
  let fake: FakeGemini;
  let pods: Pod[] = [];
  let fleet = 0;

  const startPod = (): Pod => {
    const clock = createManualClock(1_000_000);
    const pool = createGeminiPool({
      origins: [fake.origin],
      tls: { ca: fake.ca },
      minConnections: 0,
      coalesce: false,
      retry: { enabled: false },
      breaker: { halfOpenAfterMs: HALF_OPEN_AFTER_MS },
      sharedState: { redis: redis.url, keyPrefix: `clock${fleet}:` },
      clock,
    });
    const pod: Pod = { pool, clock, attempts: 0 };
    pool.on('attempt-start', () => pod.attempts++);
    pods.push(pod);
    return pod;
  };
  const ask = (pod: Pod, text: string): Promise<string> =>
    pod.pool
      .fetch(`${fake.origin}/v1beta/models/${MODEL}:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'test-key' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] }),
      })
      .then(
        async (response) => (await response.text(), `HTTP ${response.status}`),
        (error: unknown) => (isGempoolError(error) ? error.code : `untyped: ${String(error)}`),
      );
  const stateOf = (pod: Pod) => (pod.pool.stats().breakers as Array<{ endpoint: string; state: string }>).find((breaker) => breaker.endpoint.startsWith(`${MODEL}|`))?.state;
  /** Moves a pod's clock in 1 s steps (each fires its shared-state re-sync), letting Redis answer between steps. */
  const advance = async (pod: Pod, ms: number) => {
    for (let done = 0; done < ms; done += 1_000) {
      await pod.clock.advanceAsync(Math.min(1_000, ms - done));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };

  /** Two connected pods; the first trips the breaker (it leads the episode), the second learns it. */
  async function tripOnFirstPod(): Promise<[Pod, Pod]> {
    const [leader, other] = [startPod(), startPod()];
    await eventually(() => pods.every((pod) => (pod.pool.stats().sharedState as { connected: boolean }).connected));
    expect(await ask(other, 'other pod knows the endpoint')).toBe('HTTP 200');
    fake.setFaults([{ kind: 'status', status: 503, times: 10 }]);
    for (let i = 0; i < 10; i++) await ask(leader, `trip ${i}`);
    expect(stateOf(leader)).toBe('open');
    await eventually(() => stateOf(other) === 'open');
    return [leader, other];
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    fake = await startFakeGemini();
  });
  afterAll(async () => {
    await fake?.close();
    await redis?.stop();
  });
  beforeEach(() => {
    fleet++;
    fake.resetStats();
    fake.setFaults([]);
  });
  afterEach(async () => {
    await Promise.all(pods.map((pod) => pod.pool.close({ timeoutMs: 0 })));
    pods = [];
  });

  it('only the leader goes half-open and probes; its success closes the breaker on both pods', async () => {
    const [leader, other] = await tripOnFirstPod();
    await advance(leader, HALF_OPEN_AFTER_MS + 5_000);
    await advance(other, HALF_OPEN_AFTER_MS + 5_000);
    // Several re-syncs ran on each clock: none re-opened the leader's half-open breaker.
    expect([stateOf(leader), stateOf(other)]).toEqual(['half-open', 'open']);

    const before = pods.map((pod) => pod.attempts);
    const results = await Promise.all(pods.flatMap((pod, p) => [0, 1, 2].map((i) => ask(pod, `probe ${p} ${i}`))));
    expect(leader.attempts - before[0]!).toBeGreaterThanOrEqual(1);
    expect(other.attempts).toBe(before[1]); // the other pod sent nothing
    expect(results.slice(3)).toEqual(['BREAKER_OPEN', 'BREAKER_OPEN', 'BREAKER_OPEN']);
    expect(results.slice(0, 3)).toContain('HTTP 200');
    await eventually(() => stateOf(leader) === 'closed' && stateOf(other) === 'closed');
  });

  it('a failed probe re-opens the breaker on the leader, which probes again one open period later', async () => {
    const [leader, other] = await tripOnFirstPod();
    fake.setFaults([{ kind: 'status', status: 503, times: 1 }]);
    await advance(leader, HALF_OPEN_AFTER_MS + 1_000);
    await advance(other, HALF_OPEN_AFTER_MS + 1_000);
    expect(await ask(leader, 'failing probe')).toBe('HTTP 503');
    expect(stateOf(leader)).toBe('open');
    expect(stateOf(other)).toBe('open');

    // One more open period on both clocks: the leader probes again, the other pod still waits.
    await advance(leader, HALF_OPEN_AFTER_MS + 1_000);
    await advance(other, HALF_OPEN_AFTER_MS + 1_000);
    expect([stateOf(leader), stateOf(other)]).toEqual(['half-open', 'open']);
    expect(await ask(other, 'still open here')).toBe('BREAKER_OPEN');
    expect(await ask(leader, 'good probe')).toBe('HTTP 200');
    await eventually(() => stateOf(leader) === 'closed' && stateOf(other) === 'closed');
  });
});
