// createGoogleGenAI({ ...GoogleGenAIOptions, pool }): a real GoogleGenAI whose every REST call
// (generate, stream, countTokens, embed, files, caches, batches; Gemini API and Vertex AI) goes
// through the pool. The SDK's own retries stay off while the pool retries (`pool.retryEnabled`), so
// attempts never multiply; with the pool's retries off, the SDK's retry settings are the user's.
// Its `timeout` and `abortSignal` keep working because they arrive as the fetch signal.
import { ConfigError, createGeminiPool, gempoolSdkFetch, vertexHostForLocation } from '@gempool/core';
import type { GeminiPool, GeminiPoolOptions, SdkFetch } from '@gempool/core';
import { GoogleGenAI, type GoogleGenAIOptions } from '@google/genai';

export interface CreateGoogleGenAIOptions extends GoogleGenAIOptions {
  /** A pool to share, or options for a pool this client owns (close it with `getGempool(ai).close()`). */
  pool: GeminiPool | GeminiPoolOptions;
}

const owners = new WeakMap<GoogleGenAI, GeminiPool>();

export function createGoogleGenAI(options: CreateGoogleGenAIOptions): GoogleGenAI {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'an object', options);
  const { pool: poolOrOptions, ...sdkOptions } = options;
  if (typeof poolOrOptions !== 'object' || poolOrOptions === null) throw new ConfigError('pool', 'a GeminiPool or pool options', poolOrOptions);
  const httpOptions = sdkOptions.httpOptions ?? {};
  if (httpOptions.fetch !== undefined) throw new ConfigError('httpOptions.fetch', 'unset (the pool provides the fetch)', httpOptions.fetch);
  const owned = !isPool(poolOrOptions);
  if (owned && httpOptions.retryOptions !== undefined && (poolOrOptions as GeminiPoolOptions).retry?.enabled !== false) {
    // Checked before a pool is made, so a rejected config leaves no sockets behind.
    throw new ConfigError('httpOptions.retryOptions', 'unset while the pool retries (or pool options with `retry: { enabled: false }`)', httpOptions.retryOptions);
  }
  const pool = owned ? createGeminiPool({ origins: [targetOrigin(sdkOptions)], ...(poolOrOptions as GeminiPoolOptions) }) : (poolOrOptions as GeminiPool);
  // A pool without `retryEnabled` (an older or hand-made one) is assumed to retry.
  const poolRetries = pool.retryEnabled !== false;
  if (httpOptions.retryOptions !== undefined && poolRetries) {
    if (owned) void pool.close();
    throw new ConfigError('httpOptions.retryOptions', 'unset while the pool retries (or pool options with `retry: { enabled: false }`)', httpOptions.retryOptions);
  }
  // While the pool retries, the SDK makes one attempt per call (`attempts: 1`, as in
  // pool.httpOptions) so attempts never multiply; when it does not, the user's SDK retry settings
  // (or the SDK's default: none) are left as they are.
  const retryOptions = poolRetries ? { attempts: 1 } : httpOptions.retryOptions;
  const sdkHttpOptions = { ...httpOptions, fetch: genaiFetch(pool) };
  if (retryOptions !== undefined) sdkHttpOptions.retryOptions = retryOptions;
  const ai = new GoogleGenAI({ ...sdkOptions, httpOptions: sdkHttpOptions });
  owners.set(ai, pool);
  return ai;
}

/** The pool behind a client made by createGoogleGenAI. */
export function getGempool(ai: GoogleGenAI): GeminiPool | undefined {
  return owners.get(ai);
}

/** pool.fetch as the SDK's `httpOptions.fetch` (core's gempoolSdkFetch; kept under this name for compatibility). */
export const genaiFetch: (pool: GeminiPool) => SdkFetch = gempoolSdkFetch;

// The origin the SDK will call, so a pool created here warms the right host.
function targetOrigin(options: GoogleGenAIOptions): string {
  const baseUrl = options.httpOptions?.baseUrl;
  if (baseUrl !== undefined) return new URL(baseUrl).origin;
  if (options.vertexai === true && options.location !== undefined && options.apiKey === undefined) return `https://${vertexHostForLocation(options.location)}`;
  if (options.vertexai === true) return 'https://aiplatform.googleapis.com';
  return 'https://generativelanguage.googleapis.com';
}

function isPool(value: GeminiPool | GeminiPoolOptions): value is GeminiPool {
  return typeof (value as GeminiPool).fetch === 'function' && typeof (value as GeminiPool).stats === 'function';
}
