import { describe, expect, it } from 'vitest';
import { ConfigError } from '@gempool/core';
import { createCostCalculator, instrumentGempool } from '@gempool/otel';
import { ScriptedPool, usage } from './helpers/scripted-pool.js';

describe('cost', () => {
  it('prices input, cached input and output tokens per million', () => {
    const cost = createCostCalculator();
    // gemini-2.5-pro: $1.25 in, $0.125 cached, $10 out per million.
    expect(cost.costOf('gemini-2.5-pro', usage(1_000_000, 0))).toBeCloseTo(1.25, 12);
    expect(cost.costOf('gemini-2.5-pro', usage(1_000_000, 1_000_000, 400_000))).toBeCloseTo(0.6 * 1.25 + 0.4 * 0.125 + 10, 12);
    expect(cost.costOf('models/gemini-2.5-flash-lite-preview-09-2025', usage(1_000_000, 0))).toBeCloseTo(0.1, 12);
  });

  it('lets options override or add models, and gives undefined for unknown models instead of a guess', () => {
    const cost = createCostCalculator({ 'gemini-2.5-pro': { inputPerMillion: 2, outputPerMillion: 20 }, 'my-tuned-*': { inputPerMillion: 1, outputPerMillion: 1 } });
    expect(cost.costOf('gemini-2.5-pro', usage(500_000, 500_000))).toBeCloseTo(11, 12);
    expect(cost.costOf('my-tuned-model', usage(1_000_000, 0))).toBeCloseTo(1, 12);
    expect(cost.costOf('somebody-elses-model', usage(1_000_000, 0))).toBeUndefined();
  });

  it('rejects a negative or missing price with a ConfigError naming the entry', () => {
    expect(() => createCostCalculator({ 'gemini-x': { inputPerMillion: -1, outputPerMillion: 1 } })).toThrow(ConfigError);
    expect(() => createCostCalculator({ 'gemini-x': { inputPerMillion: 1 } as never })).toThrow('prices["gemini-x"].outputPerMillion');
  });
});

describe('instrumentGempool options', () => {
  it('rejects what is not a pool and bad option types', () => {
    expect(() => instrumentGempool({} as never)).toThrow('`pool`');
    expect(() => instrumentGempool(new ScriptedPool(), { recordContent: 'yes' as never })).toThrow('`recordContent`');
    expect(() => instrumentGempool(new ScriptedPool(), { ledger: 'file' as never })).toThrow('`ledger`');
  });

  it('unsubscribes on shutdown: later events are ignored', async () => {
    const pool = new ScriptedPool();
    const instrumentation = instrumentGempool(pool);
    expect(pool.has('call-end')).toBe(true);
    await instrumentation.shutdown();
    expect(pool.has('call-end')).toBe(false);
    expect(pool.has('call-start')).toBe(false);
  });
});
