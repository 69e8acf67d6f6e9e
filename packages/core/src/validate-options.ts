// Checks every transport option of createGeminiPool once, at construction, and returns a copy
// with defaults filled in (the caller's object is never written to). A bad value throws a
// ConfigError naming the field, what was expected and what was given. Policy options (lanes,
// breaker, retry…) are validated by the policies' own modules.
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { DEFAULTS } from './defaults.js';
import { ConfigError } from './errors.js';
import { optionKeys, rejectUnknownKeys } from './known-options.js';
import type { GeminiPoolOptions, TlsOptions } from './options.js';

/** Every top-level option; nested objects list theirs beside their own validators. */
const POOL_OPTION_KEYS = optionKeys<GeminiPoolOptions>({
  origins: true, minConnections: true, maxConnections: true, connectTimeoutMs: true, idleTimeoutMs: true, maxLifetimeMs: true,
  maxUsesPerConnection: true, leakTimeoutMs: true, http2: true, tls: true, validateAfterIdleMs: true, maxQueue: true,
  queueTimeoutMs: true, headersTimeoutMs: true, bodyTimeoutMs: true,
  lanes: true, breaker: true, tiers: true, retry: true, coalesce: true, batching: true,
  regions: true, resolveRegion: true, regionHealth: true, apiVersions: true, pools: true, autoscale: true,
  quotas: true, sharedState: true, clock: true,
});
const TLS_OPTION_KEYS = optionKeys<TlsOptions>({ ca: true, rejectUnauthorized: true, servername: true });

export interface TransportOptions {
  origins: string[];
  minConnections: number;
  maxConnections: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  maxLifetimeMs: number;
  maxUsesPerConnection: number;
  leakTimeoutMs: number;
  http2: boolean;
  tls: TlsOptions | undefined;
  validateAfterIdleMs: number;
  maxQueue: number;
  queueTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  clock: Clock;
}

export function validateTransportOptions(options: GeminiPoolOptions | undefined): TransportOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new ConfigError('options', 'an object', options);
  }
  const o = options ?? {};
  rejectUnknownKeys(o, POOL_OPTION_KEYS, '');
  const maxConnections = integer('maxConnections', o.maxConnections, DEFAULTS.maxConnections, 1);
  const resolved: TransportOptions = {
    origins: origins(o.origins),
    // An unset minimum follows a smaller maximum down: `{ maxConnections: 5 }` alone is valid.
    minConnections: integer('minConnections', o.minConnections, Math.min(DEFAULTS.minConnections, maxConnections), 0),
    maxConnections,
    connectTimeoutMs: integer('connectTimeoutMs', o.connectTimeoutMs, DEFAULTS.connectTimeoutMs, 1),
    idleTimeoutMs: integer('idleTimeoutMs', o.idleTimeoutMs, DEFAULTS.idleTimeoutMs, 1),
    maxLifetimeMs: integer('maxLifetimeMs', o.maxLifetimeMs, DEFAULTS.maxLifetimeMs, 0),
    maxUsesPerConnection: integer('maxUsesPerConnection', o.maxUsesPerConnection, DEFAULTS.maxUsesPerConnection, 0),
    leakTimeoutMs: integer('leakTimeoutMs', o.leakTimeoutMs, DEFAULTS.leakTimeoutMs, 0),
    http2: boolean('http2', o.http2, DEFAULTS.http2),
    tls: tls(o.tls),
    validateAfterIdleMs: integer('validateAfterIdleMs', o.validateAfterIdleMs, DEFAULTS.validateAfterIdleMs, 0),
    maxQueue: integer('maxQueue', o.maxQueue, DEFAULTS.maxQueue, 0),
    queueTimeoutMs: integer('queueTimeoutMs', o.queueTimeoutMs, DEFAULTS.queueTimeoutMs, 1),
    headersTimeoutMs: integer('headersTimeoutMs', o.headersTimeoutMs, DEFAULTS.headersTimeoutMs, 1),
    bodyTimeoutMs: integer('bodyTimeoutMs', o.bodyTimeoutMs, DEFAULTS.bodyTimeoutMs, 0),
    clock: clock(o.clock),
  };
  if (resolved.minConnections > resolved.maxConnections) {
    throw new ConfigError('minConnections', `at most \`maxConnections\` (${resolved.maxConnections})`, resolved.minConnections);
  }
  return resolved;
}

export function integer(field: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigError(field, `an integer from ${min} and up`, value);
  }
  return value;
}

function boolean(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ConfigError(field, 'a boolean', value);
  return value;
}

function origins(value: unknown): string[] {
  if (value === undefined) return [...DEFAULTS.origins];
  if (!Array.isArray(value)) throw new ConfigError('origins', 'an array of http(s) origins', value);
  return value.map((origin, index) => {
    const field = `origins[${index}]`;
    if (typeof origin !== 'string') throw new ConfigError(field, 'an http(s) origin string like `https://host:port`', origin);
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError(field, 'an http(s) origin like `https://host:port`', origin);
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
      throw new ConfigError(field, 'an http(s) origin without path, query or credentials, like `https://host:port`', origin);
    }
    return url.origin;
  });
}

function tls(value: unknown): TlsOptions | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError('tls', 'an object `{ ca?, rejectUnauthorized?, servername? }`', value);
  rejectUnknownKeys(value, TLS_OPTION_KEYS, 'tls');
  const t = value as TlsOptions;
  const pem = (item: unknown) => typeof item === 'string' || Buffer.isBuffer(item);
  if (t.ca !== undefined && !(pem(t.ca) || (Array.isArray(t.ca) && t.ca.every(pem)))) {
    throw new ConfigError('tls.ca', 'a PEM string, a Buffer, or an array of them', t.ca);
  }
  if (t.rejectUnauthorized !== undefined && typeof t.rejectUnauthorized !== 'boolean') throw new ConfigError('tls.rejectUnauthorized', 'a boolean', t.rejectUnauthorized);
  if (t.servername !== undefined && (typeof t.servername !== 'string' || t.servername === '')) throw new ConfigError('tls.servername', 'a non-empty string', t.servername);
  return { ...t };
}

function clock(value: unknown): Clock {
  if (value === undefined) return systemClock;
  const c = value as Clock;
  if (typeof c !== 'object' || c === null || typeof c.now !== 'function' || typeof c.setTimeout !== 'function' || typeof c.clearTimeout !== 'function') {
    throw new ConfigError('clock', 'an object with `now`, `setTimeout` and `clearTimeout` functions', value);
  }
  return c;
}
