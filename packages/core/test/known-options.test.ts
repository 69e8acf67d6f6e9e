// Unknown option keys are rejected at every level with their full path and a "did you mean";
// every documented key, at every level, is accepted.
import { describe, expect, it } from 'vitest';
import { ConfigError, createGeminiPool, type GeminiPoolOptions } from '@gempool/core';
import { createManualClock } from '@gempool/testing';

const ORIGIN = 'https://127.0.0.1:9';

function rejection(options: Record<string, unknown>): ConfigError {
  try {
    createGeminiPool({ origins: [ORIGIN], minConnections: 0, ...options } as GeminiPoolOptions);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the options were accepted');
}

describe('unknown option keys', () => {
  it('names the key and suggests the option it was meant to be', () => {
    expect(rejection({ maxConection: 5 }).message).toBe('Expected `maxConection` to be a known option (did you mean `maxConnections`?), got `5` (number)');
    expect(rejection({ retry: { maxAtempts: 3 } }).message).toBe('Expected `retry.maxAtempts` to be a known option (did you mean `maxAttempts`?), got `3` (number)');
  });

  it.each([
    [{ tls: { rejectUnathorized: false } }, 'tls.rejectUnathorized', 'rejectUnauthorized'],
    [{ lanes: { bulk: { priorty: 3 } } }, 'lanes.bulk.priorty', 'priority'],
    [{ lanes: { batch: { models: ['x'], queueTimeout: 5 } } }, 'lanes.batch.queueTimeout', 'queueTimeoutMs'],
    [{ breaker: { windowMS: 1_000 } }, 'breaker.windowMS', 'windowMs'],
    [{ tiers: { ultra: { fallback: 'gemini-2.5-pro' } } }, 'tiers.ultra.fallback', 'fallbackModel'],
    [{ tiers: { ultra: { breaker: { halfOpenProbe: 1 } } } }, 'tiers.ultra.breaker.halfOpenProbe', 'halfOpenProbes'],
    [{ tiers: { ultra: { retry: { maxAttempt: 1 } } } }, 'tiers.ultra.retry.maxAttempt', 'maxAttempts'],
    [{ coalesce: { window: 5 } }, 'coalesce.window', 'windowMs'],
    [{ batching: { maxBatch: 5 } }, 'batching.maxBatch', 'maxBatchSize'],
    [{ pools: { pro: { models: ['*-pro'], maxConnection: 5 } } }, 'pools.pro.maxConnection', 'maxConnections'],
    [{ autoscale: { ceil: 50 } }, 'autoscale.ceil', 'ceiling'],
    [{ regionHealth: { detectionWindow: 1_000 } }, 'regionHealth.detectionWindow', 'detectionWindowMs'],
    [{ quotas: { 'gemini-*': { rpn: 5 } } }, 'quotas["gemini-*"].rpn', 'rpm'],
    [{ sharedState: { redis: 'redis://127.0.0.1:9', keyprefix: 'x:' } }, 'sharedState.keyprefix', 'keyPrefix'],
  ])('%j → `%s`', (options, field, meant) => {
    const error = rejection(options);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', field });
    expect(error.message).toContain(`did you mean \`${meant}\`?`);
  });

  it('lists the known keys when nothing is close, and never echoes a string (it may be a credential)', () => {
    const error = rejection({ apiKey: 'AIza-not-for-your-eyes' });
    expect(error.field).toBe('apiKey');
    expect(error.message).toContain('one of `origins`, `minConnections`');
    expect(error.message).not.toContain('not-for-your-eyes');
  });
});

describe('every documented option', () => {
  it('is accepted at every level', async () => {
    const breaker = { enabled: true, windowMs: 10_000, errorThreshold: 0.5, minimumCalls: 10, latencyThresholdMs: 5_000, halfOpenAfterMs: 30_000, halfOpenProbes: 3 };
    const everything: Required<GeminiPoolOptions> = {
      origins: [ORIGIN],
      minConnections: 0,
      maxConnections: 10,
      connectTimeoutMs: 1_000,
      idleTimeoutMs: 1_000,
      maxLifetimeMs: 0,
      maxUsesPerConnection: 0,
      leakTimeoutMs: 0,
      http2: true,
      tls: { ca: 'pem', rejectUnauthorized: true, servername: 'localhost' },
      validateAfterIdleMs: 0,
      maxQueue: 100,
      queueTimeoutMs: 1_000,
      headersTimeoutMs: 1_000,
      bodyTimeoutMs: 1_000,
      lanes: { batch: { models: ['text-embedding-*'], priority: 5, reservedShare: 0.1, maxQueue: 10, queueTimeoutMs: 1_000 } },
      breaker,
      tiers: { ultra: { models: ['*ultra*'], breaker, retry: { maxAttempts: 2 }, fallbackModel: 'gemini-2.5-pro' } },
      retry: {
        enabled: true, maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100, quickBaseDelayMs: 1, quickMaxDelayMs: 10,
        honorRetryInfo: true, maxRetryInfoDelayMs: 1_000, budgetRatio: 0.2, budgetMinPerSecond: 3, budgetWindowMs: 10_000,
      },
      coalesce: { enabled: true, windowMs: 100, streaming: false },
      batching: { enabled: true, windowMs: 10, maxBatchSize: 100 },
      regions: ['us-central1'],
      resolveRegion: () => ORIGIN,
      regionHealth: { detectionWindowMs: 30_000, errorThreshold: 0.5, minimumCalls: 5, quotaCooldownMs: 1_000 },
      apiVersions: { v1: 100 },
      pools: { pro: { models: ['*-pro'], minConnections: 0, maxConnections: 5, ceiling: 10 } },
      autoscale: {
        enabled: true, scaleUpUtilization: 0.8, scaleUpAfterMs: 60_000, scaleUpFactor: 0.2, scaleDownUtilization: 0.3,
        scaleDownAfterMs: 300_000, scaleDownFactor: 0.1, ceiling: 20, sampleIntervalMs: 1_000,
      },
      quotas: { 'gemini-*': { rpm: 100, tpm: 100_000 } },
      sharedState: { redis: 'redis://127.0.0.1:9', keyPrefix: 'test:' },
      clock: createManualClock(),
    };
    const pool = createGeminiPool(everything);
    await pool.close({ timeoutMs: 100 });
  });
});
