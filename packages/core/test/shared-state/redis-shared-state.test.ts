// Shared state against a real redis-server: two SharedState instances in one process act as two
// pods. Quota takes are atomic across them, a 429 pause reaches both, breakers open/close across
// them with one probe leader, and a Redis crash falls back to local limits and recovers by itself.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { TypedEmitter, isGempoolError, systemClock, type BreakerState, type SharedStateEvent } from '../../src/index.js';
import { createSharedState, type SharedBreakerTarget, type SharedState } from '../../src/shared-state/index.js';
import { redisUnavailableReason, startRedisServer, type RedisServerHandle } from '../../../../test/helpers/redis-server.js';

if (redisUnavailableReason !== undefined) console.warn(`Skipping shared-state Redis tests: ${redisUnavailableReason}`);

/** Breakers as the pool's registry exposes them to shared state, kept in a map. */
class BreakerTable implements SharedBreakerTarget {
  readonly states = new Map<string, { state: BreakerState; openUntil: number }>();
  constructor(readonly emitter: TypedEmitter) {}
  set(endpoint: string, to: BreakerState, reason: 'errors' | 'timeout' | 'probe-success' | 'shared', openForMs = 30_000): void {
    const from = this.states.get(endpoint)?.state ?? 'closed';
    this.states.set(endpoint, { state: to, openUntil: systemClock.now() + openForMs });
    this.emitter.emit('breaker-state', { endpoint, model: endpoint.split('|')[0]!, region: undefined, apiVersion: 'v1beta', from, to, reason });
  }
  state(endpoint: string): BreakerState {
    return this.states.get(endpoint)?.state ?? 'closed';
  }
  forceOpen(endpoint: string, openForMs: number): void {
    this.set(endpoint, 'open', 'shared', openForMs);
  }
  forceClose(endpoint: string): void {
    if (this.state(endpoint) !== 'closed') this.set(endpoint, 'closed', 'shared');
  }
  openEndpoints() {
    return [...this.states].filter(([, s]) => s.state === 'open').map(([endpoint, s]) => ({ endpoint, openForMs: s.openUntil - systemClock.now() }));
  }
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(redisUnavailableReason !== undefined)('shared state over Redis', () => {
  let redis: RedisServerHandle;
  let states: SharedState[] = [];
  let prefixCounter = 0;
  let keyPrefix = '';

  const pod = (quotas?: Record<string, { rpm?: number; tpm?: number }>) => {
    const emitter = new TypedEmitter();
    const state = createSharedState({ quotas, sharedState: { redis: redis.url, keyPrefix } }, { clock: systemClock, emitter });
    states.push(state);
    return { state, emitter };
  };

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  beforeEach(() => {
    // Each test gets its own keys, as two fleets sharing one Redis would.
    keyPrefix = `t${++prefixCounter}:`;
  });
  afterEach(async () => {
    await Promise.all(states.map((state) => state.close()));
    states = [];
  });

  it('keeps two pods together under one quota (atomic Lua take)', async () => {
    const pods = [pod({ m: { rpm: 1_200 } }), pod({ m: { rpm: 1_200 } })]; // 20/s, bucket 20
    await eventually(() => pods.every((p) => p.state.stats().connected));
    const start = Date.now();
    let granted = 0;
    let stop = false;
    // Each pod keeps 30 callers asking, far more than the quota allows.
    const workers = pods.flatMap((p) =>
      Array.from({ length: 30 }, async () => {
        while (!stop) {
          await p.state.limiter!.acquire('m', 0, { deadline: Date.now() + 10_000 });
          if (!stop) granted++;
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    stop = true;
    const elapsedS = (Date.now() - start) / 1000;
    // Bucket depth (20) plus 20/s for the elapsed time, plus one for rounding.
    expect(granted).toBeLessThanOrEqual(20 + Math.ceil(20 * elapsedS) + 1);
    expect(granted).toBeGreaterThan(20);
    await Promise.race([Promise.all(workers), new Promise((resolve) => setTimeout(resolve, 200))]);
    expect(pods.every((p) => p.state.stats().fallbacks === 0)).toBe(true);
  });

  it('pauses a model for the whole fleet after a 429 seen by one pod', async () => {
    const [a, b] = [pod({ m: { rpm: 60_000 } }), pod({ m: { rpm: 60_000 } })];
    await eventually(() => a.state.stats().connected && b.state.stats().connected);
    a.state.limiter!.pause('m', 20_000);
    await eventually(async () => {
      const error = await b.state.limiter!.acquire('m', 0, { deadline: Date.now() + 1_000 }).then(() => undefined, (caught: unknown) => caught);
      return isGempoolError(error, 'QUOTA_WAIT_TIMEOUT') && (error.retryAfterMs ?? 0) > 15_000;
    });
  });

  it('opens a breaker on every pod, lets one pod probe, and closes it everywhere', async () => {
    const [a, b] = [pod(), pod()];
    const tables = [new BreakerTable(a.emitter), new BreakerTable(b.emitter)] as const;
    a.state.attachBreakers(tables[0], { probeLeaseMs: 5_000 });
    b.state.attachBreakers(tables[1], { probeLeaseMs: 5_000 });
    await eventually(() => a.state.stats().connected && b.state.stats().connected && a.state.stats().fleetSize === 2);

    const endpoint = 'gemini-2.5-pro|us-central1|v1beta';
    tables[0].set(endpoint, 'open', 'errors', 60_000);
    await eventually(() => tables[1].state(endpoint) === 'open', 1_000);
    expect(tables[1].openEndpoints()[0]!.openForMs).toBeGreaterThan(55_000);

    // A pod that joins later learns it from the key.
    const late = pod();
    const lateTable = new BreakerTable(late.emitter);
    late.state.attachBreakers(lateTable);
    await eventually(() => lateTable.state(endpoint) === 'open', 2_000);

    // Both go half-open; only one may probe, the other stays open.
    tables[0].set(endpoint, 'half-open', 'timeout');
    tables[1].set(endpoint, 'half-open', 'timeout');
    await eventually(() => tables.filter((t) => t.state(endpoint) === 'half-open').length === 1 && tables.some((t) => t.state(endpoint) === 'open'));
    const leader = tables.find((t) => t.state(endpoint) === 'half-open')!;
    leader.set(endpoint, 'closed', 'probe-success');
    await eventually(() => [...tables, lateTable].every((t) => t.state(endpoint) === 'closed'), 1_000);
  });

  it('falls back to local limits when Redis dies and returns to Redis when it is back', async () => {
    const { state, emitter } = pod({ m: { rpm: 600_000 } });
    const table = new BreakerTable(emitter);
    state.attachBreakers(table);
    const events: SharedStateEvent[] = [];
    const warnings: string[] = [];
    emitter.on('shared-state', (event) => events.push(event));
    emitter.on('warning', (event) => warnings.push(event.message));
    await eventually(() => state.stats().connected);

    await redis.kill();
    await eventually(() => !state.stats().connected);
    // Calls keep getting quota (locally) and a breaker that opens now stays local.
    for (let i = 0; i < 20; i++) await state.limiter!.acquire('m', 10);
    table.set('m|x|v1', 'open', 'errors', 60_000);
    expect(state.stats().fallbacks).toBeGreaterThanOrEqual(20);
    expect(events.map((event) => event.state)).toContain('disconnected');
    expect(warnings.some((message) => message.includes('Redis unavailable'))).toBe(true);
    expect(warnings.join(' ')).not.toContain(redis.url);

    await redis.restart();
    await eventually(() => state.stats().connected, 5_000);
    expect(state.stats().reconnects).toBe(1);
    expect(events.at(-1)?.state).toBe('connected');
    const check = new Redis(redis.url);
    try {
      // The breaker that opened during the outage was published again; quota takes use Redis.
      await eventually(async () => (await check.exists(`${keyPrefix}breaker:open:m|x|v1`)) === 1);
      const fallbacks = state.stats().fallbacks;
      await state.limiter!.acquire('m', 10);
      expect(state.stats().fallbacks).toBe(fallbacks);
      expect(await check.exists(`${keyPrefix}quota:{m}:bucket`)).toBe(1);
    } finally {
      check.disconnect();
    }
  });
});
