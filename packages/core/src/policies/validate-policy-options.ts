// Validates the policy options of createGeminiPool once, at construction, and resolves them over
// DEFAULTS into plain frozen config (the caller's objects are copied, never written to). Lanes and
// tiers merge by name over the default ones, so `lanes: { bulk: { maxQueue: 50 } }` changes one field.
import { ConfigError } from '../errors.js';
import { DEFAULTS } from '../defaults.js';
import { optionKeys, rejectUnknownKeys } from '../known-options.js';
import type { BatchingOptions, BreakerOptions, CoalesceOptions, GeminiPoolOptions, LaneOptions, ModelPattern, RetryOptions, TierOptions } from '../options.js';

// The keys each options object may have (anything else is rejected by name).
const BREAKER_KEYS = optionKeys<BreakerOptions>({ enabled: true, windowMs: true, errorThreshold: true, minimumCalls: true, latencyThresholdMs: true, halfOpenAfterMs: true, halfOpenProbes: true });
const RETRY_KEYS = optionKeys<RetryOptions>({
  enabled: true, maxAttempts: true, baseDelayMs: true, maxDelayMs: true, quickBaseDelayMs: true, quickMaxDelayMs: true,
  honorRetryInfo: true, maxRetryInfoDelayMs: true, budgetRatio: true, budgetMinPerSecond: true, budgetWindowMs: true,
});
const TIER_KEYS = optionKeys<TierOptions>({ models: true, breaker: true, retry: true, fallbackModel: true });
const TIER_RETRY_KEYS = optionKeys<NonNullable<TierOptions['retry']>>({ maxAttempts: true });
const LANE_KEYS = optionKeys<LaneOptions>({ models: true, priority: true, reservedShare: true, maxQueue: true, queueTimeoutMs: true });
const COALESCE_KEYS = optionKeys<CoalesceOptions>({ enabled: true, windowMs: true, streaming: true });
const BATCHING_KEYS = optionKeys<BatchingOptions>({ enabled: true, windowMs: true, maxBatchSize: true });

export interface ResolvedBreakerConfig {
  enabled: boolean;
  windowMs: number;
  errorThreshold: number;
  minimumCalls: number;
  latencyThresholdMs: number;
  halfOpenAfterMs: number;
  halfOpenProbes: number;
}

export interface ResolvedRetryConfig {
  enabled: boolean;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  quickBaseDelayMs: number;
  quickMaxDelayMs: number;
  honorRetryInfo: boolean;
  maxRetryInfoDelayMs: number;
  budgetRatio: number;
  budgetMinPerSecond: number;
  budgetWindowMs: number;
}

export interface ResolvedTier {
  name: string;
  models: ModelPattern[];
  breaker: ResolvedBreakerConfig;
  maxAttempts: number;
  fallbackModel: string | undefined;
}

export interface ResolvedLane {
  name: string;
  models: ModelPattern[];
  priority: number;
  reservedShare: number;
  maxQueue: number;
  queueTimeoutMs: number;
}

export interface ResolvedPolicyOptions {
  lanes: ResolvedLane[];
  /** The pool's bound on calls waiting in all lanes together (options.maxQueue). */
  maxQueue: number;
  defaultLane: string;
  breaker: ResolvedBreakerConfig;
  retry: ResolvedRetryConfig;
  tiers: ResolvedTier[];
  coalesce: { enabled: boolean; windowMs: number; streaming: boolean };
  batching: { enabled: boolean; windowMs: number; maxBatchSize: number };
}

type Check = (value: unknown) => boolean;
const nonNegative: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const positiveInt: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const nonNegativeInt: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const fraction: Check = (v) => typeof v === 'number' && v >= 0 && v <= 1;
const boolean: Check = (v) => typeof v === 'boolean';
const finite: Check = (v) => typeof v === 'number' && Number.isFinite(v);

/** Picks `key` from `given` (validated) or `fallback`. */
function pick<T>(given: object | undefined, key: string, fallback: T, check: Check, field: string, expected: string): T {
  const value = (given as Record<string, unknown> | undefined)?.[key];
  if (value === undefined) return fallback;
  if (!check(value)) throw new ConfigError(`${field}.${key}`, expected, value);
  return value as T;
}

/** `value` as an options object (undefined when not given) whose keys are all in `known`. */
function requireObject(value: unknown, field: string, known?: ReadonlySet<string>): object | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(field, 'an object', value);
  if (known !== undefined) rejectUnknownKeys(value, known, field);
  return value;
}

function resolvePatterns(value: unknown, fallback: readonly ModelPattern[], field: string): ModelPattern[] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || !value.every((p) => typeof p === 'string' || p instanceof RegExp)) {
    throw new ConfigError(field, 'an array of model names, globs or RegExps', value);
  }
  return [...value];
}

