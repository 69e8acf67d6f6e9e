// Two createGeminiPool instances in one process act as two pods sharing one real redis-server and
// one fake Gemini server: a combined load of 3× the quota keeps the upstream rate at the quota, a
// 429 in one pauses the other, a breaker tripped in one is open in the other, and killing and
// restarting Redis mid-load loses no call.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGeminiPool, isGempoolError, runWithContext, type GeminiPool, type GeminiPoolOptions } from '../../src/index.js';
import { Redis } from 'ioredis';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { redisUnavailableReason, startRedisServer, type RedisServerHandle } from '../../../../test/helpers/redis-server.js';

if (redisUnavailableReason !== undefined) console.warn(`Skipping shared-state pool tests: ${redisUnavailableReason}`);

const MODEL = 'gemini-2.5-flash';
/** How a call ended, body included: `HTTP <status>` or the GempoolError code (`untyped: …` otherwise). */
const outcome = (response: Promise<Response>): Promise<string> =>
  response
    .then(async (res) => (await res.text(), `HTTP ${res.status}`))
    .catch((error: unknown) => (isGempoolError(error) ? error.code : `untyped: ${String(error)}`));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe.skipIf(redisUnavailableReason !== undefined)('pools sharing state through Redis', () => {
  let redis: RedisServerHandle;
  let fake: FakeGemini;
  let pools: GeminiPool[] = [];
  let fleet = 0;

  const pod = (options: GeminiPoolOptions = {}) => {
    const pool = createGeminiPool({
      origins: [fake.origin],
      tls: { ca: fake.ca },
      minConnections: 0,
      maxConnections: 8,
      sharedState: { redis: redis.url, keyPrefix: `fleet${fleet}:` },
      ...options,
    });
    pools.push(pool);
    return pool;
  };
  const generate = (pool: GeminiPool, text = 'hello', model = MODEL) =>
    pool.fetch(`${fake.origin}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'test-key' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }], generationConfig: { maxOutputTokens: 64 } }),
    });
  const connected = (pool: GeminiPool) => (pool.stats().sharedState as { connected: boolean }).connected;

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
    await Promise.all(pools.map((pool) => pool.close({ timeoutMs: 1_000 })));
    pools = [];
  });

  it('keeps the upstream rate of two pods offered 3× the quota within 5 % of the quota', async () => {
    // 1 200 rpm = 20 requests/s for the fleet; each pod is offered 30/s (60/s together).
    const options: GeminiPoolOptions = { quotas: { [MODEL]: { rpm: 1_200 } }, retry: { enabled: false }, coalesce: false };
    const [a, b] = [pod(options), pod(options)];
    await eventually(() => connected(a) && connected(b));
    const outcomes: Array<Promise<string>> = [];
    const offer = (pool: GeminiPool, i: number) =>
      outcomes.push(outcome(runWithContext({ deadlineMs: 1_500 }, () => generate(pool, `call ${i}`))));
    const start = Date.now();
    for (let tick = 0; tick < 40; tick++) {
      for (let i = 0; i < 3; i++) {
        offer(a, tick * 6 + i);
        offer(b, tick * 6 + 3 + i);
      }
      await sleep(100);
    }
    const results = await Promise.all(outcomes);
    const elapsedMs = Date.now() - start;

    // Upstream calls can only lag behind their quota grants (never run ahead), so counting them at
    // the end over the whole run is a safe upper bound: the 1 s burst (20) plus 20/s after it.
    const upstream = fake.stats().requests.total;
    const sustainedPerSecond = ((upstream - 20) * 1_000) / elapsedMs;
    expect(sustainedPerSecond).toBeLessThanOrEqual(20 * 1.05);
    expect(sustainedPerSecond).toBeGreaterThanOrEqual(20 * 0.5); // the limiter still lets the quota through
    // Every call ended in a response or a typed error: most over-quota calls time out waiting for
    // quota; one granted just before its deadline may still run out of time on the way (DEADLINE_EXCEEDED).
    const kinds = new Set(results);
    expect(kinds).toContain('HTTP 200');
    expect(kinds).toContain('QUOTA_WAIT_TIMEOUT');
    for (const kind of kinds) expect(['HTTP 200', 'QUOTA_WAIT_TIMEOUT', 'DEADLINE_EXCEEDED']).toContain(kind);
    expect(results.filter((result) => result === 'HTTP 200').length).toBeLessThanOrEqual(upstream);
  });

  it('pauses the model on every pod after a 429 with RetryInfo seen by one', async () => {
    const options: GeminiPoolOptions = { quotas: { [MODEL]: { rpm: 60_000 } }, retry: { enabled: false } };
    const [a, b] = [pod(options), pod(options)];
    await eventually(() => connected(a) && connected(b));
    fake.setFaults([{ kind: 'status', status: 429, retryDelay: '20s', times: 1 }]);
    expect((await generate(a)).status).toBe(429);
    // The pause reaches Redis right after A's caller gets the 429.
    const check = new Redis(redis.url);
    await eventually(async () => (await check.exists(`fleet${fleet}:quota:{${MODEL}}:pause`)) === 1).finally(() => check.disconnect());
    const error = await runWithContext({ deadlineMs: 500 }, () => generate(b)).catch((caught: unknown) => caught);
    expect(isGempoolError(error, 'QUOTA_WAIT_TIMEOUT')).toBe(true);
    expect((error as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(15_000);
    expect(fake.stats().requests.total).toBe(1);
  });

  it('corrects the fleet token bucket from usageMetadata after each call', async () => {
    // 60 000 tpm = 1 000 tokens/s, a bucket of 1 000. Each call is estimated at ~900 tokens
    // (maxOutputTokens) but really uses a few dozen: the correction frees the bucket for the next.
    const options: GeminiPoolOptions = { quotas: { [MODEL]: { tpm: 60_000 } }, retry: { enabled: false }, coalesce: false };
    const [a, b] = [pod(options), pod(options)];
    await eventually(() => connected(a) && connected(b));
    const big = (pool: GeminiPool) =>
      runWithContext({ deadlineMs: 200 }, () =>
        pool.fetch(`${fake.origin}/v1beta/models/${MODEL}:generateContent`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-goog-api-key': 'test-key' },
          body: JSON.stringify({ contents: [{ parts: [{ text: 'short question' }] }], generationConfig: { maxOutputTokens: 900 } }),
        }),
      );
    const usages: number[] = [];
    a.on('call-end', (event) => usages.push(event.usage?.totalTokens ?? -1));
    for (const pool of [a, b, a, b]) expect(await (await big(pool)).text()).toContain('short question');
    expect(usages.every((tokens) => tokens > 0 && tokens < 100), String(usages)).toBe(true);
    // Without the correction the second ~900-token call would have waited ~800 ms: past its deadline.
    expect(fake.stats().requests.total).toBe(4);
  });

  it('opens a breaker tripped in one pod in the other within a second', async () => {
    const options: GeminiPoolOptions = { retry: { enabled: false }, coalesce: false };
    const [a, b] = [pod(options), pod(options)];
    await eventually(() => connected(a) && connected(b));
    expect((await generate(b)).status).toBe(200);
    fake.setFaults([{ kind: 'status', status: 503, times: 10 }]);
    for (let i = 0; i < 10; i++) await (await generate(a)).text();
    const breakerOf = (pool: GeminiPool) => (pool.stats().breakers as Array<{ endpoint: string; state: string }>).find((breaker) => breaker.endpoint.startsWith(MODEL));
    expect(breakerOf(a)?.state).toBe('open');
    await eventually(() => breakerOf(b)?.state === 'open', 1_000);
    const upstreamBefore = fake.stats().requests.total;
    const error = await generate(b).catch((caught: unknown) => caught);
    expect(isGempoolError(error, 'BREAKER_OPEN')).toBe(true);
    expect(fake.stats().requests.total).toBe(upstreamBefore);
  });

  it('lets one pod probe a half-open breaker and closes it on every pod when the probe succeeds', async () => {
    const options: GeminiPoolOptions = { retry: { enabled: false }, coalesce: false, breaker: { halfOpenAfterMs: 400 } };
    const [a, b] = [pod(options), pod(options)];
    await eventually(() => connected(a) && connected(b));
    fake.setFaults([{ kind: 'status', status: 503, times: 10 }]);
    for (let i = 0; i < 10; i++) await (await generate(a)).text();
    const stateOf = (pool: GeminiPool) => (pool.stats().breakers as Array<{ endpoint: string; state: string }>).find((breaker) => breaker.endpoint.startsWith(MODEL))?.state;
    await eventually(() => stateOf(b) === 'open', 1_000);
    // After 400 ms both want to probe; one wins the lease, the other is held open for it.
    await eventually(() => [stateOf(a), stateOf(b)].sort().join() === 'half-open,open', 2_000);
    const leader = stateOf(a) === 'half-open' ? a : b;
    expect((await generate(leader, 'probe')).status).toBe(200);
    await eventually(() => stateOf(a) === 'closed' && stateOf(b) === 'closed', 1_000);
  });

  it('loses no call when Redis is killed and restarted mid-load', async () => {
    const options: GeminiPoolOptions = { quotas: { [MODEL]: { rpm: 600_000 } }, coalesce: false };
    const [a, b] = [pod(options), pod(options)];
    const warnings: string[] = [];
    a.on('warning', (warning) => warnings.push(warning.message));
    await eventually(() => connected(a) && connected(b));
    let done = 0;
    const results: string[] = [];
    const worker = async (pool: GeminiPool, id: number) => {
      for (let i = 0; i < 30; i++) {
        results.push(await outcome(generate(pool, `w${id} ${i}`)));
        done++;
      }
    };
    const load = Promise.all([0, 1, 2, 3, 4].flatMap((id) => [worker(a, id), worker(b, id + 5)]));
    await eventually(() => done >= 60, 10_000);
    await redis.kill();
    await eventually(() => done >= 150, 10_000);
    expect(connected(a)).toBe(false);
    await redis.restart();
    await load;
    expect(results).toHaveLength(300);
    expect(new Set(results)).toEqual(new Set(['HTTP 200']));
    await eventually(() => connected(a) && connected(b), 5_000);
    const shared = a.stats().sharedState as { fallbacks: number; reconnects: number };
    expect(shared.fallbacks).toBeGreaterThan(0);
    expect(shared.reconnects).toBe(1);
    expect(warnings.some((message) => message.includes('Redis unavailable'))).toBe(true);
  });
});
