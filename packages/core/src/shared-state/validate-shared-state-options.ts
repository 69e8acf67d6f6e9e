// Validates options.quotas and options.sharedState once, at construction, with messages that name
// the field (STYLE.md §4). Returns copies: the caller's objects are never written to.
import { DEFAULTS } from '../defaults.js';
import { ConfigError } from '../errors.js';
import { optionKeys, rejectUnknownKeys } from '../known-options.js';
import type { QuotaLimit, SharedStateOptions } from '../options.js';

// The keys each options object may have (anything else is rejected by name).
const QUOTA_KEYS = optionKeys<QuotaLimit>({ rpm: true, tpm: true });
const SHARED_STATE_KEYS = optionKeys<SharedStateOptions>({ redis: true, keyPrefix: true, fallbackFleetSize: true });

export interface ResolvedQuota {
  /** Requests per minute, or undefined for no request limit. */
  rpm: number | undefined;
  /** Tokens per minute, or undefined for no token limit. */
  tpm: number | undefined;
}

export interface ResolvedSharedState {
  redis: string;
  keyPrefix: string;
  fallbackFleetSize: number;
}

/** Model name (without `models/`) or `*` glob → its limits. Insertion order is match order. */
export function validateQuotas(quotas: unknown): Map<string, ResolvedQuota> {
  const resolved = new Map<string, ResolvedQuota>();
  if (quotas === undefined) return resolved;
  if (!isPlainObject(quotas)) throw new ConfigError('quotas', 'an object of model name → { rpm?, tpm? }', quotas);
  for (const [model, limit] of Object.entries(quotas)) {
    const field = `quotas[${JSON.stringify(model)}]`;
    if (model.trim() === '') throw new ConfigError('quotas', 'model names that are not empty', model);
    if (!isPlainObject(limit)) throw new ConfigError(field, 'an object { rpm?, tpm? }', limit);
    rejectUnknownKeys(limit, QUOTA_KEYS, field);
    const { rpm, tpm } = limit as QuotaLimit;
    if (rpm === undefined && tpm === undefined) throw new ConfigError(field, 'an object with `rpm` and/or `tpm`', limit);
    resolved.set(model.startsWith('models/') ? model.slice(7) : model, {
      rpm: positiveLimit(`${field}.rpm`, rpm),
      tpm: positiveLimit(`${field}.tpm`, tpm),
    });
  }
  return resolved;
}

export function validateSharedState(sharedState: unknown): ResolvedSharedState | undefined {
  if (sharedState === undefined) return undefined;
  if (!isPlainObject(sharedState)) throw new ConfigError('sharedState', 'an object { redis, keyPrefix?, fallbackFleetSize? }', sharedState);
  rejectUnknownKeys(sharedState, SHARED_STATE_KEYS, 'sharedState');
  const { redis, keyPrefix, fallbackFleetSize } = sharedState as unknown as SharedStateOptions;
  if (typeof redis !== 'string' || !/^rediss?:\/\/[^/\s]/.test(redis)) {
    // The given value is not echoed when it is a string: a Redis URL can carry a password.
    throw new ConfigError('sharedState.redis', 'a `redis://` or `rediss://` URL', typeof redis === 'string' ? '(a string that is not a Redis URL)' : redis);
  }
  if (keyPrefix !== undefined && (typeof keyPrefix !== 'string' || keyPrefix === '' || /[\s{}*]/.test(keyPrefix))) {
    throw new ConfigError('sharedState.keyPrefix', 'a non-empty string without spaces, braces or `*`', keyPrefix);
  }
  if (fallbackFleetSize !== undefined && (typeof fallbackFleetSize !== 'number' || !Number.isInteger(fallbackFleetSize) || fallbackFleetSize < 1)) {
    throw new ConfigError('sharedState.fallbackFleetSize', 'a whole number from 1 up', fallbackFleetSize);
  }
  return { redis, keyPrefix: keyPrefix ?? DEFAULTS.sharedState.keyPrefix, fallbackFleetSize: fallbackFleetSize ?? DEFAULTS.sharedState.fallbackFleetSize };
}

function positiveLimit(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ConfigError(field, 'a number above 0', value);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