export function resolveBreaker(given: BreakerOptions | undefined, base: ResolvedBreakerConfig, field: string): ResolvedBreakerConfig {
  const g = requireObject(given, field, BREAKER_KEYS);
  const config = {
    enabled: pick(g, 'enabled', base.enabled, boolean, field, 'a boolean'),
    windowMs: pick(g, 'windowMs', base.windowMs, positiveInt, field, 'an integer number of ms from 1 and up'),
    errorThreshold: pick(g, 'errorThreshold', base.errorThreshold, fraction, field, 'a fraction from 0 to 1'),
    minimumCalls: pick(g, 'minimumCalls', base.minimumCalls, positiveInt, field, 'an integer from 1 and up'),
    latencyThresholdMs: pick(g, 'latencyThresholdMs', base.latencyThresholdMs, nonNegative, field, 'a number of ms from 0 (off) and up'),
    halfOpenAfterMs: pick(g, 'halfOpenAfterMs', base.halfOpenAfterMs, positiveInt, field, 'an integer number of ms from 1 and up'),
    halfOpenProbes: pick(g, 'halfOpenProbes', base.halfOpenProbes, positiveInt, field, 'an integer from 1 and up'),
  };
  return Object.freeze(config);
}

function resolveRetry(given: RetryOptions | undefined): ResolvedRetryConfig {
  const g = requireObject(given, 'retry', RETRY_KEYS);
  const d = DEFAULTS.retry;
  const ms = 'a number of ms from 0 and up';
  const config = {
    enabled: pick(g, 'enabled', d.enabled, boolean, 'retry', 'a boolean'),
    maxAttempts: pick(g, 'maxAttempts', d.maxAttempts, positiveInt, 'retry', 'an integer from 1 and up'),
    baseDelayMs: pick(g, 'baseDelayMs', d.baseDelayMs, nonNegative, 'retry', ms),
    maxDelayMs: pick(g, 'maxDelayMs', d.maxDelayMs, nonNegative, 'retry', ms),
    quickBaseDelayMs: pick(g, 'quickBaseDelayMs', d.quickBaseDelayMs, nonNegative, 'retry', ms),
    quickMaxDelayMs: pick(g, 'quickMaxDelayMs', d.quickMaxDelayMs, nonNegative, 'retry', ms),
    honorRetryInfo: pick(g, 'honorRetryInfo', d.honorRetryInfo, boolean, 'retry', 'a boolean'),
    maxRetryInfoDelayMs: pick(g, 'maxRetryInfoDelayMs', d.maxRetryInfoDelayMs, nonNegative, 'retry', ms),
    budgetRatio: pick(g, 'budgetRatio', d.budgetRatio, nonNegative, 'retry', 'a number from 0 and up'),
    budgetMinPerSecond: pick(g, 'budgetMinPerSecond', d.budgetMinPerSecond, nonNegative, 'retry', 'a number from 0 and up'),
    budgetWindowMs: pick(g, 'budgetWindowMs', d.budgetWindowMs, positiveInt, 'retry', 'an integer number of ms from 1 and up'),
  };
  if (config.maxDelayMs < config.baseDelayMs) throw new ConfigError('retry.maxDelayMs', `at least retry.baseDelayMs (${config.baseDelayMs})`, config.maxDelayMs);
  if (config.quickMaxDelayMs < config.quickBaseDelayMs) {
    throw new ConfigError('retry.quickMaxDelayMs', `at least retry.quickBaseDelayMs (${config.quickBaseDelayMs})`, config.quickMaxDelayMs);
  }
  return Object.freeze(config);
}

function resolveTiers(given: Record<string, TierOptions> | undefined, breaker: ResolvedBreakerConfig, retry: ResolvedRetryConfig): ResolvedTier[] {
  const g = requireObject(given, 'tiers') as Record<string, TierOptions> | undefined;
  const defaults = DEFAULTS.tiers as Record<string, { models: string[]; breaker: BreakerOptions; retry: { maxAttempts: number } }>;
  const names = new Set([...Object.keys(defaults), ...Object.keys(g ?? {})]);
  return [...names].map((name) => {
    const field = `tiers.${name}`;
    const tier = requireObject(g?.[name], field, TIER_KEYS) as TierOptions | undefined;
    const base = defaults[name];
    const baseBreaker = base === undefined ? breaker : resolveBreaker(base.breaker, breaker, field);
    const maxAttempts = pick(requireObject(tier?.retry, `${field}.retry`, TIER_RETRY_KEYS), 'maxAttempts', base === undefined ? retry.maxAttempts : Math.min(base.retry.maxAttempts, retry.maxAttempts), positiveInt, `${field}.retry`, 'an integer from 1 and up');
    const fallbackModel = pick<string | undefined>(tier, 'fallbackModel', undefined, (v) => typeof v === 'string' && v.length > 0, field, 'a model name');
    return Object.freeze({
      name,
      models: resolvePatterns(tier?.models, base?.models ?? [], `${field}.models`),
      breaker: resolveBreaker(tier?.breaker, baseBreaker, `${field}.breaker`),
      maxAttempts,
      fallbackModel,
    });
  });
}

