// fast-check arbitraries for createGeminiPool options: every documented field, each one either a
// plausible value or junk (wrong types, negatives, NaN, ±Infinity, huge numbers, symbols, bigints,
// functions, nested objects), plus unknown keys. Origins and Redis URLs stay on loopback so a pool
// that does get built can never reach the network.
import fc from 'fast-check';
import { createManualClock } from '@gempool/testing';

export const LOOPBACK_ORIGIN = 'https://127.0.0.1:9';

export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, NaN, Infinity, -Infinity, -1, 0, 0.5, 1.5, 2 ** 53, -(2 ** 31), Number.MAX_VALUE, '', 'x', '10', true, false, [], {}),
  fc.constant(Symbol('junk')),
  fc.constant(() => 1),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
);

const num = fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.double({ min: 0, max: 1, noNaN: true }), junk);
const bool = fc.oneof(fc.boolean(), junk);
const text = fc.oneof(fc.string({ maxLength: 12 }), junk);
const patterns = fc.oneof(fc.array(fc.oneof(fc.constantFrom<unknown>('gemini-*', '*-pro', 'gemini-2.5-flash', /flash/), junk), { maxLength: 3 }), junk);

/** A record whose every key is optional, or junk in its place. */
function shape(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  return fc.oneof(fc.record(fields, { requiredKeys: [] }), junk);
}

function named(names: string[], value: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 3 }), junk);
}

const breaker = shape({
  enabled: bool,
  windowMs: num,
  errorThreshold: num,
  minimumCalls: num,
  latencyThresholdMs: num,
  halfOpenAfterMs: num,
  halfOpenProbes: num,
});

const poolFields = {
  origins: fc.oneof(
    fc.constant([LOOPBACK_ORIGIN]),
    fc.array(fc.oneof(fc.constantFrom<unknown>(LOOPBACK_ORIGIN, 'http://127.0.0.1:9', 'ftp://127.0.0.1', 'https://127.0.0.1/path', 'not a url'), junk), { maxLength: 2 }),
    junk,
  ),
  minConnections: num,
  maxConnections: num,
  connectTimeoutMs: num,
  idleTimeoutMs: num,
  maxLifetimeMs: num,
  maxUsesPerConnection: num,
  leakTimeoutMs: num,
  http2: bool,
  tls: shape({ ca: text, rejectUnauthorized: bool, servername: text }),
  validateAfterIdleMs: num,
  maxQueue: num,
  queueTimeoutMs: num,
  headersTimeoutMs: num,
  bodyTimeoutMs: num,
  lanes: named(['critical', 'standard', 'bulk', 'custom'], shape({ models: patterns, priority: num, reservedShare: num, maxQueue: num, queueTimeoutMs: num })),
  breaker,
  tiers: named(['ultra', 'pro'], shape({ models: patterns, breaker, retry: shape({ maxAttempts: num }), fallbackModel: text })),
  retry: shape({
    enabled: bool,
    maxAttempts: num,
    baseDelayMs: num,
    maxDelayMs: num,
    quickBaseDelayMs: num,
    quickMaxDelayMs: num,
    honorRetryInfo: bool,
    maxRetryInfoDelayMs: num,
    budgetRatio: num,
    budgetMinPerSecond: num,
    budgetWindowMs: num,
  }),
  coalesce: fc.oneof(fc.constant(false), shape({ enabled: bool, windowMs: num, streaming: bool })),
  batching: fc.oneof(fc.constant(false), shape({ enabled: bool, windowMs: num, maxBatchSize: num })),
  regions: fc.oneof(fc.array(fc.oneof(fc.constantFrom<unknown>('us-central1', 'europe-west4', 'not a region'), junk), { maxLength: 3 }), junk),
  resolveRegion: fc.oneof(
    fc.constant(() => LOOPBACK_ORIGIN),
    fc.constant(() => 'not a url'),
    fc.constant(() => {
      throw new Error('resolver failed');
    }),
    junk,
  ),
  regionHealth: shape({ detectionWindowMs: num, errorThreshold: num, minimumCalls: num, quotaCooldownMs: num }),
  apiVersions: named(['v1', 'v1beta'], num),
  pools: named(['pro', 'flash'], shape({ models: patterns, minConnections: num, maxConnections: num, ceiling: num })),
  autoscale: fc.oneof(
    fc.constant(false),
    shape({
      enabled: bool,
      scaleUpUtilization: num,
      scaleUpAfterMs: num,
      scaleUpFactor: num,
      scaleDownUtilization: num,
      scaleDownAfterMs: num,
      scaleDownFactor: num,
      ceiling: num,
      sampleIntervalMs: num,
    }),
  ),
  quotas: named(['gemini-*', 'gemini-2.5-pro'], shape({ rpm: num, tpm: num })),
  sharedState: shape({ redis: fc.oneof(fc.constantFrom<unknown>('redis://127.0.0.1:9', 'http://127.0.0.1:9', ''), junk), keyPrefix: text }),
  clock: fc.oneof(
    fc.constant(null).map(() => createManualClock()),
    junk,
  ),
};

export const KNOWN_FIELDS: readonly string[] = Object.keys(poolFields);

/** Option objects: a few documented fields (valid or junk) and sometimes unknown keys (rejected by name). */
export const poolOptions: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.record(poolFields, { requiredKeys: [] }),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }).filter((key) => !(key in poolFields) && key !== '__proto__'), junk, { maxKeys: 2 }),
  )
  .map(([fields, unknown]) => ({ origins: [LOOPBACK_ORIGIN], ...unknown, ...fields }));

/**
 * One documented field (valid or junk) over an otherwise valid object, so fields validated late
 * (regions, quotas, sharedState…) are reached as often as the first ones.
 */
export const singleFieldOptions: fc.Arbitrary<Record<string, unknown>> = fc
  .constantFrom(...KNOWN_FIELDS)
  .chain((field) => (poolFields as Record<string, fc.Arbitrary<unknown>>)[field]!.map((value) => ({ origins: [LOOPBACK_ORIGIN], minConnections: 0, [field]: value })));
