// The options of startProxy and their one-time validation. The CLI validates through the same
// function with flag names (`--port`) instead of field names (`port`), so a bad flag and a bad
// option fail with the same message shape: "Expected `--port` to be …, got …".
// Tokens and keys are never echoed: a rejected secret is described, not shown.
import { ConfigError, type Clock, type GeminiPoolOptions } from '@gempool/core';

/** Anything that hands out OAuth access tokens: google-auth-library's GoogleAuth or an AuthClient. */
export interface AccessTokenSource {
  getAccessToken(): Promise<string | null | undefined | { token?: string | null | undefined }>;
}

export interface ProxyUpstreamOptions {
  /** Where calls go. Default `https://generativelanguage.googleapis.com`. */
  origin?: string;
  /** Gemini API key sent as `x-goog-api-key` on every upstream call. */
  apiKey?: string;
  /** Use Application Default Credentials (google-auth-library) for a bearer token: Vertex AI. */
  useAdc?: boolean;
  /** Token source to use instead of discovering ADC (implies `useAdc`). */
  auth?: AccessTokenSource;
}

export interface ProxyOptions {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Bearer token(s) clients must present; several allow rotation without downtime. */
  tokens?: string[];
  /** Serve without client authentication. Must be explicit. */
  noAuth?: boolean;
  upstream: ProxyUpstreamOptions;
  /** Options of the pool the proxy forwards through (its origins default to the upstream). */
  pool?: GeminiPoolOptions;
  /** Longest a drain waits for in-flight calls. Default 30 000 ms. */
  drainTimeoutMs?: number;
  /** Largest request body accepted. Default 100 MiB. */
  maxRequestBytes?: number;
  /** Wait between warmup attempts while the upstream is unreachable. Default 5 000 ms. */
  warmupRetryMs?: number;
  /** Operational log lines (never credentials, prompts or responses). Default: none. */
  log?: (line: string) => void;
  clock?: Clock;
}

/** How each option is named in messages: field names for the library, flag names for the CLI. */
export type OptionNames = Record<'port' | 'host' | 'tokens' | 'noAuth' | 'origin' | 'apiKey' | 'useAdc' | 'drainTimeoutMs' | 'maxRequestBytes' | 'warmupRetryMs', string>;

export const FIELD_NAMES: OptionNames = {
  port: 'port',
  host: 'host',
  tokens: 'tokens',
  noAuth: 'noAuth',
  origin: 'upstream.origin',
  apiKey: 'upstream.apiKey',
  useAdc: 'upstream.useAdc',
  drainTimeoutMs: 'drainTimeoutMs',
  maxRequestBytes: 'maxRequestBytes',
  warmupRetryMs: 'warmupRetryMs',
};

export function validateProxyOptions(options: ProxyOptions, names: OptionNames = FIELD_NAMES): void {
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port >= 0 && options.port <= 65_535)) {
    throw new ConfigError(names.port, 'an integer port from 0 to 65535', options.port);
  }
  if (options.host !== undefined && (typeof options.host !== 'string' || options.host === '')) {
    throw new ConfigError(names.host, 'a non-empty host name or address', options.host);
  }
  validateAuth(options, names);
  validateUpstream(options.upstream, names);
  for (const key of ['drainTimeoutMs', 'maxRequestBytes', 'warmupRetryMs'] as const) {
    const value = options[key];
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new ConfigError(names[key], 'a positive number', value);
    }
  }
}

function validateAuth(options: ProxyOptions, names: OptionNames): void {
  const tokens = options.tokens ?? [];
  if (!Array.isArray(tokens)) throw new ConfigError(names.tokens, 'an array of bearer tokens', tokens);
  if (options.noAuth === true) {
    if (tokens.length > 0) throw new ConfigError(names.noAuth, `not set together with ${names.tokens}`, true);
    return;
  }
  if (tokens.length === 0) {
    throw new ConfigError(names.tokens, `a bearer token clients must present (or ${names.noAuth} to serve without one)`, undefined);
  }
  for (const token of tokens) {
    // A token is checked for shape only; the message says what is wrong without showing it.
    if (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token)) {
      throw new ConfigError(names.tokens, 'tokens of visible ASCII characters without spaces', typeof token === 'string' ? `a string of ${token.length} characters` : token);
    }
  }
}

function validateUpstream(upstream: ProxyUpstreamOptions | undefined, names: OptionNames): void {
  if (typeof upstream !== 'object' || upstream === null) throw new ConfigError('upstream', 'an object', upstream);
  if (upstream.origin !== undefined) parseOrigin(upstream.origin, names.origin);
  const useAdc = upstream.useAdc === true || upstream.auth !== undefined;
  if (upstream.apiKey !== undefined && (typeof upstream.apiKey !== 'string' || upstream.apiKey === '')) {
    throw new ConfigError(names.apiKey, 'a non-empty API key', typeof upstream.apiKey === 'string' ? 'an empty string' : upstream.apiKey);
  }
  if (upstream.apiKey !== undefined && useAdc) {
    throw new ConfigError(names.useAdc, `not set together with ${names.apiKey} (one upstream credential)`, true);
  }
  if (upstream.apiKey === undefined && !useAdc) {
    throw new ConfigError(names.apiKey, `an upstream credential: an API key, or ${names.useAdc} for Application Default Credentials`, undefined);
  }
}

/** `https://host[:port]` with nothing after it; returns the normalised origin. */
export function parseOrigin(value: unknown, field: string): string {
  const expected = 'an http(s) origin such as `https://generativelanguage.googleapis.com` (no path, query or credentials)';
  if (typeof value !== 'string') throw new ConfigError(field, expected, value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(field, expected, value);
  }
  // A URL with user info or a query may carry a secret: describe it instead of echoing it.
  if (url.username !== '' || url.password !== '' || url.search !== '') throw new ConfigError(field, expected, 'a URL with credentials or a query');
  const bare = (url.pathname === '/' || url.pathname === '') && url.hash === '';
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !bare) throw new ConfigError(field, expected, value);
  return url.origin;
}
