// Routing and scaling options are checked at construction; a bad value is a ConfigError naming the field.
import { describe, expect, it } from 'vitest';
import { ConfigError, createGeminiPool, type GeminiPoolOptions } from '@gempool/core';

function fieldOf(options: GeminiPoolOptions): string | undefined {
  try {
    createGeminiPool({ ...options, autoscale: options.autoscale ?? false }).close();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).field;
  }
  return undefined;
}

describe('routing options', () => {
  it.each<[string, GeminiPoolOptions, string]>([
    ['empty regions', { regions: [] }, 'regions'],
    ['duplicate region', { regions: ['us-central1', 'us-central1'] }, 'regions[1]'],
    ['region not a name', { regions: ['us-central1', 'https://x'] }, 'regions[1]'],
    ['resolveRegion without regions', { resolveRegion: () => 'http://127.0.0.1:1' }, 'resolveRegion'],
    ['resolveRegion answering a path', { regions: ['us-central1'], resolveRegion: () => 'http://127.0.0.1:1/v1' }, 'resolveRegion("us-central1")'],
    ['regionHealth threshold above 1', { regions: ['us-central1'], regionHealth: { errorThreshold: 1.5 } }, 'regionHealth.errorThreshold'],
    ['split not summing to 100', { apiVersions: { v1: 90, v1beta: 20 } }, 'apiVersions'],
    ['split with a bad version key', { apiVersions: { stable: 100 } }, 'apiVersions.stable'],
    ['negative percentage', { apiVersions: { v1: 100, v1beta: -10 } }, 'apiVersions.v1beta'],
    ['pool without models', { pools: { pro: { models: [] } } }, 'pools.pro.models'],
    ['pool with an empty pattern', { pools: { pro: { models: ['gemini-*-pro', ''] } } }, 'pools.pro.models[1]'],
    ['pool min above max', { pools: { pro: { models: ['*pro*'], minConnections: 5, maxConnections: 2 } } }, 'pools.pro.minConnections'],
    ['pool named default', { pools: { default: { models: ['*pro*'] } } }, 'pools.default'],
    ['pool named like a version', { apiVersions: { v1: 100 }, pools: { v1: { models: ['*pro*'] } } }, 'pools.v1'],
    ['pool ceiling below its max', { pools: { pro: { models: ['*pro*'], maxConnections: 10, ceiling: 5 } } }, 'pools.pro.ceiling'],
    ['autoscale threshold of 1', { autoscale: { scaleUpUtilization: 1 } }, 'autoscale.scaleUpUtilization'],
    ['autoscale down above up', { autoscale: { scaleUpUtilization: 0.5, scaleDownUtilization: 0.6 } }, 'autoscale.scaleDownUtilization'],
    ['autoscale ceiling below max', { maxConnections: 50, autoscale: { ceiling: 40 } }, 'autoscale.ceiling'],
    ['autoscale not an object', { autoscale: 'on' as never }, 'autoscale'],
  ])('rejects %s', (_name, options, field) => {
    expect(fieldOf(options)).toBe(field);
  });

  it('accepts the issue example and shows it in stats()', async () => {
    const pool = createGeminiPool({
      minConnections: 0,
      regions: ['us-central1', 'europe-west4', 'asia-northeast1'],
      apiVersions: { v1: 90, v1beta: 10 },
      pools: { pro: { models: ['gemini-*-pro*'], minConnections: 0, maxConnections: 50 }, ultra: { models: ['*ultra*'], maxConnections: 30 } },
    });
    const stats = pool.stats();
    expect(Object.keys(stats.regions as object)).toEqual(['us-central1', 'europe-west4', 'asia-northeast1']);
    expect(stats.trafficSplit).toEqual({ split: { v1: 90, v1beta: 10 }, calls: {} });
    expect(Object.keys(stats.pools as object)).toEqual(['default', 'v1', 'v1beta', 'pro', 'ultra']);
    expect((stats.autoscale as { pools: Record<string, { ceiling: number }> }).pools.ultra!.ceiling).toBe(60);
    expect(() => pool.setTrafficSplit({ v1: 50, v1beta: 40 })).toThrow(ConfigError);
    expect(() => pool.setTrafficSplit({ v1: 50, v1alpha: 50 })).toThrow(/versions given at construction/);
    await pool.close();
  });
});
