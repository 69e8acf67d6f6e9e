// Checks the routing and scaling options of createGeminiPool once, at construction: regions,
// resolveRegion, regionHealth, apiVersions, pools and autoscale. Returns a resolved copy with the
// defaults of defaults.ts filled in; a bad value throws a ConfigError naming the field.
import { DEFAULTS } from '../defaults.js';
import { ConfigError } from '../errors.js';
import { vertexHostForLocation } from '../gemini-url.js';
import { optionKeys, rejectUnknownKeys } from '../known-options.js';
import type { AutoscaleOptions, GeminiPoolOptions, ModelPattern, ModelPoolOptions, RegionHealthOptions } from '../options.js';
import { integer } from '../validate-options.js';

// The keys each options object may have (anything else is rejected by name).
const REGION_HEALTH_KEYS = optionKeys<RegionHealthOptions>({ detectionWindowMs: true, errorThreshold: true, minimumCalls: true, quotaCooldownMs: true });
const MODEL_POOL_KEYS = optionKeys<ModelPoolOptions>({ models: true, minConnections: true, maxConnections: true, ceiling: true });
const AUTOSCALE_KEYS = optionKeys<AutoscaleOptions>({
  enabled: true, scaleUpUtilization: true, scaleUpAfterMs: true, scaleUpFactor: true, scaleDownUtilization: true,
  scaleDownAfterMs: true, scaleDownFactor: true, ceiling: true, sampleIntervalMs: true,
});

export interface ResolvedRegionHealth {
  detectionWindowMs: number;
  errorThreshold: number;
  minimumCalls: number;
  quotaCooldownMs: number;
}

export interface ResolvedModelPool {
  name: string;
  models: ModelPattern[];
  minConnections: number;
  maxConnections: number;
  ceiling: number;
}

export interface ResolvedAutoscale {
  scaleUpUtilization: number;
  scaleUpAfterMs: number;
  scaleUpFactor: number;
  scaleDownUtilization: number;
  scaleDownAfterMs: number;
  scaleDownFactor: number;
  /** Ceiling of the default and API-version groups (model pools carry their own). */
  ceiling: number;
  sampleIntervalMs: number;
}

export interface ResolvedRouting {
  /** Ordered: primary first. Empty when region routing is off. */
  regions: string[];
  /** Origin (`https://host:port`) per region: resolveRegion's answer or the Vertex AI host. */
  regionOrigins: Map<string, string>;
  regionHealth: ResolvedRegionHealth;
  /** Percent per API version, or undefined when there is no split. */
  apiVersions: Record<string, number> | undefined;
  pools: ResolvedModelPool[];
  /** Undefined when autoscaling is off. */
  autoscale: ResolvedAutoscale | undefined;
}

const REGION = /^[a-z][a-z0-9-]*$/;
const API_VERSION = /^v\d+(?:(?:alpha|beta)\d*)?$/;

export function resolveRoutingOptions(options: GeminiPoolOptions, minConnections: number, maxConnections: number): ResolvedRouting {
  const regions = resolveRegions(options.regions);
  const apiVersions = options.apiVersions === undefined ? undefined : validateTrafficSplit('apiVersions', options.apiVersions);
  const pools = resolvePools(options.pools, minConnections, apiVersions);
  return {
    regions,
    regionOrigins: regionOrigins(regions, options.resolveRegion),
    regionHealth: resolveRegionHealth(options.regionHealth),
    apiVersions,
    pools,
    autoscale: resolveAutoscale(options.autoscale, maxConnections),
  };
}

