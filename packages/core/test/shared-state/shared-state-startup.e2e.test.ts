// Pods that start together: until a pod's first Redis connection attempt has an outcome, its
// quota decisions wait for it instead of being made locally with a full quota; a pod that could not
// reach Redis at all shares the quota with an assumed fleet (sharedState.fallbackFleetSize).
// Pools run on manual clocks that are never moved, so every wait in here ends by grant or by a
// known wait that already runs past the call's deadline: nothing depends on timing.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiPool, isGempoolError, runWithContext, type GeminiPool, type GeminiPoolOptions } from '../../src/index.js';
import { createManualClock, startFakeGemini, type FakeGemini } from '@gempool/testing';
import { redisUnavailableReason, startRedisServer, type RedisServerHandle } from '../../../../test/helpers/redis-server.js';

if (redisUnavailableReason !== undefined) console.warn(`Skipping shared-state start-up tests: ${redisUnavailableReason}`);

const MODEL = 'gemini-2.5-flash';
type SharedStats = { connected: boolean; fallbacks: number; fleetSize: number; fleetSizeKnown: boolean };

describe.skipIf(redisUnavailableReason !== undefined)('shared state at start-up', () => {
  let redis: RedisServerHandle;
  let fake: FakeGemini;
  let pools: GeminiPool[] = [];
  let fleet = 0;

  const pod = (options: GeminiPoolOptions) => {
    const pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca }, minConnections: 0, coalesce: false, retry: { enabled: false }, clock: createManualClock(1_000_000), ...options });
    pools.push(pool);
    return pool;
  };
  /** One generateContent call with a deadline: `HTTP <status>` or the GempoolError code. */
  const ask = (pool: GeminiPool, text: string, deadlineMs: number): Promise<string> =>
    runWithContext({ deadlineMs }, () =>
      pool.fetch(`${fake.origin}/v1beta/models/${MODEL}:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'test-key' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }], generationConfig: { maxOutputTokens: 16 } }),
      }),
    ).then(
      async (response) => (await response.text(), `HTTP ${response.status}`),
      (error: unknown) => (isGempoolError(error) ? error.code : `untyped: ${String(error)}`),
    );
  const shared = (pool: GeminiPool) => pool.stats().sharedState as SharedStats;

  beforeAll(async () => {
    redis = await startRedisServer();
    fake = await startFakeGemini();
  });
  afterAll(async () => {
    await fake?.close();
    await redis?.stop();
  });
  afterEach(async () => {
    fleet++;
    fake.resetStats();
    await Promise.all(pools.map((pool) => pool.close({ timeoutMs: 0 })));
    pools = [];
  });

  it('two pods created together and called at once stay within the fleet quota', async () => {
    // 120 rpm: a one-second bucket of 2 requests for the whole fleet; a third waits 500 ms.
    const options: GeminiPoolOptions = { quotas: { [MODEL]: { rpm: 120 } }, sharedState: { redis: redis.url, keyPrefix: `startup${fleet}:` } };
    const pods = [pod(options), pod(options)];
    expect(pods.map((pool) => shared(pool).connected)).toEqual([false, false]); // nothing connected yet
    const results = await Promise.all(pods.flatMap((pool, p) => [0, 1, 2, 3].map((i) => ask(pool, `cold ${p} ${i}`, 400))));
    expect(fake.stats().requests.total).toBe(2);
    expect(results.filter((result) => result === 'HTTP 200')).toHaveLength(2);
    expect(results.filter((result) => result !== 'HTTP 200')).toEqual(Array(6).fill('QUOTA_WAIT_TIMEOUT'));
    // Every decision went through Redis: none was made locally while connecting.
    expect(pods.map((pool) => shared(pool).fallbacks)).toEqual([0, 0]);
  });

  it('a pod that cannot reach Redis at start shares the quota with an assumed fleet', async () => {
    const down = await startRedisServer();
    await down.stop(); // its port now refuses connections
    // 1 200 rpm: a bucket of 20 for the fleet; with an assumed fleet of 4, this pod may take 5.
    const pool = pod({ quotas: { [MODEL]: { rpm: 1_200 } }, sharedState: { redis: down.url, fallbackFleetSize: 4 } });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => ask(pool, `alone ${i}`, 100)));
    expect(results.filter((result) => result === 'HTTP 200')).toHaveLength(5);
    expect(results.filter((result) => result !== 'HTTP 200')).toEqual(Array(3).fill('QUOTA_WAIT_TIMEOUT'));
    expect(shared(pool)).toMatchObject({ connected: false, fleetSize: 4, fleetSizeKnown: false });
    expect(shared(pool).fallbacks).toBeGreaterThan(0);
  });

  it('assumes a fleet of 10 when fallbackFleetSize is not given', async () => {
    const down = await startRedisServer();
    await down.stop();
    const pool = pod({ quotas: { [MODEL]: { rpm: 1_200 } }, sharedState: { redis: down.url } });
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => ask(pool, `default ${i}`, 100)));
    expect(results.filter((result) => result === 'HTTP 200')).toHaveLength(2); // 20 ÷ 10
    expect(shared(pool)).toMatchObject({ fleetSize: 10, fleetSizeKnown: false });
  });
});
