// Waiting for capacity that is being created: a call the resources being opened will serve waits
// outside `maxQueue` (bounded by queueTimeoutMs); `maxQueue` bounds only the calls beyond them, and
// a pool that is genuinely saturated still says QUEUE_FULL. Exercised on the SlotPool both the
// connection pool and createResourcePool lease through, with resources the test creates by hand.
import { describe, expect, it } from 'vitest';
import { createManualClock } from '@gempool/testing';
import { isGempoolError } from '../../src/index.js';
import { SlotPool, type Slot, type SlotPoolOptions } from '../../src/resource-pool/slot-pool.js';
import { FifoSlotScheduler } from '../../src/resource-pool/slot-scheduler.js';

interface Pending {
  resolve(capacity?: number): void;
  reject(error: Error): void;
}

/** A SlotPool whose creates wait until the test settles them (`pending`), in creation order. */
function handPool(options: Partial<SlotPoolOptions<number>> & { maxQueue?: number } = {}) {
  const clock = createManualClock(0);
  const pending: Pending[] = [];
  let next = 0;
  const { maxQueue = 1, ...rest } = options;
  const pool = new SlotPool<number>(
    {
      name: 'hand',
      min: 0,
      max: 2,
      create: () =>
        new Promise((resolve, reject) => {
          const id = ++next;
          pending.push({ resolve: (capacity) => resolve({ resource: id, ...(capacity === undefined ? {} : { capacity }) }), reject });
        }),
      destroy: () => undefined,
      capacityPerResource: 2,
      idleTimeoutMs: 60_000,
      maxLifetimeMs: 0,
      maxUses: 0,
      validateAfterIdleMs: 60_000,
      queueTimeoutMs: 1_000,
      preOpenAtLoad: 0,
      clock,
      ...rest,
    },
    new FifoSlotScheduler('hand', maxQueue),
  );
  return { pool, clock, pending };
}

const outcome = (acquired: Promise<Slot<number>> | Slot<number>) =>
  Promise.resolve(acquired).then(
    (slot) => slot,
    (error: unknown) => (isGempoolError(error) ? error.code : String(error)),
  );
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('admission while resources are being created', () => {
  it('calls the resources being created will serve wait outside maxQueue; are counted as queued; get a slot when they open', async () => {
    const { pool, pending } = handPool({ maxQueue: 1 });
    const calls = [1, 2, 3, 4].map(() => outcome(pool.acquire()));
    expect(pending).toHaveLength(2); // max 2, each with 2 slots: room for all four
    expect(pool.queued).toBe(4);
    for (const create of pending) create.resolve();
    const slots = (await Promise.all(calls)) as Slot<number>[];
    expect(slots.map((slot) => slot.resource).sort()).toEqual([1, 1, 2, 2]);
    expect(pool.queued).toBe(0);
    for (const slot of slots) slot.release();
    await pool.close();
  });

  it('a genuinely saturated pool still rejects with QUEUE_FULL: maxQueue bounds the calls beyond the capacity on its way', async () => {
    const { pool, pending } = handPool({ maxQueue: 1 });
    const served = [1, 2, 3, 4].map(() => outcome(pool.acquire()));
    const queued = outcome(pool.acquire()); // beyond what the two resources will serve: the bounded queue
    expect(await outcome(pool.acquire())).toBe('QUEUE_FULL');
    for (const create of pending) create.resolve();
    const slots = (await Promise.all(served)) as Slot<number>[];
    expect(pool.queued).toBe(1);
    slots[0]!.release();
    const late = (await queued) as Slot<number>;
    expect(late.resource).toBe(slots[0]!.resource);
    for (const slot of [...slots.slice(1), late]) slot.release();
    await pool.close();
  });

  it('waiting for a resource being created is bounded by queueTimeoutMs (QUEUE_TIMEOUT) and by an abort (ABORTED)', async () => {
    const { pool, clock, pending } = handPool();
    const controller = new AbortController();
    const timedOut = outcome(pool.acquire());
    const aborted = outcome(pool.acquire({ signal: controller.signal }));
    expect(pool.queued).toBe(2);
    controller.abort();
    expect(await aborted).toBe('ABORTED');
    expect(pool.queued).toBe(1);
    await clock.advanceAsync(1_000);
    expect(await timedOut).toBe('QUEUE_TIMEOUT');
    expect(pool.queued).toBe(0);
    for (const create of pending) create.resolve();
    await flush();
    await pool.close();
  });

  it('resources that offer fewer slots than expected move the excess waiters into the bounded queue (QUEUE_FULL past it)', async () => {
    // Expected 4 slots each (an HTTP/2 guess before the server said otherwise); each offers 1.
    const { pool, pending } = handPool({ max: 1, expectedCapacity: () => 4, maxQueue: 1 });
    const calls = [1, 2, 3, 4].map(() => outcome(pool.acquire()));
    expect(pool.queued).toBe(4);
    pending[0]!.resolve(1);
    const [first, second, third, fourth] = await Promise.all([calls[0], calls[2], calls[3], flush().then(() => pool.queued)]);
    expect((first as Slot<number>).resource).toBe(1);
    // The oldest waiter stays first in line; the newest ones overflow into the queue of one.
    expect([second, third]).toEqual(['QUEUE_FULL', 'QUEUE_FULL']);
    expect(fourth).toBe(1);
    (first as Slot<number>).release();
    const next = (await calls[1]) as Slot<number>;
    expect(next.resource).toBe(1);
    next.release();
    await pool.close();
  });

  it('a create that fails with nothing else open or opening fails its waiters with the error', async () => {
    const { pool, pending } = handPool({ max: 1 });
    const calls = [1, 2].map(() => outcome(pool.acquire()));
    pending[0]!.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    expect(await Promise.all(calls)).toEqual(['Error: refused', 'Error: refused']);
    expect(pool.queued).toBe(0);
    await pool.close();
  });

  it('close() rejects calls waiting for a resource being created with POOL_CLOSED', async () => {
    const { pool, pending } = handPool();
    const waiting = outcome(pool.acquire());
    const closed = pool.close(10);
    expect(await waiting).toBe('POOL_CLOSED');
    for (const create of pending) create.resolve();
    await closed;
  });
});