/** `{ v1: 90, v1beta: 10 }`: API versions to percentages that sum to 100. Also used by setTrafficSplit. */
export function validateTrafficSplit(field: string, value: unknown): Record<string, number> {
  if (!isPlainObject(value) || Object.keys(value).length === 0) throw new ConfigError(field, 'an object of API version to percentage, like `{ v1: 90, v1beta: 10 }`', value);
  const out: Record<string, number> = {};
  let sum = 0;
  for (const [version, percent] of Object.entries(value)) {
    if (!API_VERSION.test(version)) throw new ConfigError(`${field}.${version}`, 'keyed by an API version like `v1` or `v1beta`', version);
    if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
      throw new ConfigError(`${field}.${version}`, 'a percentage from 0 to 100', percent);
    }
    out[version] = percent;
    sum += percent;
  }
  if (Math.abs(sum - 100) > 1e-6) throw new ConfigError(field, 'percentages that sum to 100', sum);
  return out;
}

function resolveRegions(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError('regions', 'a non-empty array of region names like `us-central1`', value);
  const seen = new Set<string>();
  value.forEach((region: unknown, index) => {
    if (typeof region !== 'string' || !REGION.test(region)) throw new ConfigError(`regions[${index}]`, 'a region name like `us-central1`', region);
    if (seen.has(region)) throw new ConfigError(`regions[${index}]`, 'a region not already listed', region);
    seen.add(region);
  });
  return [...(value as string[])];
}

/** resolveRegion is called once per region here, so a wrong answer fails at construction. */
function regionOrigins(regions: string[], resolveRegion: unknown): Map<string, string> {
  if (resolveRegion !== undefined && typeof resolveRegion !== 'function') throw new ConfigError('resolveRegion', 'a function `(region) => origin`', resolveRegion);
  if (resolveRegion !== undefined && regions.length === 0) throw new ConfigError('resolveRegion', 'used together with `regions`', 'no regions');
  const out = new Map<string, string>();
  for (const region of regions) {
    const answer = resolveRegion === undefined ? `https://${vertexHostForLocation(region)}` : (resolveRegion as (region: string) => unknown)(region);
    out.set(region, toOrigin(`resolveRegion(${JSON.stringify(region)})`, answer));
  }
  return out;
}

function toOrigin(field: string, value: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.username !== '') {
    throw new ConfigError(field, 'an http(s) origin like `https://host:port`', value);
  }
  return url.origin;
}

function resolveRegionHealth(value: unknown): ResolvedRegionHealth {
  const defaults = DEFAULTS.regionHealth;
  if (value === undefined) return { ...defaults };
  if (!isPlainObject(value)) throw new ConfigError('regionHealth', 'an object', value);
  rejectUnknownKeys(value, REGION_HEALTH_KEYS, 'regionHealth');
  const v = value as Record<string, unknown>;
  return {
    detectionWindowMs: integer('regionHealth.detectionWindowMs', v.detectionWindowMs, defaults.detectionWindowMs, 1),
    errorThreshold: fraction('regionHealth.errorThreshold', v.errorThreshold, defaults.errorThreshold),
    minimumCalls: integer('regionHealth.minimumCalls', v.minimumCalls, defaults.minimumCalls, 1),
    quotaCooldownMs: integer('regionHealth.quotaCooldownMs', v.quotaCooldownMs, defaults.quotaCooldownMs, 0),
  };
}

