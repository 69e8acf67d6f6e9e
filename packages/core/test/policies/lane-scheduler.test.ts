import { describe, expect, it } from 'vitest';
import { createManualClock } from '@gempool/testing';
import { QueueFullError, QueueTimeoutError } from '@gempool/core';
import type { SlotWaiter } from '../../src/resource-pool/slot-scheduler.js';
import { LaneScheduler } from '../../src/policies/lane-scheduler.js';
import { LeaseLaneOccupancy } from '../../src/policies/lane-occupancy.js';
import { resolvePolicyOptions } from '../../src/policies/validate-policy-options.js';

interface TestWaiter extends SlotWaiter {
  name: string;
}

function setup(lanes = {}) {
  const clock = createManualClock();
  const occupancy = new LeaseLaneOccupancy();
  const config = resolvePolicyOptions({ lanes });
  const scheduler = new LaneScheduler(config.lanes, config.defaultLane, clock, occupancy);
  let next = 0;
  const waiter = (lane: string, name: string, priority = 0): TestWaiter => ({ lane, name, priority, deadline: undefined, signal: undefined, enqueuedAt: clock.now() });
  /** Pretends a call of `lane` holds a slot. */
  const hold = (lane: string) => {
    const id = ++next;
    occupancy.callStarted(id, lane);
    occupancy.leaseAcquired(id);
    return () => occupancy.leaseReleased(id);
  };
  return { clock, scheduler, waiter, hold, occupancy };
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
    const { scheduler, waiter } = setup({ bulk: { maxQueue: 1 } });
    scheduler.enqueue(waiter('bulk', 'b1'));
    expect(() => scheduler.enqueue(waiter('bulk', 'b2'))).toThrow(QueueFullError);
    scheduler.enqueue(waiter('standard', 's1'));
    expect(scheduler.stats().bulk).toMatchObject({ queued: 1, rejected: 1 });
  });

  it('abandons a waiter past its lane queueTimeoutMs through the pool', () => {
    const { clock, scheduler, waiter } = setup({ bulk: { queueTimeoutMs: 500 } });
    const given: unknown[] = [];
    const w = Object.assign(waiter('bulk', 'b1'), { pool: { abandon: (x: SlotWaiter, error: unknown) => (scheduler.remove(x as TestWaiter), given.push(error)) } });
    scheduler.enqueue(w);
    clock.advance(499);
    expect(given).toEqual([]);
    clock.advance(1);
    expect(given[0]).toBeInstanceOf(QueueTimeoutError);
    expect(scheduler.size).toBe(0);
  });

  it('reports queue depth, in-flight slots and wait times per lane', () => {
    const { clock, scheduler, waiter, hold } = setup();
    const release = hold('standard');
    scheduler.enqueue(waiter('standard', 's1'));
    clock.advance(200);
    scheduler.next();
    expect(scheduler.stats().standard).toEqual({ queued: 0, inFlight: 1, admitted: 1, rejected: 0, meanWaitMs: 200, maxWaitMs: 200 });
    release();
    expect(scheduler.stats().standard!.inFlight).toBe(0);
  });
});