/**
 * Lanes merge by name over DEFAULTS.lanes. A lane's `maxQueue` / `queueTimeoutMs` are its own when
 * set on that lane, else the pool's (`options.maxQueue` / `options.queueTimeoutMs`): one rule, no
 * caps between the two. The pool's maxQueue still bounds all lanes' queued calls together.
 */
function resolveLanes(given: Record<string, LaneOptions> | undefined, poolMaxQueue: number, poolQueueTimeoutMs: number): ResolvedLane[] {
  const g = requireObject(given, 'lanes') as Record<string, LaneOptions> | undefined;
  const defaults = DEFAULTS.lanes as Record<string, Pick<LaneOptions, 'maxQueue' | 'queueTimeoutMs'> & Required<Pick<LaneOptions, 'priority' | 'reservedShare'>> & { models: ModelPattern[] }>;
  const names = new Set([...Object.keys(defaults), ...Object.keys(g ?? {})]);
  const lanes = [...names].map((name) => {
    const field = `lanes.${name}`;
    const lane = requireObject(g?.[name], field, LANE_KEYS);
    const base = defaults[name] ?? { models: [], priority: 0, reservedShare: 0 };
    return Object.freeze({
      name,
      models: resolvePatterns((lane as LaneOptions | undefined)?.models, base.models, `${field}.models`),
      priority: pick(lane, 'priority', base.priority, finite, field, 'a finite number'),
      reservedShare: pick(lane, 'reservedShare', base.reservedShare, fraction, field, 'a fraction from 0 to 1'),
      maxQueue: pick(lane, 'maxQueue', base.maxQueue ?? poolMaxQueue, nonNegativeInt, field, 'an integer from 0 and up'),
      queueTimeoutMs: pick(lane, 'queueTimeoutMs', base.queueTimeoutMs ?? poolQueueTimeoutMs, positiveInt, field, 'an integer number of ms from 1 and up'),
    });
  });
  const reserved = lanes.reduce((sum, lane) => sum + lane.reservedShare, 0);
  if (reserved > 1 + 1e-9) throw new ConfigError('lanes.*.reservedShare', 'shares that add up to at most 1', reserved);
  // Higher priority first; the scheduler walks lanes in this order.
  return lanes.sort((a, b) => b.priority - a.priority);
}

export function resolvePolicyOptions(options: GeminiPoolOptions = {}): ResolvedPolicyOptions {
  const breaker = resolveBreaker(options.breaker, DEFAULTS.breaker, 'breaker');
  const retry = resolveRetry(options.retry);
  const coalesce = options.coalesce === false ? { enabled: false } : requireObject(options.coalesce, 'coalesce', COALESCE_KEYS);
  const batching = options.batching === false ? { enabled: false } : requireObject(options.batching, 'batching', BATCHING_KEYS);
  // The transport validated these (createGeminiPool passes them resolved); defaults otherwise.
  const maxQueue = options.maxQueue ?? DEFAULTS.maxQueue;
  return Object.freeze({
    lanes: resolveLanes(options.lanes, maxQueue, options.queueTimeoutMs ?? DEFAULTS.queueTimeoutMs),
    maxQueue,
    defaultLane: DEFAULTS.defaultLane,
    breaker,
    retry,
    tiers: resolveTiers(options.tiers, breaker, retry),
    coalesce: Object.freeze({
      enabled: pick(coalesce, 'enabled', DEFAULTS.coalesce.enabled, boolean, 'coalesce', 'a boolean'),
      windowMs: pick(coalesce, 'windowMs', DEFAULTS.coalesce.windowMs, nonNegative, 'coalesce', 'a number of ms from 0 and up'),
      // Sharing a stream needs every follower to replay it from its first byte: not built yet, so refuse rather than ignore.
      streaming: pick(coalesce, 'streaming', DEFAULTS.coalesce.streaming, (v) => v === false, 'coalesce', '`false` (coalescing streams is not supported yet)'),
    }),
    batching: Object.freeze({
      enabled: pick(batching, 'enabled', options.batching === undefined ? DEFAULTS.batching.enabled : true, boolean, 'batching', 'a boolean'),
      windowMs: pick(batching, 'windowMs', DEFAULTS.batching.windowMs, nonNegative, 'batching', 'a number of ms from 0 and up'),
      maxBatchSize: pick(batching, 'maxBatchSize', DEFAULTS.batching.maxBatchSize, (v) => positiveInt(v) && (v as number) <= 100, 'batching', 'an integer from 1 to 100 (the batchEmbedContents limit)'),
    }),
  });
}
