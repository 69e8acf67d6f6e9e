import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS } from '@gempool/core';
import { resolvePolicyOptions } from '../../src/policies/validate-policy-options.js';

describe('policy options', () => {
  it('resolves the seed defaults', () => {
    const config = resolvePolicyOptions({});
    expect(config.breaker).toEqual({ ...DEFAULTS.breaker });
    expect(config.lanes.map((lane) => lane.name)).toEqual(['critical', 'standard', 'bulk']);
    expect(config.coalesce).toEqual({ enabled: true, windowMs: 100, streaming: false });
    const ultra = config.tiers.find((tier) => tier.name === 'ultra')!;
    expect(ultra).toMatchObject({ maxAttempts: 2, breaker: { errorThreshold: 0.3, latencyThresholdMs: 8000, minimumCalls: 5 } });
  });

  it('merges lanes and tiers by name and never writes to the caller object', () => {
    const options = Object.freeze({ lanes: Object.freeze({ bulk: Object.freeze({ maxQueue: 50 }) }), tiers: { ultra: { fallbackModel: 'gemini-2.5-pro' } } });
    const config = resolvePolicyOptions(options);
    expect(config.lanes.find((lane) => lane.name === 'bulk')).toMatchObject({ maxQueue: 50, priority: 10 });
    expect(config.tiers.find((tier) => tier.name === 'ultra')).toMatchObject({ fallbackModel: 'gemini-2.5-pro', maxAttempts: 2 });
  });

  it('rejects bad values naming the field, expectation and value', () => {
    expect(() => resolvePolicyOptions({ breaker: { errorThreshold: 1.5 } })).toThrow('Expected `breaker.errorThreshold` to be a fraction from 0 to 1, got `1.5` (number)');
    expect(() => resolvePolicyOptions({ retry: { maxAttempts: 0 } })).toThrow(ConfigError);
    expect(() => resolvePolicyOptions({ retry: { baseDelayMs: 10, maxDelayMs: 5 } })).toThrow('retry.maxDelayMs');
    expect(() => resolvePolicyOptions({ lanes: { a: { reservedShare: 0.9 } } })).toThrow('lanes.*.reservedShare');
    expect(() => resolvePolicyOptions({ tiers: { ultra: { models: 'x' as never } } })).toThrow('tiers.ultra.models');
    expect(() => resolvePolicyOptions({ batching: { maxBatchSize: 500 } })).toThrow('batching.maxBatchSize');
    expect(() => resolvePolicyOptions({ coalesce: { streaming: true } })).toThrow('coalesce.streaming');
  });
});
