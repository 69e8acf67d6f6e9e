import { describe, expect, it } from 'vitest';
import { createManualClock } from '@gempool/testing';
import { EndpointBreaker } from '../../src/policies/endpoint-breaker.js';
import { resolvePolicyOptions } from '../../src/policies/validate-policy-options.js';

function setup(overrides = {}) {
  const clock = createManualClock();
  const changes: string[] = [];
  const config = resolvePolicyOptions({ breaker: { minimumCalls: 4, halfOpenProbes: 2, ...overrides } }).breaker;
  const breaker = new EndpointBreaker('gemini-2.5-flash|-|v1', config, clock, (from, to, reason) => changes.push(`${from}>${to}:${reason}`));
  return { clock, breaker, changes };
}

describe('endpoint breaker', () => {
  it('trips when the error rate over the window exceeds the threshold, after the minimum volume', () => {
    const { breaker, changes } = setup();
    for (let i = 0; i < 3; i++) breaker.record(breaker.admit()!, 10, true);
    expect(breaker.state).toBe('closed'); // 3 calls < minimumCalls 4
    breaker.record(breaker.admit()!, 10, true);
    expect(breaker.state).toBe('open');
    expect(changes).toEqual(['closed>open:errors']);
    expect(breaker.admit()).toBeUndefined();
    expect(breaker.snapshot()).toMatchObject({ state: 'open', rejected: 1 });
  });

  it('does not trip at exactly the threshold', () => {
    const { breaker } = setup();
    for (let i = 0; i < 4; i++) breaker.record(breaker.admit()!, 10, i % 2 === 0);
    expect(breaker.state).toBe('closed');
  });

  it('trips on p99 latency alone when calls are slow but successful', () => {
    const { breaker, changes } = setup();
    for (let i = 0; i < 4; i++) breaker.record(breaker.admit()!, 6000, false);
    expect(changes).toEqual(['closed>open:latency']);
  });

  it('half-opens after halfOpenAfterMs on the clock, admits limited probes, closes on success', () => {
    const { clock, breaker, changes } = setup();
    for (let i = 0; i < 4; i++) breaker.record(breaker.admit()!, 10, true);
    clock.advance(29_999);
    expect(breaker.state).toBe('open');
    clock.advance(1);
    expect(breaker.state).toBe('half-open');
    const probes = [breaker.admit(), breaker.admit(), breaker.admit()];
    expect(probes).toEqual(['probe', 'probe', undefined]);
    breaker.record('probe', 10, false);
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual(['closed>open:errors', 'open>half-open:timeout', 'half-open>closed:probe-success']);
    // The old window is forgotten: one more failure does not trip.
    breaker.record(breaker.admit()!, 10, true);
    expect(breaker.state).toBe('closed');
  });

  it('re-opens when a probe fails and waits a full halfOpenAfterMs again', () => {
    const { clock, breaker, changes } = setup();
    for (let i = 0; i < 4; i++) breaker.record(breaker.admit()!, 10, true);
    clock.advance(30_000);
    breaker.record(breaker.admit()!, 10, true);
    expect(breaker.state).toBe('open');
    clock.advance(20_000);
    expect(breaker.admit()).toBeUndefined();
    clock.advance(10_000);
    expect(breaker.admit()).toBe('probe');
    expect(changes.slice(-3)).toEqual(['open>half-open:timeout', 'half-open>open:probe-failure', 'open>half-open:timeout']);
  });

  it('gives a probe slot back when the probe never reached the endpoint', () => {
    const { clock, breaker } = setup({ halfOpenProbes: 1 });
    for (let i = 0; i < 4; i++) breaker.record(breaker.admit()!, 10, true);
    clock.advance(30_000);
    expect(breaker.admit()).toBe('probe');
    expect(breaker.admit()).toBeUndefined();
    breaker.releaseProbe();
    expect(breaker.admit()).toBe('probe');
  });
});