function resolvePools(value: unknown, minConnections: number, apiVersions: Record<string, number> | undefined): ResolvedModelPool[] {
  if (value === undefined) return [];
  if (!isPlainObject(value)) throw new ConfigError('pools', 'an object of pool name to `{ models, minConnections?, maxConnections? }`', value);
  return Object.entries(value).map(([name, pool]) => {
    const field = `pools.${name}`;
    if (name === 'default' || (apiVersions !== undefined && name in apiVersions)) throw new ConfigError(field, 'a name other than `default` and the API versions', name);
    if (!isPlainObject(pool)) throw new ConfigError(field, 'an object `{ models, minConnections?, maxConnections? }`', pool);
    rejectUnknownKeys(pool, MODEL_POOL_KEYS, field);
    const p = pool as Record<string, unknown>;
    if (!Array.isArray(p.models) || p.models.length === 0) throw new ConfigError(`${field}.models`, 'a non-empty array of model names, globs or RegExps', p.models);
    p.models.forEach((pattern: unknown, index) => {
      if (!(pattern instanceof RegExp) && (typeof pattern !== 'string' || pattern === '')) {
        throw new ConfigError(`${field}.models[${index}]`, 'a model name, a glob like `gemini-*-pro*` or a RegExp', pattern);
      }
    });
    const maxConnections = integer(`${field}.maxConnections`, p.maxConnections, DEFAULTS.maxConnections, 1);
    const min = integer(`${field}.minConnections`, p.minConnections, Math.min(minConnections, maxConnections), 0);
    if (min > maxConnections) throw new ConfigError(`${field}.minConnections`, `at most its maxConnections (${maxConnections})`, min);
    const ceiling = integer(`${field}.ceiling`, p.ceiling, 2 * maxConnections, maxConnections);
    return { name, models: [...(p.models as ModelPattern[])], minConnections: min, maxConnections, ceiling };
  });
}

function resolveAutoscale(value: unknown, maxConnections: number): ResolvedAutoscale | undefined {
  if (value === false) return undefined;
  const defaults = DEFAULTS.autoscale;
  if (value !== undefined && !isPlainObject(value)) throw new ConfigError('autoscale', 'an object or `false`', value);
  const v = (value ?? {}) as Record<string, unknown>;
  rejectUnknownKeys(v, AUTOSCALE_KEYS, 'autoscale');
  if (v.enabled !== undefined && typeof v.enabled !== 'boolean') throw new ConfigError('autoscale.enabled', 'a boolean', v.enabled);
  if (v.enabled === false) return undefined;
  const resolved: ResolvedAutoscale = {
    scaleUpUtilization: openFraction('autoscale.scaleUpUtilization', v.scaleUpUtilization, defaults.scaleUpUtilization),
    scaleUpAfterMs: integer('autoscale.scaleUpAfterMs', v.scaleUpAfterMs, defaults.scaleUpAfterMs, 1),
    scaleUpFactor: positive('autoscale.scaleUpFactor', v.scaleUpFactor, defaults.scaleUpFactor, 10),
    scaleDownUtilization: openFraction('autoscale.scaleDownUtilization', v.scaleDownUtilization, defaults.scaleDownUtilization),
    scaleDownAfterMs: integer('autoscale.scaleDownAfterMs', v.scaleDownAfterMs, defaults.scaleDownAfterMs, 1),
    scaleDownFactor: openFraction('autoscale.scaleDownFactor', v.scaleDownFactor, defaults.scaleDownFactor),
    // Model pools carry their own ceiling (pools.<name>.ceiling).
    ceiling: integer('autoscale.ceiling', v.ceiling, 2 * maxConnections, maxConnections),
    sampleIntervalMs: integer('autoscale.sampleIntervalMs', v.sampleIntervalMs, defaults.sampleIntervalMs, 1),
  };
  if (resolved.scaleDownUtilization >= resolved.scaleUpUtilization) {
    throw new ConfigError('autoscale.scaleDownUtilization', `below \`autoscale.scaleUpUtilization\` (${resolved.scaleUpUtilization})`, resolved.scaleDownUtilization);
  }
  const shortest = Math.min(resolved.scaleUpAfterMs, resolved.scaleDownAfterMs);
  if (resolved.sampleIntervalMs > shortest) throw new ConfigError('autoscale.sampleIntervalMs', `at most the shorter scale delay (${shortest} ms)`, resolved.sampleIntervalMs);
  return resolved;
}

function fraction(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) throw new ConfigError(field, 'a number above 0 and at most 1', value);
  return value;
}

function openFraction(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0 && value < 1)) throw new ConfigError(field, 'a number between 0 and 1 (exclusive)', value);
  return value;
}

function positive(field: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0 && value <= max)) throw new ConfigError(field, `a number above 0 and at most ${max}`, value);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RegExp);
}
