// Autoscaler under a manual clock, against a group whose load the test sets: scale up after 60 s
// above 80 %, down after 5 min below 30 %, bounded, one event per change, no oscillation.
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/defaults.js';
import { TypedEmitter, type AutoscaleEvent } from '../../src/events.js';
import type { OriginStats } from '../../src/transport/origin-pool.js';
import { createManualClock } from '@gempool/testing';
import { Autoscaler, type ScalableGroup } from '../../src/routing/autoscaler.js';

/** A group of HTTP/1.1 connections (one slot each) carrying `demand` calls. */
class LoadedGroup implements ScalableGroup {
  readonly name = 'default';
  demand = 0;
  constructor(public maxConnections: number) {}
  setMaxConnections(max: number): void {
    this.maxConnections = max;
  }
  stats(): Record<string, OriginStats> {
    const inFlight = Math.min(this.demand, this.maxConnections);
    const origin = { pool: this.name, httpVersion: '1.1', open: inFlight, idle: 0, busy: inFlight, connecting: 0, created: 0, destroyed: 0, tlsHandshakes: 0 } as const;
    return { 'https://a': { ...origin, inFlight, queued: this.demand - inFlight, min: 1, max: this.maxConnections, streamsPerConnection: 1, utilization: 0 } };
  }
}

function setup(max: number, ceiling = max * 2, floor = 10) {
  const clock = createManualClock(0);
  const emitter = new TypedEmitter();
  const events: AutoscaleEvent[] = [];
  emitter.on('autoscale', (event) => events.push(event));
  const group = new LoadedGroup(max);
  const scaler = new Autoscaler({ ...DEFAULTS.autoscale, ceiling }, clock, emitter);
  scaler.add(group, floor, ceiling);
  scaler.start();
  return { clock, group, events, scaler };
}

describe('Autoscaler', () => {
  it('raises the maximum by 20 % after 60 s above 80 %, not before', () => {
    const { clock, group, events, scaler } = setup(100);
    group.demand = 90;
    clock.advance(59_000);
    expect(group.maxConnections).toBe(100);
    clock.advance(2_000);
    expect(group.maxConnections).toBe(120);
    expect(events).toEqual([{ pool: 'default', origin: 'https://a', from: 100, to: 120, utilization: 0.9, direction: 'up' }]);
    expect(scaler.stats().default).toMatchObject({ max: 120, ceiling: 200, scaledUp: 1, scaledDown: 0 });
    scaler.stop();
  });

  it('a dip below the threshold restarts the 60 s streak', () => {
    const { clock, group, scaler } = setup(100);
    group.demand = 90;
    clock.advance(50_000);
    group.demand = 50;
    clock.advance(2_000);
    group.demand = 90;
    clock.advance(50_000);
    expect(group.maxConnections).toBe(100);
    clock.advance(15_000);
    expect(group.maxConnections).toBe(120);
    scaler.stop();
  });

  it('lowers the maximum by 10 % after 5 min below 30 %, never under the floor', () => {
    const { clock, group, events, scaler } = setup(12, 24, 10);
    group.demand = 1;
    clock.advance(299_000);
    expect(group.maxConnections).toBe(12);
    clock.advance(2_000);
    expect(group.maxConnections).toBe(10);
    clock.advance(3_600_000);
    expect(group.maxConnections).toBe(10);
    expect(events.map((event) => [event.from, event.to, event.direction])).toEqual([[12, 10, 'down']]);
    scaler.stop();
  });

  it('stops at the ceiling under overload', () => {
    const { clock, group, events, scaler } = setup(100, 150);
    group.demand = 10_000;
    clock.advance(30 * 60_000);
    expect(group.maxConnections).toBe(150);
    expect(events.map((event) => event.to)).toEqual([120, 144, 150]);
    scaler.stop();
  });

  it('does not oscillate under a steady load', () => {
    for (const demand of [85, 100, 130, 25, 40, 70]) {
      const { clock, group, events, scaler } = setup(100);
      group.demand = demand;
      clock.advance(2 * 3_600_000);
      const directions = events.map((event) => event.direction);
      // At most one direction over two hours, and it settles: no change in the last hour.
      expect(new Set(directions).size).toBeLessThanOrEqual(1);
      const settledAt = events.at(-1)?.to ?? 100;
      clock.advance(3_600_000);
      expect(group.maxConnections).toBe(settledAt);
      scaler.stop();
    }
  });

  it('stop() cancels its timer', () => {
    const { clock, scaler } = setup(100);
    expect(clock.pending()).toBe(1);
    scaler.stop();
    expect(clock.pending()).toBe(0);
  });
});
