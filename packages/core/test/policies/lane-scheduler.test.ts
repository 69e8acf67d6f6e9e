import { describe, expect, it } from 'vitest';
import { createManualClock } from '@gempool/testing';
import { QueueFullError, isGempoolError } from '@gempool/core';
import type { SlotWaiter } from '../../src/resource-pool/slot-scheduler.js';
import { LaneLedger } from '../../src/policies/lane-ledger.js';
import { LaneScheduler } from '../../src/policies/lane-scheduler.js';
import { LeaseLaneOccupancy } from '../../src/policies/lane-occupancy.js';
import { resolvePolicyOptions } from '../../src/policies/validate-policy-options.js';

interface TestWaiter extends SlotWaiter {
  name: string;
}

function setup(lanes = {}, pool: { maxQueue?: number; queueTimeoutMs?: number } = {}) {
  const clock = createManualClock();
  const occupancy = new LeaseLaneOccupancy();
  const config = resolvePolicyOptions({ lanes, ...pool });
  const ledger = new LaneLedger(config.lanes, config.maxQueue, clock, occupancy);
  const scheduler = new LaneScheduler(config.lanes, config.defaultLane, occupancy, ledger);
  let next = 0;
  const waiter = (lane: string, name: string, priority = 0): TestWaiter => ({ lane, name, priority, deadline: undefined, signal: undefined, enqueuedAt: clock.now() });
  /** Pretends a call of `lane` holds a slot. */
  const hold = (lane: string) => {
    const id = ++next;
    occupancy.callStarted(id, lane);
    occupancy.leaseAcquired(id);
    return () => occupancy.leaseReleased(id);
  };
  return { clock, scheduler, waiter, hold, occupancy, ledger, config };
}

describe('lane scheduler', () => {
  it('serves higher-priority lanes first, and higher call priority first inside a lane', () => {
    const { scheduler, waiter } = setup();
    for (const w of [waiter('bulk', 'b1'), waiter('standard', 's1'), waiter('critical', 'c1'), waiter('standard', 's2', 5), waiter('critical', 'c2')]) scheduler.enqueue(w);
    const order = [];
    for (let w = scheduler.next() as TestWaiter | undefined; w !== undefined; w = scheduler.next() as TestWaiter | undefined) order.push(w.name);
    expect(order).toEqual(['c1', 'c2', 's2', 's1', 'b1']);
  });

  it('gives a lane below its reserved share the freed slot even when a higher lane waits', () => {
    const { scheduler, waiter, hold } = setup();
    // 9 slots held by critical; standard (reservedShare 0.2) holds none of the 10.
    for (let i = 0; i < 9; i++) hold('critical');
    scheduler.enqueue(waiter('critical', 'c1'));
    scheduler.enqueue(waiter('standard', 's1'));
    expect((scheduler.next() as TestWaiter).name).toBe('s1');
    expect((scheduler.next() as TestWaiter).name).toBe('c1');
  });

  it('never lets a best-effort lane take a slot while a guaranteed lane waits', () => {
    const { scheduler, waiter, hold } = setup();
    for (let i = 0; i < 9; i++) hold('critical');
    scheduler.enqueue(waiter('bulk', 'b1'));
    scheduler.enqueue(waiter('critical', 'c1'));
    expect((scheduler.next() as TestWaiter).name).toBe('c1');
    expect((scheduler.next() as TestWaiter).name).toBe('b1');
  });

  it('rejects beyond a lane maxQueue and counts it', () => {
    const { scheduler, waiter, ledger } = setup({ bulk: { maxQueue: 1 } });
    scheduler.enqueue(waiter('bulk', 'b1'));
    expect(() => scheduler.enqueue(waiter('bulk', 'b2'))).toThrow(QueueFullError);
    scheduler.enqueue(waiter('standard', 's1'));
    expect(ledger.stats().bulk).toMatchObject({ queued: 1, rejected: { QUEUE_FULL: 1 } });
  });

  it('bounds the calls queued in all lanes and all slot queues together by the pool maxQueue', () => {
    const { scheduler, waiter, ledger, config, occupancy } = setup({}, { maxQueue: 2 });
    const otherOrigin = new LaneScheduler(config.lanes, config.defaultLane, occupancy, ledger);
    scheduler.enqueue(waiter('critical', 'c1'));
    otherOrigin.enqueue(waiter('bulk', 'b1'));
    const error = (() => {
      try {
        scheduler.enqueue(waiter('standard', 's1'));
      } catch (caught) {
        return caught;
      }
    })();
    expect(isGempoolError(error, 'QUEUE_FULL')).toBe(true);
    expect((error as QueueFullError).details).toMatchObject({ queue: 'pool', maxQueue: 2 });
    scheduler.next();
    scheduler.enqueue(waiter('standard', 's1'));
    expect(ledger.stats().standard).toMatchObject({ queued: 1, rejected: { QUEUE_FULL: 1 } });
  });

  it('lets a lane inherit the pool queue bounds unless the lane sets its own', () => {
    const { config } = setup({ bulk: { queueTimeoutMs: 120_000 } }, { maxQueue: 7, queueTimeoutMs: 1_000 });
    const byName = Object.fromEntries(config.lanes.map((lane) => [lane.name, lane]));
    expect(byName.standard).toMatchObject({ maxQueue: 7, queueTimeoutMs: 1_000 });
    expect(byName.critical).toMatchObject({ maxQueue: 7, queueTimeoutMs: 1_000 });
    // Its own timeout stands, longer than the pool's: no cap.
    expect(byName.bulk).toMatchObject({ maxQueue: 7, queueTimeoutMs: 120_000 });
  });

  it('counts a waiter given up on by the reason code and drops it from the queue', () => {
    const { scheduler, waiter, ledger } = setup();
    const w = waiter('bulk', 'b1');
    scheduler.enqueue(w);
    expect(scheduler.queueFor(w)).toMatchObject({ name: 'bulk' });
    expect(scheduler.remove(w, { code: 'QUEUE_TIMEOUT' })).toBe(true);
    expect(scheduler.remove(w, { code: 'QUEUE_TIMEOUT' })).toBe(false);
    expect(scheduler.size).toBe(0);
    expect(ledger.stats().bulk).toMatchObject({ queued: 0, rejected: { QUEUE_TIMEOUT: 1, QUEUE_FULL: 0 } });
  });

  it('reports admissions (queued or not) and p50/p95 queue waits over a recent window', () => {
    const { clock, ledger, occupancy } = setup();
    expect(Object.keys(ledger.stats())).toEqual(['critical', 'standard', 'bulk']);
    for (let i = 1; i <= 20; i++) {
      occupancy.callStarted(i, 'standard');
      const admitted = occupancy.leaseAcquired(i)!;
      ledger.admit(admitted.lane, i * 10, admitted.first);
    }
    // A retry's second slot is another wait, not another admitted call.
    occupancy.leaseReleased(1);
    ledger.admit('standard', 10, occupancy.leaseAcquired(1)!.first);
    expect(ledger.stats().standard).toMatchObject({ admitted: 20, inFlight: 20, waitP50Ms: 100, waitP95Ms: 190 });
    clock.advance(60_001);
    expect(ledger.stats().standard).toMatchObject({ admitted: 20, waitP50Ms: 0, waitP95Ms: 0 });
  });
});
