// Issue 3 acceptance checks, createResourcePool: the pool's leasing, sizing, idle/lifetime and leak
// machinery for any resource (create, destroy, validate, capacityPerResource), and the on-device
// pattern: acquire({ temperature: 'hot' | 'cold' }) keeps real-time work off batch instances.
import { createResourcePool, GempoolError, type LeakInfo, type ResourcePoolOptions } from '@gempool/core';
import { createManualClock } from '@gempool/testing';
import { describe, expect, it } from 'vitest';
import { codeOf, rejectionOf, settled } from './issue-2-3-helpers.js';

interface Model {
  id: number;
  healthy: boolean;
}

function modelPool(options: Partial<ResourcePoolOptions<Model>> = {}) {
  const clock = createManualClock(1_000_000);
  const created: Model[] = [];
  const destroyed: number[] = [];
  let next = 0;
  const pool = createResourcePool<Model>({
    create: () => {
      const model = { id: ++next, healthy: true };
      created.push(model);
      return model;
    },
    destroy: (model) => void destroyed.push(model.id),
    max: 5,
    clock,
    ...options,
  });
  return { pool, clock, created, destroyed };
}

describe('issue 3: createResourcePool', () => {
  it('warmup() creates min resources; leases are given back by release() and use()', async () => {
    const { pool, created } = modelPool({ min: 3 });
    await pool.warmup();
    expect(created).toHaveLength(3);
    const lease = await pool.acquire();
    expect(pool.stats()).toMatchObject({ open: 3, inUse: 1 });
    lease.release();
    lease.release(); // idempotent
    expect(await pool.use((model) => model.id)).toBeGreaterThan(0);
    await expect(pool.use(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(pool.stats().inUse).toBe(0);
    await pool.close();
  });

  it('capacityPerResource: one resource serves that many leases; max bounds resources; the queue is bounded', async () => {
    const { pool, clock, created } = modelPool({ max: 2, capacityPerResource: 2, maxQueue: 1, queueTimeoutMs: 1_000 });
    const leases = [];
    for (let i = 0; i < 4; i++) leases.push(await pool.acquire());
    expect(created).toHaveLength(2);
    expect(new Set(leases.map((l) => l.resource.id)).size).toBe(2);
    expect(pool.stats().utilization).toBe(1);
    const waiting = rejectionOf(pool.acquire());
    expect(codeOf(await rejectionOf(pool.acquire()))).toBe('QUEUE_FULL');
    await clock.advanceAsync(1_001);
    expect(codeOf(await waiting)).toBe('QUEUE_TIMEOUT');
    for (const lease of leases) lease.release();
    await pool.close();
  });

  // GAP (ambiguous, same as the Gemini pool's cold burst): 4 concurrent acquires with room for 4
  // leases (max 2 × capacityPerResource 2) and maxQueue 1 → QUEUE_FULL while resources are created.
  it('concurrent acquires within capacity are not rejected with QUEUE_FULL while resources are created', async () => {
    const { pool } = modelPool({ max: 2, capacityPerResource: 2, maxQueue: 1 });
    const leases = await Promise.all([1, 2, 3, 4].map(() => pool.acquire()));
    for (const lease of leases) lease.release();
    await pool.close();
  });

  it("hot work runs on hot instances and never waits behind cold work; cold work stays off hot instances", async () => {
    const { pool } = modelPool({ min: 3, max: 5, hotInstances: 2 });
    await pool.warmup();
    const cold = await Promise.all([1, 2, 3].map(() => pool.acquire({ temperature: 'cold' })));
    const hotIds = new Set<number>();
    const hot = await Promise.all([1, 2].map(() => pool.acquire({ temperature: 'hot' })));
    for (const lease of hot) hotIds.add(lease.resource.id);
    expect(hot.every((l) => l.temperature === 'hot')).toBe(true);
    expect(cold.some((l) => hotIds.has(l.resource.id))).toBe(false);
    const fourthCold = pool.acquire({ temperature: 'cold' });
    expect(await settled(fourthCold)).toBe(false); // cold waits: the hot instances are not for it
    hot[0]!.release();
    expect(await settled(fourthCold)).toBe(false);
    cold[0]!.release();
    expect((await fourthCold).temperature).toBe('cold');
    expect(pool.stats().hot).toBeDefined();
    for (const lease of [...cold, ...hot]) lease.release();
    (await fourthCold).release();
    await pool.close();
  });

  it('a lease held past leakTimeoutMs is force-returned with a leak event carrying the stack', async () => {
    const { pool, clock } = modelPool({ max: 1, leakTimeoutMs: 10_000 });
    const leaks: LeakInfo[] = [];
    const late: unknown[] = [];
    pool.on('leak', (info) => leaks.push(info));
    pool.on('returned-late', (event) => late.push(event));
    const lease = await pool.acquire();
    await clock.advanceAsync(10_001);
    expect(leaks).toHaveLength(1);
    expect(leaks[0]!.heldMs).toBeGreaterThanOrEqual(10_000);
    expect(leaks[0]!.stack).toContain('issue-3-resource-pool.test.ts');
    expect(pool.stats().leaks).toEqual({ detected: 1, forceReturned: 1 });
    const again = await pool.acquire(); // the slot is free again
    lease.release();
    expect(late).toHaveLength(1);
    again.release();
    await pool.close();
  });

  it('idle resources above min are destroyed after idleTimeoutMs; maxUses and maxLifetimeMs retire them', async () => {
    const { pool, clock, destroyed } = modelPool({ min: 1, max: 3, idleTimeoutMs: 60_000, maxUses: 2 });
    const leases = await Promise.all([1, 2, 3].map(() => pool.acquire()));
    for (const lease of leases) lease.release();
    await clock.advanceAsync(61_000);
    expect(pool.stats().open).toBe(1);
    expect(destroyed).toHaveLength(2);
    await pool.use(() => undefined);
    await pool.use(() => undefined);
    await pool.use(() => undefined);
    expect(destroyed.length).toBeGreaterThanOrEqual(3); // the survivor reached maxUses
    await pool.close();

    const aged = modelPool({ min: 1, max: 1, maxLifetimeMs: 5_000 });
    const first = await aged.pool.use((m) => m.id);
    await aged.clock.advanceAsync(5_001);
    expect(await aged.pool.use((m) => m.id)).not.toBe(first);
    await aged.pool.close();
  });

  it('validate() false after validateAfterIdleMs replaces the resource', async () => {
    const { pool, clock, created, destroyed } = modelPool({ max: 1, validate: (m) => m.healthy, validateAfterIdleMs: 1_000 });
    const first = await pool.use((m) => m);
    first.healthy = false;
    await clock.advanceAsync(1_001);
    const second = await pool.use((m) => m);
    expect(second.id).not.toBe(first.id);
    expect(destroyed).toContain(first.id);
    expect(created).toHaveLength(2);
    await pool.close();
  });

  it.each([
    [{ max: 0 }, 'max'],
    [{ create: 'nope' }, 'create'],
    [{ capacityPerResource: 0 }, 'capacityPerResource'],
    [{ hotInstances: 9 }, 'hotInstances'],
  ])('bad option %j throws CONFIG_INVALID naming %s', (bad, field) => {
    let error: unknown;
    try {
      createResourcePool({ create: () => ({}), max: 2, ...(bad as object) } as ResourcePoolOptions<object>);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GempoolError);
    expect((error as GempoolError).code).toBe('CONFIG_INVALID');
    expect((error as GempoolError).message).toContain(`\`${field}\``);
  });

  it('acquire after close rejects with POOL_CLOSED', async () => {
    const { pool } = modelPool();
    await pool.close();
    expect(codeOf(await rejectionOf(pool.acquire()))).toBe('POOL_CLOSED');
  });
});
